// Dictionary: the data one render of a Templates template reads. ctemplate
// expands templates straight from it (it implements ctemplate's
// TemplateDictionaryInterface), with the lookup rules of
// ctemplate::TemplateDictionary; it also records every template an include
// names, so that Templates loads (and checks) each of them before ctemplate
// expands: ctemplate never reads a template file by itself.
//
// Names and values are copied in (see Memory below). They are escaped when
// rendered, by the context they land in (see templates.h), never here.
//
// Lookup, as ctemplate::TemplateDictionary does it:
//  - {{NAME}} is looked up in the dictionary being expanded, then in the one
//    it was added to with AddSection, and so on up; an AddInclude dictionary
//    has no parent (an included template sees only its own values). Then
//    ctemplate's global values: BI_SPACE (" "), BI_NEWLINE ("\n") and any
//    set with ctemplate::TemplateDictionary::SetGlobalValue. Else "".
//  - {{#SECTION}} is shown when SECTION was shown or added in this
//    dictionary or one above it, once per dictionary added there (with that
//    dictionary, whose parent is the one it was added to, not necessarily
//    the one being expanded). ShowSection adds one empty dictionary, unless
//    the section already has some. A section never shown is hidden.
//  - {{>INCLUDE}} is found the same way, each dictionary with its template.
//
// Example:
//   Dictionary data;
//   data.SetValue("TITLE", "<Tom & Jerry>");
//   for (const Item& item : items) {
//     Dictionary* row = data.AddSection("ITEM");   // one loop iteration
//     row->SetValue("NAME", item.name);
//   }
//   data.AddInclude("HEADER", "header.tpl")->SetValue("USER", user);
//   // data.includes() == {"header.tpl"}
//
// Memory: names, values and the dictionaries below the root are placed in
// one arena per tree (a few large blocks), freed with the root; a thread
// keeps the last root's first block for its next root. Setting a value again
// keeps the old one there until then. As ctemplate::TemplateDictionary does,
// a name or value in the program's read-only segment (a literal, which lives
// as long as the program) is not copied.
#ifndef HYPER_LIBS_TEMPLATES_DICTIONARY_H_
#define HYPER_LIBS_TEMPLATES_DICTIONARY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>  // before ctemplate/str_ref.h, which uses strlen without it
#include <string>
#include <vector>

#include <ctemplate/template_dictionary_interface.h>

#include "absl/strings/string_view.h"

namespace hyper::templates {

// Not thread-safe to build; once built it may be rendered from any number of
// threads (rendering only reads it).
class Dictionary final : public ctemplate::TemplateDictionaryInterface {
 public:
  Dictionary();
  ~Dictionary() override;
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;

  // Sets {{NAME}} in this dictionary (and, for sections, those below it).
  void SetValue(absl::string_view name, absl::string_view value);
  // The value in decimal, as printf's %ld.
  void SetIntValue(absl::string_view name, long value);
  // Shows {{#SECTION}}...{{/SECTION}} once, with this dictionary's values
  // (nothing more if the section already has a dictionary here).
  void ShowSection(absl::string_view section);
  // Shows the section once more, with the returned dictionary's values
  // (falling back to this one's). Owned by the root dictionary.
  Dictionary* AddSection(absl::string_view section);
  // Fills {{>SECTION}} with the template `template_name` (a name relative to
  // the Templates root), expanded with the returned dictionary, which does
  // not see this one's values. Owned by the root dictionary.
  Dictionary* AddInclude(absl::string_view section, absl::string_view template_name);

  // Every distinct template named by AddInclude anywhere in this tree.
  const std::vector<std::string>& includes() const { return tree_->includes; }
  // What ctemplate expands (e.g. TemplateCache::ExpandWithData).
  const ctemplate::TemplateDictionaryInterface& ctemplate_dictionary() const { return *this; }

 private:
  // Bump allocator: a first block inside the Tree, then blocks twice as
  // large each time (up to kMaxBlock), and a block of its own for any
  // request over a quarter of the next block.
  class Arena {
   public:
    Arena();
    ~Arena();
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    void* Allocate(size_t size, size_t align) {
      const size_t pad = (align - reinterpret_cast<uintptr_t>(cur_)) & (align - 1);
      if (size + pad <= static_cast<size_t>(end_ - cur_)) {
        char* p = cur_ + pad;
        cur_ = p + size;
        return p;
      }
      return AllocateSlow(size, align);
    }
    // `s` itself if it lies in the program's read-only segment (a literal,
    // which lives as long as the program: ctemplate's own test for what
    // TemplateDictionary need not copy), else Copy(s).
    const char* Keep(absl::string_view s) {
      return ctemplate::TemplateString(s.data(), s.size()).is_immutable() ? s.data() : Copy(s);
    }
    // A copy of `s` followed by a NUL.
    const char* Copy(absl::string_view s);
    // Moves `items`, an array of `count` trivially copyable T, to a new one
    // twice its `capacity` (4 at first) in this arena.
    template <typename T>
    void Grow(T*& items, uint32_t count, uint32_t& capacity) {
      const uint32_t grown = capacity == 0 ? 4 : 2 * capacity;
      T* moved = static_cast<T*>(Allocate(grown * sizeof(T), alignof(T)));
      if (count > 0) std::memcpy(moved, items, count * sizeof(T));
      items = moved;
      capacity = grown;
    }
    // Frees all but the first block, and empties it.
    void Reset();
    // Bytes taken from the system beyond the first block (for tests).
    size_t extra_bytes() const { return extra_bytes_; }

   private:
    static constexpr size_t kFirstBlock = 8192 - 128;
    static constexpr size_t kMaxBlock = size_t{1} << 20;
    struct Block {
      Block* next;
    };
    void* AllocateSlow(size_t size, size_t align);

    char* cur_;
    char* end_;
    Block* blocks_ = nullptr;  // beyond the first, newest first
    size_t next_block_ = 2 * kFirstBlock;
    size_t extra_bytes_ = 0;
    alignas(std::max_align_t) char first_[kFirstBlock];
  };

  struct Tree {
    Arena arena;
    std::vector<std::string> includes;
  };
  // A root's Tree: the one its thread last released if any (a render's
  // dictionary is built and dropped on one thread, so the next one reuses
  // its memory), else a new one.
  struct SpareTree;
  static Tree* AcquireTree();
  static void ReleaseTree(Tree* tree);

  // A name's size and up to 8 of its bytes, packed so that names of up to 8
  // bytes are equal exactly when their keys are (see MakeKey).
  struct Key {
    uint64_t bytes;
    size_t size;
  };
  // One SetValue. Values are only appended: the newest of a name wins.
  struct Var {
    Key key;
    const char* name;
    const char* value;
    size_t value_size;
  };
  // A section or include name and its dictionaries, linked through next_.
  struct Sub {
    Key key;
    const char* name;
    Dictionary* first;
    Dictionary* last;
    bool include;
  };

  class ChildIterator;

  Dictionary(Tree* tree, const Dictionary* parent);
  static Key MakeKey(const char* name, size_t size);
  Dictionary* AddChild(absl::string_view section, bool include, const Dictionary* parent);
  Sub* FindSub(const char* name, const Key& key, bool include) const;
  Sub* FindSub(absl::string_view name, bool include) const;
  const Sub* FindSubUp(const ctemplate::TemplateString& name, bool include) const;
  void SetVar(absl::string_view name, absl::string_view value);
  void AppendVar(const Var& var);
  const Var* FindVar(const char* name, const Key& key) const;
  const Var* FindIndexedVar(const char* name, const Key& key) const;
  ctemplate::TemplateString GetValueSlow(const ctemplate::TemplateString& variable) const;
  void IndexNewestVar();
  void Dump(std::string* out, int indent, const std::string& name) const;

  // ctemplate::TemplateDictionaryInterface, called by ctemplate's Expand.
  ctemplate::TemplateString GetValue(const ctemplate::TemplateString& variable) const override;
  bool IsHiddenSection(const ctemplate::TemplateString& name) const override;
  bool IsUnhiddenSection(const ctemplate::TemplateString& name) const override;
  bool IsHiddenTemplate(const ctemplate::TemplateString& name) const override;
  const char* GetIncludeTemplateName(const ctemplate::TemplateString& variable,
                                     int dictnum) const override;
  Iterator* CreateTemplateIterator(const ctemplate::TemplateString& section) const override;
  Iterator* CreateSectionIterator(const ctemplate::TemplateString& section) const override;
  void DumpToString(std::string* out, int level) const override;

  Tree* const tree_;                // owned by the root
  const Dictionary* const parent_;  // null for the root and include dictionaries
  const bool root_;
  Dictionary* next_ = nullptr;      // the next dictionary of the same section
  const char* filename_ = nullptr;  // include dictionaries: the template
  // Values, in the arena, oldest first; with more than kIndexAbove of them,
  // also an open-addressing index of the newest of each name (slot = value
  // index + 1, 0 = free).
  Var* vars_ = nullptr;
  uint32_t var_count_ = 0;
  uint32_t var_capacity_ = 0;
  uint32_t* index_ = nullptr;
  uint32_t index_mask_ = 0;
  // Sections and includes, in the arena.
  Sub* subs_ = nullptr;
  uint32_t sub_count_ = 0;
  uint32_t sub_capacity_ = 0;

  friend class DictionaryTestPeer;  // dictionary_test.cc
};

}  // namespace hyper::templates

#endif  // HYPER_LIBS_TEMPLATES_DICTIONARY_H_
