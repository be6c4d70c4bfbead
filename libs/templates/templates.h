// Templates: HTML (or JavaScript, CSS, JSON, XML) templates read from one
// directory, compiled once by ctemplate, always auto-escaped, kept in a
// thread-safe cache bounded by bytes with least-recently-used eviction.
//
// Escaping cannot be switched off by accident: a template is refused unless
// it begins with an {{%AUTOESCAPE context="..."}} pragma, and the `:none`
// modifier is refused. Under the pragma ctemplate escapes each {{VAR}} for
// where it lands: HTML text and attributes are HTML-escaped, a URL attribute
// (href, src) lets only http(s)/relative URLs through ("javascript:..."
// becomes "#"), a value in <script> or an on* handler is JavaScript-escaped
// (so "</script>" cannot end the script). Included templates obey the same
// rule (ctemplate would otherwise expand an include without a pragma raw).
//
// Templates are loaded on first use (or by Load) and only through this
// class: ctemplate's own cache here has no readable root, and includes come
// from Dictionary::AddInclude, whose names Render validates and loads first.
//
// Example (root/hello.tpl is
//   {{%AUTOESCAPE context="HTML"}}<p title="{{NAME}}">Hi {{NAME}}</p>):
//   Templates templates({.root = "root"});
//   Dictionary data;
//   data.SetValue("NAME", "<b>\"Bo\"");
//   std::string out = "<!doctype html>";
//   absl::Status s = templates.Render("hello.tpl", data, &out);
//   // s.ok(); out == "<!doctype html><p title=\"&lt;b&gt;&quot;Bo&quot;\">"
//   //                "Hi &lt;b&gt;&quot;Bo&quot;</p>"
#ifndef HYPER_LIBS_TEMPLATES_TEMPLATES_H_
#define HYPER_LIBS_TEMPLATES_TEMPLATES_H_

#include <cstdint>
#include <ctime>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include <ctemplate/template_cache.h>
#include <ctemplate/template_enums.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/templates/dictionary.h"

namespace hyper::templates {

// Thread-safe: Load, Render and stats may be called from any thread at once.
class Templates {
 public:
  struct Options {
    // Directory the template names are relative to.
    std::string root;
    // Budget for compiled templates, as charged by ChargedBytes. A template
    // in use by a render is never evicted, so the budget can be exceeded
    // while renders run. Binaries expose this as a flag.
    int64_t max_cache_bytes = int64_t{256} << 20;
    // Development mode: every render stats the files it uses and recompiles
    // one whose mtime or size changed.
    bool reload_changed = false;
    // The default drops lines that hold only a pragma, comment or section
    // marker (so the pragma line adds no newline) and blank lines.
    ctemplate::Strip strip = ctemplate::STRIP_BLANK_LINES;
  };

  struct Stats {
    int64_t loads = 0;        // files read and compiled (first use, reloads)
    int64_t evictions = 0;
    int64_t cached_bytes = 0;
    int64_t cached_templates = 0;
  };

  explicit Templates(Options options);
  ~Templates();
  Templates(const Templates&) = delete;
  Templates& operator=(const Templates&) = delete;

  // Compiles `name` now if it is not cached (e.g. at startup, to fail early).
  // Errors: InvalidArgumentError for a bad name or a template that breaks
  // the rules or does not compile ("<name>:<line>: <reason>"); NotFoundError
  // or another errno-based status when the file cannot be read.
  absl::Status Load(absl::string_view name);

  // Appends `name` expanded with `data` to *out (ctemplate writes straight
  // into it). Loads `name` and every template data.includes() names first.
  // On error *out is as it was; errors as Load.
  absl::Status Render(absl::string_view name, const Dictionary& data, std::string* out);

  Stats stats() const;

  // What a compiled template of `text_size` bytes is charged against the
  // budget. ctemplate does not report its sizes; measured with mallinfo2 on
  // ctemplate 2.4: ~7.6 KB for a 363-byte page, ~188 KB for 16.6 KB of text.
  static int64_t ChargedBytes(size_t text_size) {
    return 4096 + 12 * static_cast<int64_t>(text_size);
  }

 private:
  struct Entry {
    std::string name;
    int64_t charged = 0;
    struct timespec mtime = {};
    int64_t file_size = 0;
    int pins = 0;  // renders using it now
    std::list<Entry*>::iterator lru;
  };
  // Shared so that a render may unpin an entry a reload has replaced.
  using Pinned = absl::InlinedVector<std::shared_ptr<Entry>, 4>;

  // Finds or loads `name`, reloading it when changed in dev mode, and pins it.
  absl::Status AcquireLocked(absl::string_view name, Pinned* pinned);
  absl::StatusOr<std::shared_ptr<Entry>> LoadLocked(absl::string_view name, Entry* stale);
  void EraseLocked(Entry* entry);
  void EvictLocked();

  const Options options_;
  // ctemplate's cache, private to this object, holding the compiled templates
  // under their names; it resolves {{>INCLUDE}}s among them.
  std::unique_ptr<ctemplate::TemplateCache> cache_;

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<Entry>> entries_;
  std::list<Entry*> lru_;  // most recently used first
  Stats stats_;
};

}  // namespace hyper::templates

#endif  // HYPER_LIBS_TEMPLATES_TEMPLATES_H_
