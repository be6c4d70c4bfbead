#include "libs/templates/dictionary.h"

#include <algorithm>

namespace hyper::templates {
namespace {

ctemplate::TemplateString Ts(absl::string_view s) {
  return ctemplate::TemplateString(s.data(), s.size());
}

}  // namespace

Dictionary::Dictionary()
    : owned_dict_(std::make_unique<ctemplate::TemplateDictionary>("root")),
      owned_tree_(std::make_unique<Tree>()),
      dict_(owned_dict_.get()),
      tree_(owned_tree_.get()) {}

Dictionary::Dictionary(ctemplate::TemplateDictionary* dict, Tree* tree)
    : dict_(dict), tree_(tree) {}

Dictionary::~Dictionary() = default;

void Dictionary::SetValue(absl::string_view name, absl::string_view value) {
  dict_->SetValue(Ts(name), Ts(value));
}

void Dictionary::SetIntValue(absl::string_view name, long value) {
  dict_->SetIntValue(Ts(name), value);
}

void Dictionary::ShowSection(absl::string_view section) { dict_->ShowSection(Ts(section)); }

Dictionary* Dictionary::AddSection(absl::string_view section) {
  return Adopt(dict_->AddSectionDictionary(Ts(section)));
}

Dictionary* Dictionary::AddInclude(absl::string_view section, absl::string_view template_name) {
  ctemplate::TemplateDictionary* child = dict_->AddIncludeDictionary(Ts(section));
  child->SetFilename(Ts(template_name));
  if (std::find(tree_->includes.begin(), tree_->includes.end(), template_name) ==
      tree_->includes.end()) {
    tree_->includes.emplace_back(template_name);
  }
  return Adopt(child);
}

Dictionary* Dictionary::Adopt(ctemplate::TemplateDictionary* dict) {
  tree_->children.push_back(std::unique_ptr<Dictionary>(new Dictionary(dict, tree_)));
  return tree_->children.back().get();
}

}  // namespace hyper::templates
