// Dictionary as ctemplate expands it: each lookup rule of
// ctemplate::TemplateDictionary, checked against expected text and, for the
// same calls, against a real ctemplate::TemplateDictionary.
#include "libs/templates/dictionary.h"

#include <climits>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <ctemplate/template_cache.h>
#include <ctemplate/template_dictionary.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hyper::templates {

class DictionaryTestPeer {
 public:
  static size_t ArenaExtraBytes(const Dictionary& dict) { return dict.tree_->arena.extra_bytes(); }
  static std::string Dump(const Dictionary& dict) {
    std::string out;
    dict.DumpToString(&out, 0);
    return out;
  }
};

namespace {

using ::testing::HasSubstr;

ctemplate::TemplateString Ts(absl::string_view s) { return ctemplate::TemplateString(s.data(), s.size()); }

// Templates compiled from strings (no auto-escaping unless a template asks
// for it, so values come out as they are), expanded with either dictionary.
class Renderer {
 public:
  void Add(absl::string_view name, absl::string_view text) {
    ASSERT_TRUE(cache_.StringToTemplateCache(Ts(name), Ts(text), ctemplate::DO_NOT_STRIP)) << name;
  }
  std::string Render(absl::string_view name, const ctemplate::TemplateDictionaryInterface& dict) {
    std::string out;
    EXPECT_TRUE(cache_.ExpandWithData(Ts(name), ctemplate::DO_NOT_STRIP, &dict, nullptr, &out)) << name;
    return out;
  }

 private:
  ctemplate::TemplateCache cache_;
};

// The same calls on a Dictionary and on a ctemplate::TemplateDictionary.
struct Both {
  Dictionary* ours;
  ctemplate::TemplateDictionary* theirs;

  void SetValue(absl::string_view name, absl::string_view value) {
    ours->SetValue(name, value);
    theirs->SetValue(Ts(name), Ts(value));
  }
  void SetIntValue(absl::string_view name, long value) {
    ours->SetIntValue(name, value);
    theirs->SetIntValue(Ts(name), value);
  }
  void ShowSection(absl::string_view section) {
    ours->ShowSection(section);
    theirs->ShowSection(Ts(section));
  }
  Both AddSection(absl::string_view section) {
    return {ours->AddSection(section), theirs->AddSectionDictionary(Ts(section))};
  }
  Both AddInclude(absl::string_view section, absl::string_view template_name) {
    ctemplate::TemplateDictionary* include = theirs->AddIncludeDictionary(Ts(section));
    include->SetFilename(Ts(template_name));
    return {ours->AddInclude(section, template_name), include};
  }
};

class DictionaryTest : public ::testing::Test {
 protected:
  DictionaryTest() : theirs_("ctemplate"), root_{&ours_, &theirs_} {}

  // Renders `name` with both dictionaries: they must agree. Returns ours.
  std::string Render(absl::string_view name) {
    const std::string ours = renderer_.Render(name, ours_.ctemplate_dictionary());
    EXPECT_EQ(ours, renderer_.Render(name, theirs_)) << "ctemplate::TemplateDictionary differs";
    return ours;
  }

  Renderer renderer_;
  Dictionary ours_;
  ctemplate::TemplateDictionary theirs_;
  Both root_;
};

TEST_F(DictionaryTest, SectionsSeeTheirParentsValuesAndShadowThem) {
  renderer_.Add("t", "{{A}}{{#S}}[{{A}}{{B}}{{#T}}({{A}}{{B}}{{C}}){{/T}}]{{/S}}");
  root_.SetValue("A", "a");
  root_.SetValue("B", "b");
  Both first = root_.AddSection("S");
  first.SetValue("B", "B1");
  Both inner = first.AddSection("T");
  inner.SetValue("C", "c");
  Both second = root_.AddSection("S");
  second.SetValue("A", "A2");
  second.ShowSection("T");
  EXPECT_EQ(Render("t"), "a[aB1(aB1c)][A2b(A2b)]");
}

TEST_F(DictionaryTest, IncludesSeeOnlyTheirOwnValues) {
  renderer_.Add("t", "{{A}}<{{>INC}}>{{#S}}<{{>INC}}>{{/S}}");
  renderer_.Add("inc", "{{A}}/{{B}}{{#S}}s{{/S}}");
  root_.SetValue("A", "outer");
  root_.SetValue("B", "outer");
  root_.ShowSection("S");
  Both include = root_.AddInclude("INC", "inc");
  include.SetValue("B", "inner");
  // The section dictionary finds the root's include; the include's own
  // dictionary sees neither the root's A nor its section S.
  EXPECT_EQ(Render("t"), "outer</inner></inner>");
  EXPECT_EQ(ours_.includes(), std::vector<std::string>{"inc"});
}

TEST_F(DictionaryTest, EachIncludeDictionaryUsesItsOwnTemplate) {
  renderer_.Add("t", "{{>INC}}|{{>OTHER}}");
  renderer_.Add("one", "1{{V}}");
  renderer_.Add("two", "2{{V}}");
  root_.AddInclude("INC", "one").SetValue("V", "a");
  root_.AddInclude("INC", "two").SetValue("V", "b");
  root_.AddInclude("INC", "one").SetValue("V", "c");
  EXPECT_EQ(Render("t"), "1a2b1c|");
  EXPECT_EQ(ours_.includes(), (std::vector<std::string>{"one", "two"}));
}

TEST_F(DictionaryTest, GlobalValuesAfterTheTree) {
  renderer_.Add("t", "[{{BI_SPACE}}][{{BI_NEWLINE}}][{{HYPER_DICTIONARY_TEST_GLOBAL}}][{{MISSING}}]"
                     "{{#S}}[{{BI_SPACE}}]{{/S}}{{>INC}}");
  renderer_.Add("inc", "<{{BI_SPACE}}{{HYPER_DICTIONARY_TEST_GLOBAL}}>");
  ctemplate::TemplateDictionary::SetGlobalValue("HYPER_DICTIONARY_TEST_GLOBAL", "g");
  root_.AddSection("S").SetValue("BI_SPACE", "_");  // a dictionary's own value comes first
  root_.AddInclude("INC", "inc");
  EXPECT_EQ(Render("t"), "[ ][\n][g][][_]< g>");
}

TEST_F(DictionaryTest, SectionShownAboveIsExpandedWithItsOwnDictionary) {
  // HAS_USER is found from each ITEM row, but expanded with the dictionary
  // ShowSection added to the root: NAME (a row's) is not seen there.
  renderer_.Add("t", "{{#ITEM}}<{{NAME}}{{#HAS_USER}}:{{NAME}}={{USER}}{{/HAS_USER}}>{{/ITEM}}");
  root_.SetValue("USER", "alice");
  root_.ShowSection("HAS_USER");
  root_.AddSection("ITEM").SetValue("NAME", "x");
  root_.AddSection("ITEM").SetValue("NAME", "y");
  EXPECT_EQ(Render("t"), "<x:=alice><y:=alice>");
}

TEST_F(DictionaryTest, SectionsNeverShownAreHidden) {
  renderer_.Add("t", "{{#S}}s{{/S}}{{#T}}t{{V}}{{/T}}{{#U}}u{{/U}}.");
  root_.SetValue("S", "a value, not a section");
  root_.AddInclude("U", "t");  // an include, not a section
  EXPECT_EQ(Render("t"), ".");
}

TEST_F(DictionaryTest, ShowSectionAddsOneDictionaryOnlyToAnEmptySection) {
  renderer_.Add("t", "{{#S}}<{{V}}>{{/S}}|{{#T}}<{{V}}>{{/T}}");
  root_.SetValue("V", "root");
  root_.ShowSection("S");
  root_.ShowSection("S");                         // still once
  root_.AddSection("S").SetValue("V", "added");   // after the empty one
  root_.AddSection("T").SetValue("V", "t");
  root_.ShowSection("T");                         // T has one already: no change
  EXPECT_EQ(Render("t"), "<root><added>|<t>");
}

TEST_F(DictionaryTest, NestedSectionsWithSeparators) {
  renderer_.Add("t",
                "{{#ROW}}{{R}}:{{#CELL}}{{C}}{{#CELL_separator}},{{/CELL_separator}}{{/CELL}}"
                "{{#ROW_separator}};{{/ROW_separator}}{{/ROW}}");
  for (int r = 0; r < 3; ++r) {
    Both row = root_.AddSection("ROW");
    row.SetIntValue("R", r);
    for (int c = 0; c <= r; ++c) row.AddSection("CELL").SetIntValue("C", 10 * r + c);
  }
  EXPECT_EQ(Render("t"), "0:0;1:10,11;2:20,21,22");
}

TEST_F(DictionaryTest, SettingAgainReplacesTheValue) {
  renderer_.Add("t", "{{A}}{{LONGER_THAN_8}}{{#S}}{{A}}{{/S}}");
  root_.SetValue("A", "1");
  root_.SetValue("LONGER_THAN_8", "x");
  root_.SetValue("A", "2");
  root_.SetValue("LONGER_THAN_8", "y");
  Both section = root_.AddSection("S");
  section.SetValue("A", "3");
  section.SetValue("A", "4");
  EXPECT_EQ(Render("t"), "2y4");
}

TEST_F(DictionaryTest, NamesDifferInAnyByte) {
  // Names of 1-3, 4-8 and over 8 bytes compare differently inside.
  const std::vector<std::string> names = {"A", "AB", "AC", "ABC", "ACB", "ABCD", "ABCE", "XBCD",
                                          "ABCDEFGH", "ABCDEFGI", "ABCDEFGHI", "ABCDEFGHJ",
                                          "BBCDEFGHI", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
  std::string text;
  std::string expected;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&text, "{{", names[i], "}}|");
    absl::StrAppend(&expected, i, "|");
    root_.SetIntValue(names[i], static_cast<long>(i));
  }
  renderer_.Add("t", text);
  EXPECT_EQ(Render("t"), expected);
}

TEST_F(DictionaryTest, ManyValuesGrowTheArenaAndStayFindable) {
  constexpr int kValues = 3000;
  std::string text = "{{#S}}";
  std::string expected;
  Both section = root_.AddSection("S");
  // Names of both kinds (up to 8 bytes, longer), values of 100+ bytes.
  auto name = [](int i) { return i % 2 ? absl::StrCat("V", i) : absl::StrCat("A_LONGER_NAME_", i); };
  for (int i = 0; i < kValues; ++i) {
    const std::string value = absl::StrCat(std::string(100, 'a' + i % 26), i);
    root_.SetValue(name(i), "from the root");  // shadowed
    section.SetValue(name(i), value);
    absl::StrAppend(&text, "{{", name(i), "}}");
    absl::StrAppend(&expected, value);
  }
  absl::StrAppend(&text, "{{/S}}|{{V7}}{{A_LONGER_NAME_8}}");
  // Replaced after the index exists.
  section.SetValue("V7", "again");
  section.SetValue("A_LONGER_NAME_8", "and again");
  expected.replace(expected.find(absl::StrCat(std::string(100, 'h'), 7)), 101, "again");
  expected.replace(expected.find(absl::StrCat(std::string(100, 'i'), 8)), 101, "and again");
  absl::StrAppend(&expected, "|from the rootfrom the root");
  renderer_.Add("t", text);
  EXPECT_EQ(Render("t"), expected);
  EXPECT_GT(DictionaryTestPeer::ArenaExtraBytes(ours_), size_t{kValues} * 100);
}

TEST_F(DictionaryTest, ValuesAreCopiedWithNulBytesAndUnicode) {
  renderer_.Add("t", "[{{NUL}}][{{UNICODE}}][{{FOO}}][{{EMPTY}}]");
  std::string value("a\0b", 3);
  root_.SetValue("NUL", value);
  value.assign("changed");  // the dictionary kept its own copy
  root_.SetValue("UNICODE", "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80");
  root_.SetValue(std::string("FOO\0BAR", 7), "not FOO");  // a different name
  root_.SetValue("EMPTY", "");
  EXPECT_EQ(Render("t"), std::string("[a\0b]", 5) + "[caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80][][]");
}

TEST_F(DictionaryTest, IntValuesAsPrintfLd) {
  const long values[] = {0, 7, -1, -7, 42, -1000000, LONG_MAX, LONG_MIN, LONG_MIN + 1};
  std::string text;
  std::string expected;
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); ++i) {
    absl::StrAppend(&text, "{{N", i, "}} ");
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%ld ", values[i]);
    expected += buffer;
    root_.SetIntValue(absl::StrCat("N", i), values[i]);
  }
  renderer_.Add("t", text);
  EXPECT_EQ(Render("t"), expected);
}

TEST_F(DictionaryTest, AutoEscapingIsCtemplatesByContext) {
  renderer_.Add("t",
                "{{%AUTOESCAPE context=\"HTML\"}}<a href=\"{{URL}}\" title=\"{{V}}\">{{V}}</a>"
                "<script>var v = '{{V}}';</script>");
  root_.SetValue("URL", "javascript:alert(1)");
  root_.SetValue("V", "<\"'&>");
  EXPECT_EQ(Render("t"),
            "<a href=\"#\" title=\"&lt;&quot;&#39;&amp;&gt;\">&lt;&quot;&#39;&amp;&gt;</a>"
            "<script>var v = '\\x3c\\x22\\x27\\x26\\x3e';</script>");
}

TEST_F(DictionaryTest, DumpListsValuesSectionsAndIncludes) {
  root_.SetValue("B", "2");
  root_.SetValue("A", "1");
  root_.AddSection("S").SetValue("C", "3");
  root_.AddInclude("INC", "inc.tpl");
  EXPECT_EQ(DictionaryTestPeer::Dump(ours_),
            "dictionary 'root' {\n"
            "  A: >1<\n"
            "  B: >2<\n"
            "  section S (dict 1 of 1) -->\n"
            "    dictionary 'root/S#1' {\n"
            "      C: >3<\n"
            "    }\n"
            "  include-template INC (dict 1 of 1, from inc.tpl) -->\n"
            "    dictionary 'root/INC#1 (intended for inc.tpl)' {\n"
            "    }\n"
            "}\n");
}

TEST(DictionaryReuseTest, ANewRootStartsEmptyAndRootsAreIndependent) {
  Renderer renderer;
  renderer.Add("t", "{{A}}{{#S}}s{{/S}}");
  renderer.Add("inc", "");
  Dictionary first;
  first.SetValue("A", "first");
  {
    Dictionary second;  // while `first` lives
    second.SetValue("A", "second");
    second.ShowSection("S");
    second.AddInclude("INC", "inc");
    EXPECT_EQ(renderer.Render("t", second.ctemplate_dictionary()), "seconds");
  }
  Dictionary third;  // takes the memory `second` left to this thread
  EXPECT_EQ(renderer.Render("t", third.ctemplate_dictionary()), "");
  EXPECT_TRUE(third.includes().empty());
  EXPECT_EQ(renderer.Render("t", first.ctemplate_dictionary()), "first");
}

TEST(DictionaryReuseTest, RootsMayEndOnAnotherThread) {
  Renderer renderer;
  renderer.Add("t", "{{A}}");
  auto made = std::make_unique<Dictionary>();
  made->SetValue("A", std::string("made here"));
  std::thread([&renderer, &made] {
    EXPECT_EQ(renderer.Render("t", made->ctemplate_dictionary()), "made here");
    made.reset();  // its memory becomes this thread's spare, freed as it ends
    Dictionary local;
    local.SetValue("A", "local");
    EXPECT_EQ(renderer.Render("t", local.ctemplate_dictionary()), "local");
  }).join();
  Dictionary after;
  EXPECT_EQ(renderer.Render("t", after.ctemplate_dictionary()), "");
}

// Random trees of calls, the same on both dictionaries, rendered with
// templates that use every kind of lookup: the outputs must be identical.
TEST(DictionaryRandomTest, RendersAsCtemplateTemplateDictionary) {
  Renderer renderer;
  renderer.Add("main",
               "[{{A}}|{{B}}|{{LONG_NAME_C}}|{{BI_SPACE}}]"
               "{{#S}}<S{{A}}{{LONG_NAME_C}}{{#T}}<T{{A}}{{B}}{{#U}}<U{{A}}{{B}}{{LONG_NAME_C}}>{{/U}}>"
               "{{#T_separator}},{{/T_separator}}{{/T}}{{>INC}}>{{/S}}"
               "{{#T}}(T{{B}}){{/T}}{{#U}}(U{{LONG_NAME_C}}{{#S}}s{{A}}{{/S}}){{/U}}{{>INC}}");
  renderer.Add("inc1", "{1{{A}}{{B}}{{#S}}[S{{A}}{{#T}}t{{B}}{{/T}}]{{/S}}{{>INC}}}");
  renderer.Add("inc2", "{2{{LONG_NAME_C}}{{#U}}u{{B}}{{/U}}}");
  const char* const names[] = {"A", "B", "LONG_NAME_C", "BI_SPACE"};
  const char* const sections[] = {"S", "T", "U"};
  const char* const values[] = {"", "x", "<&>", "a\xc3\xa9", "longer value with spaces"};
  std::mt19937 random(20240601);
  auto pick = [&random](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random); };
  for (int round = 0; round < 300; ++round) {
    Dictionary ours;
    ctemplate::TemplateDictionary theirs("ctemplate");
    std::vector<Both> nodes = {{&ours, &theirs}};
    const int calls = static_cast<int>(pick(40));
    for (int i = 0; i < calls; ++i) {
      Both node = nodes[pick(nodes.size())];
      switch (pick(6)) {
        case 0:
        case 1:
          node.SetValue(names[pick(4)], values[pick(5)]);
          break;
        case 2:
          node.SetIntValue(names[pick(4)], static_cast<long>(pick(2000)) - 1000);
          break;
        case 3:
          node.ShowSection(sections[pick(3)]);
          break;
        case 4:
          nodes.push_back(node.AddSection(sections[pick(3)]));
          break;
        case 5:
          if (nodes.size() < 12) nodes.push_back(node.AddInclude("INC", pick(2) ? "inc1" : "inc2"));
          break;
      }
    }
    const std::string expected = renderer.Render("main", theirs);
    ASSERT_EQ(renderer.Render("main", ours.ctemplate_dictionary()), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace hyper::templates
