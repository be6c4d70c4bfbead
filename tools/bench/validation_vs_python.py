#!/usr/bin/python3
"""Python's side of validation_vs_python.sh, and the comparison table.

Times the same work as our C++ benchmarks with CPython's stdlib (json, re),
on the same inputs (testdata/validation), takes the median of --repeat runs,
reads the C++ medians from Google Benchmark JSON files and prints both with
the ratio and the goal from the issue.

  validation_vs_python.py --data testdata/validation --repeat 5 cxx1.json ...
"""
import argparse
import json
import re
import statistics
import sys
import time

# The HTML5 spec's email regex (what most web code uses), with the lengths.
EMAIL = re.compile(
    r"[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+")


def is_email(s):
    return len(s) <= 254 and EMAIL.fullmatch(s) is not None and len(s.split("@")[0]) <= 64


class User:
    __slots__ = ("id", "name", "email", "age", "score", "active")

    def __init__(self, id, name, email, age, score, active):
        if not isinstance(id, int) or id < 1:
            raise ValueError("id")
        if not isinstance(name, str) or not 1 <= len(name) <= 64:
            raise ValueError("name")
        if not isinstance(email, str) or not is_email(email):
            raise ValueError("email")
        if not isinstance(age, int) or not 0 <= age <= 150:
            raise ValueError("age")
        if not isinstance(score, (int, float)) or not 0 <= score <= 100:
            raise ValueError("score")
        if not isinstance(active, bool):
            raise ValueError("active")
        self.id, self.name, self.email = id, name, email
        self.age, self.score, self.active = age, score, active


def per_second(fn, items_per_call, repeat, min_time=0.3):
    """Median items/s over `repeat` runs of at least min_time each."""
    rates = []
    for _ in range(repeat):
        calls = 0
        start = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        rates.append(calls * items_per_call / elapsed)
    return statistics.median(rates)


def python_rates(data, repeat):
    doc = open(f"{data}/doc_2kb.json", encoding="utf-8").read()
    emails = [l for l in open(f"{data}/emails.txt", encoding="utf-8").read().splitlines() if l]
    ints = [i % 1000 for i in range(2048)]
    user = User(12345, "Ann Lee", "ann.lee@example.com", 34, 87.5, True)

    def to_json():
        json.dumps({"id": user.id, "name": user.name, "email": user.email,
                    "age": user.age, "score": user.score, "active": user.active},
                   separators=(",", ":"))

    def emails_all():
        for e in emails:
            is_email(e)

    def ints_check():
        return 0 <= min(ints) and max(ints) <= 999

    def create():
        User(12345, "Ann Lee", "ann.lee@example.com", 34, 87.5, True)

    return {
        "parse": per_second(lambda: json.loads(doc), 1, repeat),
        "to_json": per_second(to_json, 1, repeat),
        "email": per_second(emails_all, len(emails), repeat),
        "ints": per_second(ints_check, len(ints), repeat),
        "create": per_second(create, 1, repeat),
    }


def cxx_rates(files):
    """Median items_per_second per benchmark name from Google Benchmark JSON."""
    rates = {}
    for path in files:
        for b in json.load(open(path))["benchmarks"]:
            if b.get("aggregate_name") == "median":
                rates[b["run_name"]] = b["items_per_second"]
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("cxx", nargs="+")
    args = ap.parse_args()
    cxx = cxx_rates(args.cxx)
    py = python_rates(args.data, args.repeat)

    def fmt(rate):
        return f"{rate / 1e6:10.3f} M/s  ({1e9 / rate:9.1f} ns)"

    rows = [
        # (what, C++ benchmark, Python key, goal text, goal check on C++ rate, ratio goal)
        ("JSON parse, 2 KB doc", "BM_ParseDoc2KB", "parse", "ratio >= 20x", None, 20),
        ("model -> JSON (6 fields)", "BM_ModelToJson", "to_json", ">= 20 M/s", 20e6, None),
        ("email, realistic mix", "BM_EmailMix", "email", "<= 15 ns, >= 15x", 1e9 / 15, 15),
        ("batch int range (L1)", "BM_FirstOutOfRange<internal::RangeImpl::kAuto>/2048",
         "ints", ">= 2000 M/s", 2e9, None),
        ("model create + validate", "BM_ModelCreateValidate", "create", ">= 10 M/s", 10e6, None),
    ]
    print(f"{'what':26} {'ours (median)':>28} {'python (median)':>28} {'ratio':>8}  goal")
    for what, bench, key, goal, rate_goal, ratio_goal in rows:
        if bench not in cxx:
            print(f"{what:26} missing C++ result {bench}", file=sys.stderr)
            continue
        ratio = cxx[bench] / py[key]
        met = (rate_goal is None or cxx[bench] >= rate_goal) and (
            ratio_goal is None or ratio >= ratio_goal)
        print(f"{what:26} {fmt(cxx[bench]):>28} {fmt(py[key]):>28} {ratio:7.1f}x  "
              f"{goal} {'met' if met else 'NOT met'}")
    extra = "BM_ModelParseValidate"
    if extra in cxx:
        print(f"{'body parse + validate':26} {fmt(cxx[extra]):>28}  (no Python twin)")


if __name__ == "__main__":
    main()
