// Dictionary: the data one render of a Templates template reads, a thin
// wrapper over ctemplate::TemplateDictionary that also records every template
// an include names, so that Templates loads (and checks) each of them before
// ctemplate expands: ctemplate never reads a template file by itself.
//
// Values are copied in. They are escaped when rendered, by the context they
// land in (see templates.h), never here.
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
#ifndef HYPER_LIBS_TEMPLATES_DICTIONARY_H_
#define HYPER_LIBS_TEMPLATES_DICTIONARY_H_

#include <cstring>  // before ctemplate/str_ref.h, which uses strlen without it
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <ctemplate/template_dictionary.h>

#include "absl/strings/string_view.h"

namespace hyper::templates {

// Not thread-safe to build; once built it may be rendered from any number of
// threads (rendering only reads it).
class Dictionary {
 public:
  Dictionary();
  ~Dictionary();
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;

  // Sets {{NAME}} in this dictionary (and, for sections, those below it).
  void SetValue(absl::string_view name, absl::string_view value);
  void SetIntValue(absl::string_view name, long value);
  // Shows {{#SECTION}}...{{/SECTION}} once, with this dictionary's values.
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
  const ctemplate::TemplateDictionary& ctemplate_dictionary() const { return *dict_; }

 private:
  struct Tree {
    std::vector<std::string> includes;
    std::deque<std::unique_ptr<Dictionary>> children;
  };
  Dictionary(ctemplate::TemplateDictionary* dict, Tree* tree);
  Dictionary* Adopt(ctemplate::TemplateDictionary* dict);

  std::unique_ptr<ctemplate::TemplateDictionary> owned_dict_;  // root only
  std::unique_ptr<Tree> owned_tree_;                           // root only
  ctemplate::TemplateDictionary* dict_;
  Tree* tree_;
};

}  // namespace hyper::templates

#endif  // HYPER_LIBS_TEMPLATES_DICTIONARY_H_
