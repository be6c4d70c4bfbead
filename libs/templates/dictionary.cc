#include "libs/templates/dictionary.h"

#include <algorithm>
#include <map>
#include <new>
#include <utility>

#include <ctemplate/template_dictionary.h>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"

namespace hyper::templates {
namespace {

// A dictionary with more values than this also indexes them by hash.
constexpr uint32_t kIndexAbove = 16;

size_t HashName(const char* name, size_t size) {
  return absl::Hash<absl::string_view>{}(absl::string_view(name, size));
}

// ctemplate keeps its global values (BI_SPACE, BI_NEWLINE and those set with
// TemplateDictionary::SetGlobalValue) in a private static of
// TemplateDictionary. An empty TemplateDictionary (no values, no
// template-global values) finds exactly those, or "", with the lookup it
// does after its own tree. GetValue is protected in the interface: a pointer
// to it taken through a class derived from the interface may call it on any
// dictionary.
class GlobalValues : public ctemplate::TemplateDictionaryInterface {
 public:
  static constexpr auto kGetValue = &GlobalValues::GetValue;
};

ABSL_ATTRIBUTE_NOINLINE ctemplate::TemplateString GlobalValue(const ctemplate::TemplateString& variable) {
  static const ctemplate::TemplateDictionary* const empty =
      new ctemplate::TemplateDictionary("hyper::templates global values");
  const ctemplate::TemplateDictionaryInterface& dict = *empty;
  return (dict.*GlobalValues::kGetValue)(variable);
}

}  // namespace

// --- Arena

Dictionary::Arena::Arena() : cur_(first_), end_(first_ + kFirstBlock) {}

Dictionary::Arena::~Arena() { Reset(); }

void Dictionary::Arena::Reset() {
  while (blocks_ != nullptr) {
    Block* block = blocks_;
    blocks_ = block->next;
    ::operator delete(block);
  }
  cur_ = first_;
  end_ = first_ + kFirstBlock;
  next_block_ = 2 * kFirstBlock;
  extra_bytes_ = 0;
}

const char* Dictionary::Arena::Copy(absl::string_view s) {
  char* p = static_cast<char*>(Allocate(s.size() + 1, 1));
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

void* Dictionary::Arena::AllocateSlow(size_t size, size_t align) {
  const bool own_block = size + align > next_block_ / 4;
  const size_t bytes = own_block ? sizeof(Block) + size + align : next_block_;
  char* raw = static_cast<char*>(::operator new(bytes));
  blocks_ = new (raw) Block{blocks_};
  extra_bytes_ += bytes;
  char* const payload = raw + sizeof(Block);
  if (own_block) {  // the current block stays current
    const size_t pad = (align - reinterpret_cast<uintptr_t>(payload)) & (align - 1);
    return payload + pad;
  }
  next_block_ = std::min(2 * next_block_, kMaxBlock);
  cur_ = payload;
  end_ = raw + bytes;
  return Allocate(size, align);  // fits: size + align <= bytes / 4
}

// --- Names

// Sizes 1-3: bytes 0, n/2 and n-1; 4-8: bytes 0-3 and n-4..n-1 (overlapping);
// longer: bytes 0-7, the rest compared by Named.
inline Dictionary::Key Dictionary::MakeKey(const char* name, size_t size) {
  uint64_t bytes = 0;
  if (size >= 8) {
    std::memcpy(&bytes, name, 8);
  } else if (size >= 4) {
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, name, 4);
    std::memcpy(&tail, name + size - 4, 4);
    bytes = head | uint64_t{tail} << 32;
  } else if (size > 0) {
    bytes = uint64_t{static_cast<uint8_t>(name[0])} |
            uint64_t{static_cast<uint8_t>(name[size / 2])} << 8 |
            uint64_t{static_cast<uint8_t>(name[size - 1])} << 16;
  }
  return Key{bytes, size};
}

namespace {

// Whether `entry` (a Dictionary::Var or Sub) is named `name`, whose key is
// `key`.
template <typename Entry, typename Key>
inline bool Named(const Entry& entry, const char* name, const Key& key) {
  return entry.key.bytes == key.bytes && entry.key.size == key.size &&
         (key.size <= 8 || std::memcmp(entry.name + 8, name + 8, key.size - 8) == 0);
}

}  // namespace

// --- Building

class Dictionary::ChildIterator final : public ctemplate::TemplateDictionaryInterface::Iterator {
 public:
  explicit ChildIterator(const Dictionary* next) : next_(next) {}
  bool HasNext() const override { return next_ != nullptr; }
  const ctemplate::TemplateDictionaryInterface& Next() override {
    const Dictionary* current = next_;
    next_ = current->next_;
    return *current;
  }

 private:
  const Dictionary* next_;
};

// A thread's spare Tree. The pointer and the flag are plain thread_locals,
// never destroyed, so that a root destroyed after the thread's thread_local
// objects (one with static storage, say) still finds them; `owner` frees the
// spare when the thread ends.
struct Dictionary::SpareTree {
  static thread_local Tree* tree;
  static thread_local bool closed;
  ~SpareTree() {
    delete tree;
    tree = nullptr;
    closed = true;
  }
};
thread_local Dictionary::Tree* Dictionary::SpareTree::tree = nullptr;
thread_local bool Dictionary::SpareTree::closed = false;

Dictionary::Tree* Dictionary::AcquireTree() {
  Tree* tree = SpareTree::tree;
  if (tree == nullptr) return new Tree;
  SpareTree::tree = nullptr;
  return tree;
}

void Dictionary::ReleaseTree(Tree* tree) {
  if (SpareTree::tree != nullptr || SpareTree::closed) {
    delete tree;
    return;
  }
  thread_local SpareTree owner;
  (void)owner;
  tree->arena.Reset();
  tree->includes.clear();
  SpareTree::tree = tree;
}

Dictionary::Dictionary() : tree_(AcquireTree()), parent_(nullptr), root_(true) {}

Dictionary::Dictionary(Tree* tree, const Dictionary* parent)
    : tree_(tree), parent_(parent), root_(false) {}

// Dictionaries below the root live in the arena and are never destroyed:
// they own nothing.
Dictionary::~Dictionary() {
  if (root_) ReleaseTree(tree_);
}

void Dictionary::SetValue(absl::string_view name, absl::string_view value) { SetVar(name, value); }

void Dictionary::ShowSection(absl::string_view section) {
  if (FindSub(section, /*include=*/false) == nullptr) AddChild(section, /*include=*/false, this);
}

Dictionary* Dictionary::AddSection(absl::string_view section) {
  return AddChild(section, /*include=*/false, this);
}

Dictionary* Dictionary::AddInclude(absl::string_view section, absl::string_view template_name) {
  Dictionary* child = AddChild(section, /*include=*/true, /*parent=*/nullptr);
  child->filename_ = tree_->arena.Copy(template_name);  // ctemplate reads a C string
  std::vector<std::string>& includes = tree_->includes;
  if (std::find(includes.begin(), includes.end(), template_name) == includes.end()) {
    includes.emplace_back(template_name);
  }
  return child;
}

Dictionary* Dictionary::AddChild(absl::string_view section, bool include, const Dictionary* parent) {
  Arena& arena = tree_->arena;
  const Key key = MakeKey(section.data(), section.size());
  Sub* sub = FindSub(section.data(), key, include);
  if (sub == nullptr) {
    if (sub_count_ == sub_capacity_) arena.Grow(subs_, sub_count_, sub_capacity_);
    sub = &subs_[sub_count_++];
    *sub = Sub{key, arena.Keep(section), nullptr, nullptr, include};
  }
  Dictionary* child = new (arena.Allocate(sizeof(Dictionary), alignof(Dictionary)))
      Dictionary(tree_, parent);
  if (sub->last != nullptr) {
    sub->last->next_ = child;
  } else {
    sub->first = child;
  }
  sub->last = child;
  return child;
}

void Dictionary::SetVar(absl::string_view name, absl::string_view value) {
  Arena& arena = tree_->arena;
  AppendVar(Var{MakeKey(name.data(), name.size()), arena.Keep(name), arena.Keep(value), value.size()});
}

inline void Dictionary::AppendVar(const Var& var) {
  if (ABSL_PREDICT_FALSE(var_count_ == var_capacity_)) {
    tree_->arena.Grow(vars_, var_count_, var_capacity_);
  }
  vars_[var_count_++] = var;
  if (ABSL_PREDICT_FALSE(var_count_ > kIndexAbove)) IndexNewestVar();
}

void Dictionary::SetIntValue(absl::string_view name, long value) {
  // As printf's %ld, written backwards into the arena: at most 20 characters
  // and a NUL.
  char* const end = static_cast<char*>(tree_->arena.Allocate(21, 1)) + 20;
  *end = '\0';
  char* p = end;
  unsigned long magnitude =
      value < 0 ? 0 - static_cast<unsigned long>(value) : static_cast<unsigned long>(value);
  do {
    *--p = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0) *--p = '-';
  AppendVar(Var{MakeKey(name.data(), name.size()), tree_->arena.Keep(name), p,
                static_cast<size_t>(end - p)});
}

// Points the index at the newest value (replacing an older one of its name),
// first (re)building it when it would be over half full.
void Dictionary::IndexNewestVar() {
  auto insert = [this](uint32_t j) {
    const Var& var = vars_[j];
    for (size_t slot = HashName(var.name, var.key.size);; ++slot) {
      uint32_t& entry = index_[slot & index_mask_];
      if (entry == 0 || Named(vars_[entry - 1], var.name, var.key)) {
        entry = j + 1;
        return;
      }
    }
  };
  if (index_ == nullptr || 2 * size_t{var_count_} > size_t{index_mask_} + 1) {
    size_t slots = 64;
    while (slots < 4 * size_t{var_count_}) slots *= 2;
    index_ = static_cast<uint32_t*>(tree_->arena.Allocate(slots * sizeof(uint32_t), alignof(uint32_t)));
    std::memset(index_, 0, slots * sizeof(uint32_t));
    index_mask_ = static_cast<uint32_t>(slots - 1);
    for (uint32_t j = 0; j < var_count_; ++j) insert(j);  // oldest first: the newest wins
  } else {
    insert(var_count_ - 1);
  }
}

// --- Lookup

inline const Dictionary::Var* Dictionary::FindVar(const char* name, const Key& key) const {
  if (ABSL_PREDICT_FALSE(index_ != nullptr)) return FindIndexedVar(name, key);
  for (const Var* var = vars_ + var_count_; var != vars_;) {  // newest first
    --var;
    if (Named(*var, name, key)) return var;
  }
  return nullptr;
}

const Dictionary::Var* Dictionary::FindIndexedVar(const char* name, const Key& key) const {
  for (size_t slot = HashName(name, key.size);; ++slot) {
    const uint32_t entry = index_[slot & index_mask_];
    if (entry == 0) return nullptr;
    if (Named(vars_[entry - 1], name, key)) return &vars_[entry - 1];
  }
}

Dictionary::Sub* Dictionary::FindSub(const char* name, const Key& key, bool include) const {
  for (Sub *sub = subs_, *end = subs_ + sub_count_; sub != end; ++sub) {
    if (sub->include == include && Named(*sub, name, key)) return sub;
  }
  return nullptr;
}

Dictionary::Sub* Dictionary::FindSub(absl::string_view name, bool include) const {
  return FindSub(name.data(), MakeKey(name.data(), name.size()), include);
}

// The common case inline and without calls: names of up to 8 bytes, no
// dictionary on the way with an index. Anything else goes to GetValueSlow.
ctemplate::TemplateString Dictionary::GetValue(const ctemplate::TemplateString& variable) const {
  const size_t size = variable.size();
  if (ABSL_PREDICT_FALSE(size > 8)) return GetValueSlow(variable);
  const Key key = MakeKey(variable.data(), size);
  const Dictionary* d = this;
  do {
    if (ABSL_PREDICT_FALSE(d->index_ != nullptr)) return GetValueSlow(variable);
    for (const Var* var = d->vars_ + d->var_count_; var != d->vars_;) {  // newest first
      --var;
      if (var->key.bytes == key.bytes && var->key.size == size) {
        return ctemplate::TemplateString(var->value, var->value_size);
      }
    }
    d = d->parent_;
  } while (d != nullptr);
  return GlobalValue(variable);
}

ctemplate::TemplateString Dictionary::GetValueSlow(const ctemplate::TemplateString& variable) const {
  const char* const name = variable.data();
  const Key key = MakeKey(name, variable.size());
  for (const Dictionary* d = this; d != nullptr; d = d->parent_) {
    if (const Var* var = d->FindVar(name, key); var != nullptr) {
      return ctemplate::TemplateString(var->value, var->value_size);
    }
  }
  return GlobalValue(variable);
}

// The section (or include) `name` of this dictionary or the nearest one
// above it that has it.
const Dictionary::Sub* Dictionary::FindSubUp(const ctemplate::TemplateString& name, bool include) const {
  const Key key = MakeKey(name.data(), name.size());
  for (const Dictionary* d = this; d != nullptr; d = d->parent_) {
    if (const Sub* sub = d->FindSub(name.data(), key, include); sub != nullptr) return sub;
  }
  return nullptr;
}

bool Dictionary::IsHiddenSection(const ctemplate::TemplateString& name) const {
  return FindSubUp(name, /*include=*/false) == nullptr;
}

bool Dictionary::IsUnhiddenSection(const ctemplate::TemplateString& name) const {
  return !IsHiddenSection(name);
}

bool Dictionary::IsHiddenTemplate(const ctemplate::TemplateString& name) const {
  return FindSubUp(name, /*include=*/true) == nullptr;
}

// ctemplate aborts when asked for an include or section that is hidden (its
// Expand always asks IsHidden* first); here the answer is "" or no
// dictionaries.
const char* Dictionary::GetIncludeTemplateName(const ctemplate::TemplateString& variable,
                                               int dictnum) const {
  const Sub* sub = FindSubUp(variable, /*include=*/true);
  const Dictionary* child = sub != nullptr ? sub->first : nullptr;
  for (int i = 0; i < dictnum && child != nullptr; ++i) child = child->next_;
  return child != nullptr && child->filename_ != nullptr ? child->filename_ : "";
}

ctemplate::TemplateDictionaryInterface::Iterator* Dictionary::CreateTemplateIterator(
    const ctemplate::TemplateString& section) const {
  const Sub* sub = FindSubUp(section, /*include=*/true);
  return new ChildIterator(sub != nullptr ? sub->first : nullptr);
}

ctemplate::TemplateDictionaryInterface::Iterator* Dictionary::CreateSectionIterator(
    const ctemplate::TemplateString& section) const {
  const Sub* sub = FindSubUp(section, /*include=*/false);
  return new ChildIterator(sub != nullptr ? sub->first : nullptr);
}

// --- Debugging

// ctemplate::TemplateDictionary's layout (values, then sections, then
// includes, each sorted by name; dictionaries named "parent/SECTION#n"),
// without its global-dictionary block.
void Dictionary::DumpToString(std::string* out, int level) const { Dump(out, level, "root"); }

void Dictionary::Dump(std::string* out, int indent, const std::string& name) const {
  const std::string pad(static_cast<size_t>(std::max(indent, 0)), ' ');
  const std::string inner(pad.size() + ctemplate::kIndent, ' ');
  const std::string intended_for =
      filename_ != nullptr && *filename_ != '\0' ? absl::StrCat(" (intended for ", filename_, ")") : "";
  absl::StrAppend(out, pad, "dictionary '", name, intended_for, "' {\n");
  std::map<std::string, std::string> vars;
  for (uint32_t i = 0; i < var_count_; ++i) {  // oldest first: the newest wins
    vars[std::string(vars_[i].name, vars_[i].key.size)] =
        std::string(vars_[i].value, vars_[i].value_size);
  }
  for (const auto& [var, value] : vars) absl::StrAppend(out, inner, var, ": >", value, "<\n");
  for (const bool include : {false, true}) {
    std::map<std::string, const Sub*> subs;
    for (uint32_t i = 0; i < sub_count_; ++i) {
      if (subs_[i].include == include) subs[std::string(subs_[i].name, subs_[i].key.size)] = &subs_[i];
    }
    for (const auto& [sub_name, sub] : subs) {
      size_t total = 0;
      for (const Dictionary* d = sub->first; d != nullptr; d = d->next_) ++total;
      size_t n = 0;
      for (const Dictionary* d = sub->first; d != nullptr; d = d->next_) {
        ++n;
        std::string from;
        if (include) {
          from = d->filename_ != nullptr && *d->filename_ != '\0'
                     ? absl::StrCat(", from ", d->filename_)
                     : ", **NO FILENAME SET; THIS DICT WILL BE IGNORED**";
        }
        absl::StrAppend(out, inner, include ? "include-template " : "section ", sub_name, " (dict ", n,
                        " of ", total, from, ") -->\n");
        d->Dump(out, static_cast<int>(inner.size()) + ctemplate::kIndent,
                absl::StrCat(name, "/", sub_name, "#", n));
      }
    }
  }
  absl::StrAppend(out, pad, "}\n");
}

}  // namespace hyper::templates
