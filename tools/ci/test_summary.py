#!/usr/bin/env python3
"""Prints the closing line of `./hyper test` from Bazel's build event file.

    test_summary.py BEP_JSON_FILE [BEP_JSON_FILE=TAG ...]

Several files (one per `bazel test` run, e.g. a second run under
ThreadSanitizer) are counted together; a TAG marks that run's labels, so
`//a:t` of the tsan run counts as `//a:t [tsan]`.

Counts test targets from Bazel's own results (the Build Event Protocol, JSON
form): a target passes when its testSummary says PASSED or FLAKY; it fails
when its summary says anything else or when it never got a summary (it
failed to build, or the build stopped first). Also counts the individual
test cases in each target's test.xml, for the line above the closing one.

The last line printed is always `N passed, N failed`. Exit status: 0 when at
least one test ran and none failed, 1 otherwise.
"""

import json
import sys
import urllib.parse
import xml.etree.ElementTree as ElementTree

PASSING = {"PASSED", "FLAKY"}


def read_events(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def count_cases(xml_uri):
    """Returns (passed, failed) test cases in one test.xml, or (0, 0)."""
    path = urllib.parse.urlparse(xml_uri).path
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError):
        return 0, 0
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status", "run") == "run":
            passed += 1
    return passed, failed


def summarize(paths):
    tests = set()
    status = {}
    xml_uris = {}
    for spec in paths:
        path, _, tag = spec.partition("=")
        suffix = f" [{tag}]" if tag else ""
        for event in read_events(path):
            event_id = event.get("id", {})
            if "targetConfigured" in event_id:
                configured = event.get("configured", {})
                if "testSize" in configured:
                    tests.add(event_id["targetConfigured"]["label"] + suffix)
            elif "testSummary" in event_id:
                label = event_id["testSummary"]["label"] + suffix
                status[label] = event.get("testSummary", {}).get("overallStatus", "")
            elif "testResult" in event_id:
                label = event_id["testResult"]["label"] + suffix
                for output in event.get("testResult", {}).get("testActionOutput", []):
                    if output.get("name") == "test.xml":
                        xml_uris[label] = output.get("uri", "")

    passed = sorted(t for t in tests if status.get(t) in PASSING)
    failed = sorted(t for t in tests if status.get(t) not in PASSING)
    cases_passed = cases_failed = 0
    for label in sorted(tests):
        p, f = count_cases(xml_uris.get(label, ""))
        cases_passed += p
        cases_failed += f
    for label in failed:
        print(f"FAILED: {label} ({status.get(label) or 'did not run'})")
    print(f"test cases: {cases_passed} passed, {cases_failed} failed "
          f"(in {len(tests)} test targets)")
    print(f"{len(passed)} passed, {len(failed)} failed")
    if not tests:
        print("no test ran", file=sys.stderr)
        return 1
    return 0 if not failed else 1


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return summarize(argv[1:])
    except (OSError, json.JSONDecodeError) as error:
        print(f"cannot read build events: {error}", file=sys.stderr)
        print("0 passed, 0 failed")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
