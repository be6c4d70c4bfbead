// JsonWriter: appends JSON text to a string as it is built, escaping every
// string so the output is always valid JSON (quotes, backslash, control
// characters as \uXXXX; with `script_safe`, also '<', '>', '&' and U+2028/9 so
// the text can sit inside an HTML <script>). Invalid UTF-8 is refused
// (ok() turns false and the bad string is written as ""), never passed on.
//
// Example:
//   std::string out;
//   JsonWriter w(&out);
//   w.StartObject();
//   w.Key("message"); w.String("Hello, World!");
//   w.Key("n"); w.Int(-3);
//   w.EndObject();
//   // out == R"({"message":"Hello, World!","n":-3})"
//
// Writers of a fixed shape (validation::Model) escape their member names
// once as JsonWriter::Name and write whole objects through
// JsonWriter::Members, which grows the output once and then only stores
// bytes; the text is the same as the calls above give.
#ifndef HYPER_LIBS_JSON_WRITER_H_
#define HYPER_LIBS_JSON_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace hyper::json {

class JsonWriter {
 public:
  struct Options {
    bool script_safe = false;
  };

  class Members;

  // A member name escaped ahead of time, for Key(const Name&) and Members:
  // writing it is one copy. A name with invalid UTF-8 is written as "" and
  // makes ok() false, as Key(absl::string_view) does.
  class Name {
   public:
    explicit Name(absl::string_view name);

   private:
    friend class JsonWriter;
    friend class Members;
    // Names this long or shorter are copied as one fixed-size block.
    static constexpr size_t kBlock = 32;
    // `,"name":` escaped for each mode ([0] plain, [1] script-safe), of
    // size_[mode] bytes, then kBlock spare bytes so a block copy stays inside.
    std::string text_[2];
    size_t size_[2] = {0, 0};
    size_t max_size_ = 0;  // of the two
    bool valid_ = true;
  };

  explicit JsonWriter(std::string* out) : JsonWriter(out, Options()) {}
  JsonWriter(std::string* out, Options options) : out_(out), options_(options) {}

  void StartObject();
  void EndObject();
  void StartArray();
  void EndArray();
  void Key(absl::string_view key);
  void Key(const Name& key);
  void String(absl::string_view value);
  void Int(int64_t value);
  // The shortest text that reads back as the same double (std::to_chars'
  // text); NaN and infinities (not JSON) are written as null.
  void Double(double value);
  // Writes `json` as it is; the caller guarantees it is one valid JSON value.
  void Raw(absl::string_view json);
  void Bool(bool value);
  void Null();

  // False once any string held invalid UTF-8.
  bool ok() const { return ok_; }

 private:
  // The most bytes an Int, Double or Bool value takes.
  static constexpr size_t kMaxIntSize = 20;
  static constexpr size_t kMaxDoubleSize = 32;
  static constexpr size_t kMaxBoolSize = 5;
  // Room past what a value takes that writing it may fill with garbage
  // (fixed-size copies instead of exact ones); trimmed away after.
  static constexpr size_t kSlack = 48;
  // The text of value at p (with kSlack room past it); the end is returned.
  static char* PutInt(char* p, int64_t value);
  static char* PutDouble(char* p, double value);
  // `value` quoted at p, when none of it needs escaping or checking (room:
  // its size + 2); else nullptr (p is garbage up to its size + 2).
  static char* PutSafeString(char* p, absl::string_view value, size_t script_safe);

  // The output between Open() and Close(): bytes are stored at `p`, up to
  // `end`; out_ holds spare bytes after `p` meanwhile.
  struct Span {
    char* p;
    char* end;
  };

  // Updates the comma bookkeeping for a value about to be written; true when
  // a ',' must go before it.
  bool CommaBefore() {
    if (after_key_) {
      after_key_ = false;
      return false;
    }
    if (depth_ == 0) return false;
    const bool comma = has_member_;
    has_member_ = true;
    return comma;
  }
  // A container opened (after its bracket) or closed.
  void Push() {
    if (depth_ < 64) {
      outer_bits_ = (outer_bits_ << 1) | static_cast<uint64_t>(has_member_);
    } else {
      deeper_.push_back(has_member_);
    }
    ++depth_;
    has_member_ = false;
  }
  void Pop() {
    if (depth_ == 0) return;
    --depth_;
    if (depth_ < 64) {
      has_member_ = (outer_bits_ & 1) != 0;
      outer_bits_ >>= 1;
    } else {
      has_member_ = deeper_.back();
      deeper_.pop_back();
    }
  }
  void Open(Span& s, size_t n);
  // Trims the spare bytes (erase, unlike resize, is inline).
  void Close(const Span& s) { out_->erase(static_cast<size_t>(s.p - out_->data())); }
  // Makes room for n more bytes at s.p.
  void Reserve(Span& s, size_t n) {
    if (static_cast<size_t>(s.end - s.p) < n) Grow(s, n);
  }
  void Grow(Span& s, size_t n);
  // `value` quoted and escaped; "" and ok_ false when it is not UTF-8.
  void PutString(Span& s, absl::string_view value);

  std::string* out_;
  Options options_;
  bool has_member_ = false;  // of the innermost open container
  bool after_key_ = false;
  bool ok_ = true;
  uint32_t depth_ = 0;        // open containers
  uint64_t outer_bits_ = 0;   // has_member_ of enclosing levels 1..64, innermost low
  std::vector<bool> deeper_;  // the same for levels past 64
};

// Writes one object's members for writers of a fixed shape into a buffer of
// its own, appended to the output when full, at Pause() and at Finish(); a
// typical object takes one append. Each call takes where the member goes and
// returns where the next one goes, so that position can stay in a register:
//   JsonWriter::Members m(&w);            // '{'
//   char* p = m.start();
//   p = m.Int(p, id_name, 42);            // id_name: a JsonWriter::Name
//   p = m.String(p, email_name, "ann@example.com");
//   JsonWriter* inner = m.Pause(p);       // any other member, through the writer
//   inner->Key(items_name); inner->StartArray(); inner->EndArray();
//   p = m.Resume();
//   m.Finish(p);                          // '}'
// The text, escaping and ok() are those of StartObject(), Key() and the value
// calls. Until Finish() the writer may be used only between Pause() and
// Resume().
class JsonWriter::Members {
 public:
  explicit Members(JsonWriter* w);
  Members(const Members&) = delete;
  Members& operator=(const Members&) = delete;

  char* start() { return buffer_ + start_; }
  char* Int(char* p, const Name& name, int64_t value) {
    return PutInt(Key(p, name, kMaxIntSize), value);
  }
  char* Double(char* p, const Name& name, double value) {
    return PutDouble(Key(p, name, kMaxDoubleSize), value);
  }
  char* Bool(char* p, const Name& name, bool value) {
    p = Key(p, name, kMaxBoolSize);
    std::memcpy(p, value ? "true" : "false", 5);  // "true" with its NUL
    return p + (value ? 4 : 5);
  }
  char* String(char* p, const Name& name, absl::string_view value) {
    if (value.size() <= kMaxBufferedString) {
      p = Key(p, name, value.size() + 2);
      if (char* end = PutSafeString(p, value, mode_)) return end;
    } else {
      p = Key(p, name, 0);
    }
    return EscapeString(p, value);
  }
  JsonWriter* Pause(char* p);
  char* Resume() { return buffer_; }
  void Finish(char* p);

 private:
  static constexpr size_t kBufferSize = 512;
  // Longer strings (and any with something to escape) go to the output
  // straight, by EscapeString.
  static constexpr size_t kMaxBufferedString = kBufferSize - 2 - kSlack;
  static_assert(kMaxDoubleSize + kSlack <= kBufferSize);

  // Writes the key, making room for it and a value of up to value_size bytes,
  // and returns where the value goes.
  char* Key(char* p, const Name& name, size_t value_size) {
    if (static_cast<size_t>(buffer_ + kBufferSize - p) < name.max_size_ + value_size + kSlack) {
      return KeyAfterFlush(p, name);
    }
    const char* text = name.text_[mode_].data() + skip_comma_;
    const size_t n = name.size_[mode_] - skip_comma_;
    skip_comma_ = 0;
    if (n <= Name::kBlock) {
      std::memcpy(p, text, Name::kBlock);  // one fixed-size copy
    } else {
      std::memcpy(p, text, n);
    }
    if (!name.valid_) w_->ok_ = false;
    return p + n;
  }
  // Key() when the buffer is too full (or the name too long for it): sends
  // the buffer and the key to the output.
  char* KeyAfterFlush(char* p, const Name& name);
  // Sends buffer_[0, p) to the output; returns buffer_.
  char* Flush(char* p);
  // A string with something to escape, or a long one, written to the
  // output straight; returns buffer_.
  char* EscapeString(char* p, absl::string_view value);

  JsonWriter* w_;
  size_t mode_;            // 1 when script-safe: the Name text to use
  size_t skip_comma_ = 1;  // 1 until the first member, in the writer's stead
  size_t start_;
  char buffer_[kBufferSize];
};

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, no
// code points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace hyper::json

#endif  // HYPER_LIBS_JSON_WRITER_H_
