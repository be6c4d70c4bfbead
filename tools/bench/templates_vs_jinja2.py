"""Times Jinja2 on the page of //libs/templates:templates_benchmark.

Compile: Environment(autoescape=True, cache_size=0).from_string (from_string
always compiles; the template cache is off anyway). Render: the compiled
template's render() with a prebuilt context, so only rendering is timed.
Prints one JSON object: seconds per compile and per render (median of
--repeat timeit runs).
"""
import argparse
import json
import statistics
import timeit

import jinja2

# The same page as testdata/templates/bench_page.tpl, in Jinja2's syntax.
PAGE = """<!doctype html>
<html><head><title>{{ TITLE }}</title></head>
<body>
<h1 class="{{ CLASS }}">{{ HEADING }}</h1>
{% if HAS_USER %}<p>Signed in as <a href="/u/{{ USER }}">{{ USER }}</a></p>{% endif %}
<ul>
{% for item in ITEM %}<li id="item-{{ item.ID }}"><a href="{{ item.URL }}">{{ item.NAME }}</a> <span>{{ item.PRICE }}</span></li>
{% endfor %}</ul>
<script>var footer = {{ FOOTER|tojson }};</script>
</body></html>
"""

# The same data as libs/templates/bench_page_testing.h.
CONTEXT = {
    "TITLE": "Shop <best> prices",
    "CLASS": "title main\" onclick=\"x",
    "HEADING": "Today's \"deals\" & more",
    "USER": "alice",
    "FOOTER": "</script> is escaped",
    "HAS_USER": True,
    "ITEM": [
        {"ID": i,
         "URL": "https://example.com/items?id=42&ref=home" if i % 2 else "javascript:evil()",
         "NAME": "Widget <deluxe>", "PRICE": "19.99"}
        for i in range(10)
    ],
}


def per_call(stmt, repeat, min_seconds):
    timer = timeit.Timer(stmt)
    number, _ = timer.autorange()
    number = max(number, int(number * min_seconds / 0.2))
    return statistics.median(t / number for t in timer.repeat(repeat, number))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min_seconds", type=float, default=0.5)
    parser.add_argument("--print_page", action="store_true")
    args = parser.parse_args()
    env = jinja2.Environment(autoescape=True, cache_size=0)
    template = env.from_string(PAGE)
    if args.print_page:
        print(template.render(**CONTEXT))
        return
    compile_s = per_call(lambda: env.from_string(PAGE), args.repeat, args.min_seconds)
    render_s = per_call(lambda: template.render(**CONTEXT), args.repeat, args.min_seconds)
    print(json.dumps({"jinja2_version": jinja2.__version__,
                      "compile_s": compile_s, "render_s": render_s}))


if __name__ == "__main__":
    main()
