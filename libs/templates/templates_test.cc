#include "libs/templates/templates.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "libs/templates/bench_page_testing.h"
#include "gtest/gtest.h"

namespace hyper::templates {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Tests run in the runfiles root of the workspace.
constexpr char kTestdata[] = "testdata/templates";

const char* const kHostile[] = {
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'</script><script>alert(1)</script>",
    "javascript:alert(1)",
    "\" onmouseover=\"alert(1)",
    "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80 &amp; <!--",  // é, U+2028, emoji
};

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Gives the file a distinct mtime, so a change is seen even within one tick.
void SetMtime(const std::string& path, time_t seconds) {
  struct timespec times[2] = {{0, UTIME_OMIT}, {seconds, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

std::string MustRender(Templates& templates, absl::string_view name, const Dictionary& data) {
  std::string out;
  absl::Status status = templates.Render(name, data, &out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

TEST(TemplatesTest, RenderAppendsToTheCallersBuffer) {
  Templates templates({.root = kTestdata});
  Dictionary data;
  data.SetValue("USER", "Tom & Jerry");
  data.AddInclude("HEADER", "header.tpl")->SetValue("USER", "<b>Tom</b>");
  data.SetValue("BODY", "1 < 2");
  std::string out = "prefix|";
  ASSERT_TRUE(templates.Render("page.tpl", data, &out).ok());
  EXPECT_EQ(out,
            "prefix|<html><body><header>&lt;b&gt;Tom&lt;/b&gt;</header>\n"
            "\n<main>1 &lt; 2</main></body></html>\n");
}

TEST(TemplatesTest, LargePagesAppendExactlyToAnyBuffer) {
  // ctemplate writes through Render's own emitter, which makes room in *out
  // ahead and trims it after: outputs larger than that room, buffers with
  // text, with spare capacity and without.
  const std::string dir = TempDir() + "/large";
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/rows.tpl", "{{%AUTOESCAPE context=\"HTML\"}}{{#ROW}}<li>{{V}}</li>{{/ROW}}");
  Templates templates({.root = dir});
  for (int rows : {0, 1, 40, 5000}) {
    SCOPED_TRACE(rows);
    Dictionary data;
    std::string expected;
    for (int i = 0; i < rows; ++i) {
      data.AddSection("ROW")->SetValue("V", absl::StrCat("<", i, ">", std::string(i % 50, 'x')));
      absl::StrAppend(&expected, "<li>&lt;", i, "&gt;", std::string(i % 50, 'x'), "</li>");
    }
    EXPECT_EQ(MustRender(templates, "rows.tpl", data), expected);
    std::string prefixed = "prefix";
    ASSERT_TRUE(templates.Render("rows.tpl", data, &prefixed).ok());
    EXPECT_EQ(prefixed, "prefix" + expected);
    std::string roomy = "x";
    roomy.reserve(1 << 20);
    ASSERT_TRUE(templates.Render("rows.tpl", data, &roomy).ok());
    EXPECT_EQ(roomy, "x" + expected);
  }
}

TEST(TemplatesTest, EscapesHostileStringsInEveryHtmlContext) {
  Templates templates({.root = kTestdata});
  for (const char* hostile : kHostile) {
    SCOPED_TRACE(hostile);
    Dictionary data;
    data.SetValue("V", hostile);
    data.SetValue("URL", hostile);
    const std::string out = MustRender(templates, "escape.tpl", data);
    // No value can open a tag, close the script or leave an attribute.
    EXPECT_THAT(out, Not(HasSubstr("<script>alert")));
    EXPECT_THAT(out, Not(HasSubstr("<img")));
    EXPECT_THAT(out, Not(HasSubstr("</script><script>")));
    EXPECT_THAT(out, Not(HasSubstr("\" onmouseover")));
    EXPECT_THAT(out, Not(HasSubstr("href=\"javascript:")));
    // The template's own markup is intact: exactly one script element.
    EXPECT_EQ(out.find("</script>"), out.rfind("</script>"));
  }
}

TEST(TemplatesTest, EscapesEachContextExactly) {
  Templates templates({.root = kTestdata});
  Dictionary data;
  data.SetValue("V", "\"><img src=x onerror=alert(1)>'</script>");
  data.SetValue("URL", "javascript:alert(1)");
  EXPECT_EQ(MustRender(templates, "escape.tpl", data),
            "<p>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&lt;/script&gt;</p>\n"
            "<input value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&lt;/script&gt;\">\n"
            "<input value='&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&lt;/script&gt;'>\n"
            "<a href=\"#\">link</a>\n"
            "<script>var s = '\\x22\\x3e\\x3cimg src\\x3dx onerror\\x3dalert(1)\\x3e\\x27\\x3c/script\\x3e'; "
            "var t = \"\\x22\\x3e\\x3cimg src\\x3dx onerror\\x3dalert(1)\\x3e\\x27\\x3c/script\\x3e\";</script>\n"
            "<button onclick=\"go('\\x22\\x3e\\x3cimg src\\x3dx onerror\\x3dalert(1)\\x3e\\x27\\x3c/script\\x3e')\">x</button>\n");
}

TEST(TemplatesTest, SafeUrlsAndUnicodePassThrough) {
  Templates templates({.root = kTestdata});
  Dictionary data;
  data.SetValue("V", "caf\xc3\xa9 \xf0\x9f\x98\x80");
  data.SetValue("URL", "https://example.com/a?b=1&c=2");
  const std::string out = MustRender(templates, "escape.tpl", data);
  EXPECT_THAT(out, HasSubstr("<p>caf\xc3\xa9 \xf0\x9f\x98\x80</p>"));
  EXPECT_THAT(out, HasSubstr("<a href=\"https://example.com/a?b=1&amp;c=2\">"));
}

TEST(TemplatesTest, JavascriptContextTemplate) {
  Templates templates({.root = kTestdata});
  Dictionary data;
  data.SetValue("V", "'};alert(1);</script>\xe2\x80\xa8");
  EXPECT_EQ(MustRender(templates, "config.js.tpl", data),
            "var config = {name: '\\x27};alert(1);\\x3c/script\\x3e\\u2028'};\n");
}

TEST(TemplatesTest, RefusesTemplateWithoutAutoescapePragma) {
  Templates templates({.root = kTestdata});
  absl::Status status = templates.Load("no_pragma.tpl");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no_pragma.tpl:1: "));
  EXPECT_THAT(status.message(), HasSubstr("AUTOESCAPE"));
}

TEST(TemplatesTest, RefusesNoneModifier) {
  Templates templates({.root = kTestdata});
  absl::Status status = templates.Load("none_modifier.tpl");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("none_modifier.tpl:3: "));
}

TEST(TemplatesTest, IncludesAreEscapedAndMustHaveThePragmaToo) {
  Templates templates({.root = kTestdata});
  {
    Dictionary data;
    data.AddInclude("CHILD", "include_child.tpl")->SetValue("V", "<script>alert(1)</script>");
    EXPECT_EQ(MustRender(templates, "include_parent.tpl", data),
              "<div><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n</div>\n");
  }
  // ctemplate would expand this include raw; the loader refuses it.
  Dictionary data;
  data.AddInclude("CHILD", "include_child_no_pragma.tpl")->SetValue("V", "<script>");
  std::string out = "kept";
  absl::Status status = templates.Render("include_parent.tpl", data, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("include_child_no_pragma.tpl:1: "));
  EXPECT_EQ(out, "kept");
}

TEST(TemplatesTest, RefusesNamesOutsideTheRoot) {
  Templates templates({.root = kTestdata});
  for (const char* name : {"../templates/page.tpl", "/etc/passwd", "", "a//b.tpl", "./page.tpl"}) {
    EXPECT_EQ(templates.Load(name).code(), absl::StatusCode::kInvalidArgument) << name;
  }
  Dictionary data;
  data.AddInclude("CHILD", "/etc/passwd");
  std::string out;
  EXPECT_EQ(templates.Render("include_parent.tpl", data, &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(templates.Load("missing.tpl").code(), absl::StatusCode::kNotFound);
}

TEST(TemplatesTest, SyntaxErrorNamesTemplateAndLine) {
  Templates templates({.root = kTestdata});
  absl::Status unclosed = templates.Load("unclosed_section.tpl");
  EXPECT_EQ(unclosed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unclosed.message(), HasSubstr("unclosed_section.tpl:3: section ITEM is never closed"));

  absl::Status modifier = templates.Load("bad_modifier.tpl");
  EXPECT_EQ(modifier.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(modifier.message(), HasSubstr("bad_modifier.tpl:4: "));
}

TEST(TemplatesTest, MarkerErrorsNameTheirLines) {
  const std::string dir = TempDir() + "/markers";
  std::filesystem::create_directories(dir);
  const std::string pragma = "{{%AUTOESCAPE context=\"HTML\"}}\n";
  const std::pair<const char*, const char*> cases[] = {
      {"a\n{{#A}}\nb\n{{#B}}\n{{/A}}\n", "m.tpl:6: {{/A}} closes section B opened on line 5"},
      {"a\n\nb {{V\n", "m.tpl:4: '{{' is never closed by '}}'"},
      {"{{!multi\nline}}\n{{}}\n", "m.tpl:4: empty marker"},
      {"{{/A}}", "m.tpl:2: {{/A}} closes no open section"},
      {"\n{{V:x_foo=a:none}}", "m.tpl:3: {{V:x_foo=a:none}}: the :none modifier"},
      {"{{=| |=}}", "m.tpl:2: custom delimiters"},
      {"x{{%AUTOESCAPE context=\"HTML\"}}", "m.tpl:2: a pragma must be the first thing"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    WriteFile(dir + "/m.tpl", pragma + body);
    Templates templates({.root = dir});
    const absl::Status status = templates.Load("m.tpl");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(message));
  }
}

TEST(TemplatesTest, EvictsLeastRecentlyUsedByBytes) {
  const std::string dir = TempDir() + "/evict";
  std::filesystem::create_directories(dir);
  const std::string text = "{{%AUTOESCAPE context=\"HTML\"}}<p>{{V}}</p>\n";
  for (const char* name : {"a.tpl", "b.tpl", "c.tpl"}) WriteFile(dir + "/" + name, text);
  // Room for two templates, not three.
  Templates templates({.root = dir, .max_cache_bytes = 2 * Templates::ChargedBytes(text.size()) + 10});
  Dictionary data;
  data.SetValue("V", "x");
  MustRender(templates, "a.tpl", data);
  MustRender(templates, "b.tpl", data);
  MustRender(templates, "a.tpl", data);  // b is now least recently used
  EXPECT_EQ(templates.stats().loads, 2);
  MustRender(templates, "c.tpl", data);  // evicts b
  EXPECT_EQ(templates.stats().loads, 3);
  EXPECT_EQ(templates.stats().evictions, 1);
  EXPECT_EQ(templates.stats().cached_templates, 2);
  MustRender(templates, "a.tpl", data);  // still cached
  EXPECT_EQ(templates.stats().loads, 3);
  EXPECT_EQ(MustRender(templates, "b.tpl", data), "<p>x</p>\n");  // reloaded, evicts c
  EXPECT_EQ(templates.stats().loads, 4);
  EXPECT_EQ(templates.stats().evictions, 2);
  MustRender(templates, "a.tpl", data);
  EXPECT_EQ(templates.stats().loads, 4);
  MustRender(templates, "c.tpl", data);
  EXPECT_EQ(templates.stats().loads, 5);
  EXPECT_LE(templates.stats().cached_bytes, 2 * Templates::ChargedBytes(text.size()) + 10);
}

TEST(TemplatesTest, DevModeReloadsChangedFile) {
  const std::string dir = TempDir() + "/reload";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/r.tpl";
  WriteFile(path, "{{%AUTOESCAPE context=\"HTML\"}}<p>one {{V}}</p>");
  Templates dev({.root = dir, .reload_changed = true});
  Templates prod({.root = dir});
  Dictionary data;
  data.SetValue("V", "<x>");
  EXPECT_EQ(MustRender(dev, "r.tpl", data), "<p>one &lt;x&gt;</p>");
  EXPECT_EQ(MustRender(prod, "r.tpl", data), "<p>one &lt;x&gt;</p>");
  EXPECT_EQ(MustRender(dev, "r.tpl", data), "<p>one &lt;x&gt;</p>");
  EXPECT_EQ(dev.stats().loads, 1);  // unchanged: not reloaded

  WriteFile(path, "{{%AUTOESCAPE context=\"HTML\"}}<p>two {{V}}</p>");
  SetMtime(path, 1000000001);
  EXPECT_EQ(MustRender(dev, "r.tpl", data), "<p>two &lt;x&gt;</p>");
  EXPECT_EQ(dev.stats().loads, 2);
  EXPECT_EQ(MustRender(prod, "r.tpl", data), "<p>one &lt;x&gt;</p>");  // compiled once

  // A broken edit is reported with its line, then fixed.
  WriteFile(path, "{{%AUTOESCAPE context=\"HTML\"}}\n{{#S}}\n");
  SetMtime(path, 1000000002);
  std::string out;
  absl::Status status = dev.Render("r.tpl", data, &out);
  EXPECT_THAT(status.message(), HasSubstr("r.tpl:2: section S is never closed"));
  WriteFile(path, "{{%AUTOESCAPE context=\"HTML\"}}<p>three {{V}}</p>");
  SetMtime(path, 1000000003);
  EXPECT_EQ(MustRender(dev, "r.tpl", data), "<p>three &lt;x&gt;</p>");
}

TEST(TemplatesTest, ConcurrentRendersGiveIdenticalOutput) {
  // A small budget, so loads and evictions race with renders too.
  Templates templates({.root = kTestdata, .max_cache_bytes = 3 * Templates::ChargedBytes(400)});
  auto render_page = [&templates](int i, std::string* out) {
    Dictionary data;
    FillBenchPage(data);
    out->clear();
    absl::Status status = templates.Render("bench_page.tpl", data, out);
    if (!status.ok()) *out = status.ToString();
    Dictionary other;
    other.AddInclude("CHILD", i % 2 ? "include_child.tpl" : "header.tpl")->SetValue("V", "<v>");
    std::string ignored;
    (void)templates.Render("include_parent.tpl", other, &ignored);
  };
  std::string expected;
  render_page(0, &expected);
  ASSERT_THAT(expected, HasSubstr("<li id=\"item-9\">"));
  std::vector<std::vector<std::string>> outputs(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string out;
        render_page(i, &out);
        if (out != expected) outputs[t].push_back(out);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& mismatches : outputs) EXPECT_THAT(mismatches, ::testing::IsEmpty());
}

}  // namespace
}  // namespace hyper::templates
