// Test data for testdata/templates/bench_page.tpl, shared by the test and
// the benchmark: 5 variables, HAS_USER shown, 10 ITEM rows.
#ifndef HYPER_LIBS_TEMPLATES_BENCH_PAGE_TESTING_H_
#define HYPER_LIBS_TEMPLATES_BENCH_PAGE_TESTING_H_

#include "libs/templates/dictionary.h"

namespace hyper::templates {

inline void FillBenchPage(Dictionary& data) {
  data.SetValue("TITLE", "Shop <best> prices");
  data.SetValue("CLASS", "title main\" onclick=\"x");
  data.SetValue("HEADING", "Today's \"deals\" & more");
  data.SetValue("USER", "alice");
  data.SetValue("FOOTER", "</script> is escaped");
  data.ShowSection("HAS_USER");
  for (int i = 0; i < 10; ++i) {
    Dictionary* item = data.AddSection("ITEM");
    item->SetIntValue("ID", i);
    item->SetValue("URL", i % 2 ? "https://example.com/items?id=42&ref=home" : "javascript:evil()");
    item->SetValue("NAME", "Widget <deluxe>");
    item->SetValue("PRICE", "19.99");
  }
}

}  // namespace hyper::templates

#endif  // HYPER_LIBS_TEMPLATES_BENCH_PAGE_TESTING_H_
