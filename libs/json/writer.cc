#include "libs/json/writer.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace hyper::json {

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_->push_back(',');
    has_member_.back() = true;
  }
}

void JsonWriter::StartObject() {
  BeforeValue();
  out_->push_back('{');
  has_member_.push_back(false);
}

void JsonWriter::EndObject() {
  out_->push_back('}');
  if (!has_member_.empty()) has_member_.pop_back();
}

void JsonWriter::StartArray() {
  BeforeValue();
  out_->push_back('[');
  has_member_.push_back(false);
}

void JsonWriter::EndArray() {
  out_->push_back(']');
  if (!has_member_.empty()) has_member_.pop_back();
}

void JsonWriter::Key(absl::string_view key) {
  BeforeValue();
  AppendEscaped(key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonWriter::String(absl::string_view value) {
  BeforeValue();
  AppendEscaped(value);
}

void JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(out_, value);
}

void JsonWriter::Double(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_->append("null");
    return;
  }
  char buffer[32];
  std::to_chars_result r = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, static_cast<size_t>(r.ptr - buffer));
}

void JsonWriter::Raw(absl::string_view json) {
  BeforeValue();
  out_->append(json.data(), json.size());
}

void JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

void JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
}

void JsonWriter::AppendEscaped(absl::string_view value) {
  if (!IsValidUtf8(value)) {
    ok_ = false;
    out_->append("\"\"");
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out_->push_back('"');
  for (size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    switch (c) {
      case '"': out_->append("\\\""); continue;
      case '\\': out_->append("\\\\"); continue;
      case '\n': out_->append("\\n"); continue;
      case '\r': out_->append("\\r"); continue;
      case '\t': out_->append("\\t"); continue;
      case '\b': out_->append("\\b"); continue;
      case '\f': out_->append("\\f"); continue;
      default: break;
    }
    bool escape = c < 0x20 || c == 0x7F;
    if (options_.script_safe && (c == '<' || c == '>' || c == '&')) escape = true;
    if (options_.script_safe && c == 0xE2 && i + 2 < value.size() &&
        static_cast<unsigned char>(value[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(value[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(value[i + 2]) == 0xA9)) {
      out_->append(static_cast<unsigned char>(value[i + 2]) == 0xA8 ? "\\u2028"
                                                                    : "\\u2029");
      i += 2;
      continue;
    }
    if (escape) {
      char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out_->append(buf, 6);
    } else {
      out_->push_back(static_cast<char>(c));
    }
  }
  out_->push_back('"');
}

}  // namespace hyper::json
