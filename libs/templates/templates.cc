#include "libs/templates/templates.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include <ctemplate/template_emitter.h>
#include <ctemplate/template_string.h>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/templates/internal/syntax.h"

namespace hyper::templates {
namespace {

// ctemplate resolves names it has not been given against this root; it does
// not exist, so ctemplate never reads a template file on its own.
constexpr char kNoRoot[] = "/nonexistent/hyper-templates-load-through-Templates-only/";

ctemplate::TemplateString Ts(absl::string_view s) {
  return ctemplate::TemplateString(s.data(), s.size());
}

// Names are relative paths below the root: no "..", ".", empty or absolute.
absl::Status ValidateName(absl::string_view name) {
  if (name.empty() || name.front() == '/') {
    return absl::InvalidArgumentError(absl::StrCat("template name '", name, "' must be a relative path"));
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return absl::InvalidArgumentError(absl::StrCat("template name '", name, "' must stay below the root"));
    }
  }
  return absl::OkStatus();
}

absl::Status ErrnoStatus(int err, absl::string_view what) {
  std::string message = absl::StrCat(what, ": ", strerror(err));
  return err == ENOENT ? absl::NotFoundError(message) : absl::UnavailableError(message);
}

// ctemplate emits a page in many short pieces (each text run, each run of
// an escaped value and each entity); appending each to a std::string costs
// more than the copy. This copies them through a cursor into room made in
// the string beforehand (doubling it when full), and trims the string to
// what was written when it goes.
class AppendEmitter final : public ctemplate::ExpandEmitter {
 public:
  explicit AppendEmitter(std::string* out) : out_(out) {
    // The room the string already has (a reused buffer), within limits.
    const size_t used = out->size();
    out->resize(used + std::clamp(out->capacity() - used, kMinRoom, kMaxFirstRoom));
    cur_ = out->data() + used;
    end_ = out->data() + out->size();
  }

  void Emit(char c) override {
    if (ABSL_PREDICT_FALSE(cur_ == end_)) Grow(1);
    *cur_++ = c;
  }
  void Emit(const std::string& s) override { Emit(s.data(), s.size()); }
  void Emit(const char* s) override { Emit(s, std::strlen(s)); }
  void Emit(const char* s, size_t n) override {
    char* const cur = cur_;
    // n - 1 wraps for n == 0, which (with a full buffer) takes the slow path.
    if (ABSL_PREDICT_FALSE(n - 1 >= static_cast<size_t>(end_ - cur))) return EmitSlow(s, n);
    cur_ = cur + n;
    // Most pieces are short: copy those with two overlapping moves of 4 or
    // 8 bytes (reading only s[0, n)) rather than a call to memcpy.
    if (n >= 8 && n <= 16) {
      Move<8>(cur, s);
      Move<8>(cur + n - 8, s + n - 8);
    } else if (n >= 4 && n < 8) {
      Move<4>(cur, s);
      Move<4>(cur + n - 4, s + n - 4);
    } else {
      std::memcpy(cur, s, n);
    }
  }

  ~AppendEmitter() override { out_->resize(static_cast<size_t>(cur_ - out_->data())); }
  AppendEmitter(const AppendEmitter&) = delete;
  AppendEmitter& operator=(const AppendEmitter&) = delete;

 private:
  static constexpr size_t kMinRoom = 1024;
  static constexpr size_t kMaxFirstRoom = 64 << 10;

  template <size_t kBytes>
  static void Move(char* to, const char* from) {
    char bytes[kBytes];
    std::memcpy(bytes, from, kBytes);
    std::memcpy(to, bytes, kBytes);
  }

  ABSL_ATTRIBUTE_NOINLINE void EmitSlow(const char* s, size_t n) {
    if (n == 0) return;
    Grow(n);
    std::memcpy(cur_, s, n);
    cur_ += n;
  }

  void Grow(size_t n) {
    const size_t used = static_cast<size_t>(cur_ - out_->data());
    out_->resize(std::max(used + n, 2 * out_->size()));
    cur_ = out_->data() + used;
    end_ = out_->data() + out_->size();
  }

  std::string* const out_;
  char* cur_;
  char* end_;
};

bool SameFile(const struct stat& st, const struct timespec& mtime, int64_t size) {
  return st.st_mtim.tv_sec == mtime.tv_sec && st.st_mtim.tv_nsec == mtime.tv_nsec &&
         st.st_size == size;
}

}  // namespace

Templates::Templates(Options options)
    : options_(std::move(options)), cache_(std::make_unique<ctemplate::TemplateCache>()) {
  cache_->SetTemplateRootDirectory(kNoRoot);
}

Templates::~Templates() = default;

absl::Status Templates::Load(absl::string_view name) {
  Pinned pinned;
  std::lock_guard<std::mutex> lock(mu_);
  absl::Status status = AcquireLocked(name, &pinned);
  for (const auto& entry : pinned) --entry->pins;
  EvictLocked();
  return status;
}

absl::Status Templates::Render(absl::string_view name, const Dictionary& data, std::string* out) {
  Pinned pinned;
  absl::Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    status = AcquireLocked(name, &pinned);
    for (const std::string& include : data.includes()) {
      if (!status.ok()) break;
      status = AcquireLocked(include, &pinned);
    }
    if (!status.ok()) {
      for (const auto& entry : pinned) --entry->pins;
      EvictLocked();
      return status;
    }
    EvictLocked();
  }
  const size_t before = out->size();
  bool expanded;
  {
    AppendEmitter emitter(out);
    expanded = cache_->ExpandWithData(Ts(name), options_.strip, &data.ctemplate_dictionary(),
                                      /*per_expand_data=*/nullptr, &emitter);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& entry : pinned) --entry->pins;
    EvictLocked();
  }
  if (!expanded) {
    out->resize(before);
    return absl::InternalError(absl::StrCat(name, ": ctemplate could not expand it"));
  }
  return absl::OkStatus();
}

Templates::Stats Templates::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

absl::Status Templates::AcquireLocked(absl::string_view name, Pinned* pinned) {
  std::shared_ptr<Entry> entry;
  auto it = entries_.find(name);
  if (it != entries_.end()) entry = it->second;
  if (entry != nullptr && options_.reload_changed) {
    struct stat st;
    const std::string path = absl::StrCat(options_.root, "/", name);
    if (::stat(path.c_str(), &st) != 0 || !SameFile(st, entry->mtime, entry->file_size)) {
      absl::StatusOr<std::shared_ptr<Entry>> reloaded = LoadLocked(name, entry.get());
      if (!reloaded.ok()) return reloaded.status();
      entry = *std::move(reloaded);
    }
  }
  if (entry == nullptr) {
    absl::StatusOr<std::shared_ptr<Entry>> loaded = LoadLocked(name, nullptr);
    if (!loaded.ok()) return loaded.status();
    entry = *std::move(loaded);
  }
  ++entry->pins;
  lru_.splice(lru_.begin(), lru_, entry->lru);
  pinned->push_back(std::move(entry));
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Templates::Entry>> Templates::LoadLocked(absl::string_view name, Entry* stale) {
  if (absl::Status valid = ValidateName(name); !valid.ok()) return valid;
  const std::string path = absl::StrCat(options_.root, "/", name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path);
  struct stat st;
  std::string text;
  int err = 0;
  if (::fstat(fd, &st) != 0) {
    err = errno;
  } else {
    text.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        err = n < 0 ? errno : 0;
        break;
      }
      done += static_cast<size_t>(n);
    }
    text.resize(done);
  }
  ::close(fd);
  if (err != 0) return ErrnoStatus(err, path);

  if (absl::Status checked = internal::CheckTemplateText(name, text); !checked.ok()) {
    return checked;
  }
  // A changed file replaces the old compiled template, even when the new
  // text is broken: a developer sees the error, not a stale page. Renders
  // still running keep the old one alive (ctemplate counts references).
  if (stale != nullptr) EraseLocked(stale);
  if (!cache_->StringToTemplateCache(Ts(name), Ts(text), options_.strip)) {
    return internal::LocateCompileError(name, text);
  }
  auto entry = std::make_shared<Entry>();
  entry->name = std::string(name);
  entry->charged = ChargedBytes(text.size());
  entry->mtime = st.st_mtim;
  entry->file_size = static_cast<int64_t>(text.size());
  lru_.push_front(entry.get());
  entry->lru = lru_.begin();
  ++stats_.loads;
  ++stats_.cached_templates;
  stats_.cached_bytes += entry->charged;
  entries_[entry->name] = entry;
  return entry;
}

void Templates::EraseLocked(Entry* entry) {
  cache_->Delete(Ts(entry->name));
  stats_.cached_bytes -= entry->charged;
  --stats_.cached_templates;
  lru_.erase(entry->lru);
  entries_.erase(entries_.find(entry->name));  // may destroy *entry
}

void Templates::EvictLocked() {
  // From the least recently used end, skipping templates renders are using.
  auto it = lru_.end();
  while (stats_.cached_bytes > options_.max_cache_bytes && it != lru_.begin()) {
    auto victim = std::prev(it);
    if ((*victim)->pins > 0) {
      it = victim;
      continue;
    }
    EraseLocked(*victim);  // `it` stays valid
    ++stats_.evictions;
  }
}

}  // namespace hyper::templates
