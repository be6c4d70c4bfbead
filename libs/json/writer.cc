#include "libs/json/writer.h"

#include <array>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace hyper::json {

namespace {

// Bytes that go out as they are: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> SafeBytes(bool script_safe) {
  std::array<bool, 256> safe{};
  for (int c = 0x20; c < 0x7F; ++c) safe[c] = true;
  safe['"'] = safe['\\'] = false;
  if (script_safe) safe['<'] = safe['>'] = safe['&'] = false;
  return safe;
}
constexpr std::array<bool, 256> kSafe = SafeBytes(false);
constexpr std::array<bool, 256> kScriptSafe = SafeBytes(true);

// The length of the valid UTF-8 sequence at p (>= 0x80), or 0 if invalid.
int Utf8Length(const unsigned char* p, const unsigned char* end) {
  unsigned char c = *p;
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
    return 0;
  }
  if (end - p <= extra) return 0;
  for (int i = 1; i <= extra; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return extra + 1;
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int length = Utf8Length(p, end);
    if (length == 0) return false;
    p += length;
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

// One pass: runs of safe bytes are appended whole, UTF-8 is validated as it
// goes, and on invalid UTF-8 the output is rolled back to "".
void JsonWriter::AppendEscaped(absl::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::array<bool, 256>& safe = options_.script_safe ? kScriptSafe : kSafe;
  const size_t mark = out_->size();
  out_->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(value.data());
  const unsigned char* end = p + value.size();
  const unsigned char* run = p;
  auto flush = [&](const unsigned char* upto) {
    out_->append(reinterpret_cast<const char*>(run), static_cast<size_t>(upto - run));
  };
  while (p < end) {
    unsigned char c = *p;
    if (safe[c]) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      int length = Utf8Length(p, end);
      if (length == 0) {
        out_->resize(mark);
        out_->append("\"\"");
        ok_ = false;
        return;
      }
      // U+2028/U+2029 end a line in JavaScript: escaped in script-safe mode.
      if (options_.script_safe && length == 3 && c == 0xE2 && p[1] == 0x80 &&
          (p[2] == 0xA8 || p[2] == 0xA9)) {
        flush(p);
        out_->append(p[2] == 0xA8 ? "\\u2028" : "\\u2029");
        p += 3;
        run = p;
        continue;
      }
      p += length;
      continue;
    }
    flush(p);
    switch (c) {
      case '"': out_->append("\\\""); break;
      case '\\': out_->append("\\\\"); break;
      case '\n': out_->append("\\n"); break;
      case '\r': out_->append("\\r"); break;
      case '\t': out_->append("\\t"); break;
      case '\b': out_->append("\\b"); break;
      case '\f': out_->append("\\f"); break;
      default: {
        char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out_->append(buf, 6);
      }
    }
    ++p;
    run = p;
  }
  flush(p);
  out_->push_back('"');
}

}  // namespace hyper::json
