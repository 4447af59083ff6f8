#!/usr/bin/env python3
"""The fake API's /v1 route table checked against the C client's operation table.

Reads api/cg_endpoint.c and takes each row's method, path template and
CG_RL_* class. Then it checks both directions against fakeapi.routes. Every
C row must be served by the fake: same method, same template once the {param}
names are set aside, and the same rate class. Every /v1 route the fake serves
must be a C row. That way the two tables cannot drift apart.

The parser relies only on these things: a row starts `[CG_EP_...] = {`; its
first three string-ish items are name, method and path; a string-ish item is
adjacent string literals and `#define NAME "..."` macros, which concatenate;
the rate class is its CG_RL_* identifier. Columns may be added, a row may be
split over several lines, and comments may sit anywhere.

Run: python3 tests/fake/test_endpoint_table.py
Env: CG_ENDPOINT_C  the C table       (default api/cg_endpoint.c)
     CG_FAKE_API    the fake launcher (default scripts/fake-codegen-api); the
                    fakeapi package is imported from its directory
"""

import collections
import os
import re
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENDPOINT_C = os.environ.get("CG_ENDPOINT_C") or os.path.join(ROOT, "api", "cg_endpoint.c")
FAKE_API = os.environ.get("CG_FAKE_API") or os.path.join(ROOT, "scripts", "fake-codegen-api")
sys.path.insert(0, os.path.dirname(os.path.abspath(FAKE_API)))

from fakeapi import contract, routes  # noqa: E402  (needs the sys.path entry above)

MIN_ROWS = 25   # the operations of api-docs/openapi3.json
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# The C rate-limit classes (api/cg_ratelimit.h) and the fake's names for them.
RATE_CLASSES = {
    "CG_RL_GENERAL": "general",
    "CG_RL_CREATE": "create",
    "CG_RL_LOGS": "logs",
    "CG_RL_SETUP": "setup",
    "CG_RL_ANALYZE": "analyze",
    "CG_RL_PR_EDIT": "pr_edit",
    "CG_RL_RULES": "rules",
}

Row = collections.namedtuple("Row", "enum name method path rate_class")
Route = collections.namedtuple("Route", "method template rate_class")


class ParseError(Exception):
    pass


# --------------------------------------------------------------------------
# Reading the C table

TOKEN_RE = re.compile(r"""
      (?P<space>\s+)
    | (?P<comment>/\*.*?\*/|//[^\n]*)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<char>'(?:[^'\\\n]|\\.)*')
    | (?P<ident>[A-Za-z_]\w*)
    | (?P<number>\.?\d[\w.]*)
    | (?P<punct>.)
""", re.S | re.X)

ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'",
           "?": "?", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def c_tokens(text):
    """-> list of (kind, value, start, end); comments dropped, newlines kept
    (kind "newline") because they end a preprocessor directive."""
    text = re.sub(r"\\\r?\n", "", text)     # line splicing comes first, as in C
    result = []
    for match in TOKEN_RE.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "space":
            if "\n" in value:
                result.append(("newline", "\n", match.start(), match.end()))
        elif kind == "comment":
            if value.startswith("/*") and not value.endswith("*/"):
                raise ParseError("unterminated comment")
        else:
            result.append((kind, value, match.start(), match.end()))
    return result


def string_literal(token):
    """The text of one C string literal token."""
    body = token[1:-1]
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), body)


def string_value(tokens, macros):
    """The concatenated text of adjacent string literals and string macros, or
    None if the tokens are anything else."""
    if not tokens:
        return None
    parts = []
    for kind, value, _, _ in tokens:
        if kind == "string":
            parts.append(string_literal(value))
        elif kind == "ident" and value in macros:
            parts.append(macros[value])
        else:
            return None
    return "".join(parts)


def split_lines(tokens):
    """-> (directives, code): the token lists of each `#...` line, and all the
    other tokens without the newlines."""
    directives, code, line = [], [], []
    for token in tokens + [("newline", "\n", -1, -1)]:
        if token[0] != "newline":
            line.append(token)
            continue
        if line and line[0][1] == "#":
            directives.append(line[1:])
        else:
            code.extend(line)
        line = []
    return directives, code


def string_macros(directives):
    """NAME -> text for each object-like `#define NAME "..."` (macros of macros too)."""
    macros = {}
    for directive in directives:
        if len(directive) < 3 or directive[0][1] != "define" or directive[1][0] != "ident":
            continue
        name, rest = directive[1], directive[2:]
        if rest[0][1] == "(" and rest[0][2] == name[3]:
            continue    # a function-like macro
        value = string_value(rest, macros)
        if value is not None:
            macros[name[1]] = value
    return macros


def initializer_items(code, start):
    """The items of the brace initializer opening at code[start]: (items, end),
    each item a token list, split at the commas at its own level."""
    pairs = {"{": "}", "(": ")", "[": "]"}
    depth, items, item = [], [], []
    for index in range(start, len(code)):
        value = code[index][1]
        if value in pairs:
            depth.append(pairs[value])
            if len(depth) == 1:
                continue
        elif depth and value == depth[-1]:
            depth.pop()
            if not depth:
                if item:
                    items.append(item)
                return items, index
        elif value in ")]}":
            raise ParseError(f"unbalanced {value!r}")
        if len(depth) == 1 and value == ",":
            items.append(item)
            item = []
        else:
            item.append(code[index])
    raise ParseError("unterminated initializer")


def without_designator(item):
    """`.field = value` -> value (a row may name its fields)."""
    if len(item) >= 3 and item[0][1] == "." and item[1][0] == "ident" and item[2][1] == "=":
        return item[3:]
    return item


def parse_endpoint_rows(text):
    """Every `[CG_EP_...] = { ... }` row of a C file -> list of Row; ParseError
    when a row does not have a name, a method, a path and one CG_RL_ class."""
    directives, code = split_lines(c_tokens(text))
    macros = string_macros(directives)
    rows, seen = [], set()
    for index in range(1, len(code) - 4):
        window = [token[1] for token in code[index:index + 5]]
        if not (window[0] == "[" and window[1].startswith("CG_EP_") and window[2] == "]"
                and window[3] == "=" and window[4] == "{" and code[index - 1][1] in ("{", ",")):
            continue
        enum = window[1]
        items, _ = initializer_items(code, index + 4)
        items = [without_designator(item) for item in items]
        strings = []
        for item in items:
            value = string_value(item, macros)
            if value is not None:
                strings.append(value)
            elif any(token[0] == "string" for token in item):
                raise ParseError(f"{enum}: {' '.join(t[1] for t in item)} is not a string: "
                                 "a macro that is no `#define NAME \"...\"` of this file?")
        classes = [item[0][1] for item in items
                   if len(item) == 1 and item[0][1].startswith("CG_RL_")]
        if len(strings) < 3:
            raise ParseError(f"{enum}: fewer than three string items (name, method, path)")
        if len(classes) != 1:
            raise ParseError(f"{enum}: {len(classes)} CG_RL_ items, expected one")
        name, method, path = strings[:3]
        if method not in METHODS or not path.startswith("/"):
            raise ParseError(f"{enum}: method {method!r} / path {path!r} do not look like "
                             "an HTTP method and a path")
        if enum in seen:
            raise ParseError(f"{enum}: two rows")
        seen.add(enum)
        rows.append(Row(enum, name, method, path, classes[0]))
    return rows


# --------------------------------------------------------------------------
# Comparing the two tables

def normalise(template):
    """/a/{org_id}/b/{id} -> /a/{}/b/{}: parameter names may differ."""
    return re.sub(r"\{[^{}/]*\}", "{}", template)


def fake_routes():
    """The fake's /v1 route table, as it serves it."""
    return [Route(r.method, r.template, r.rate_class) for r in routes.API_ROUTER.routes]


def missing_in_fake(rows, served):
    """C rows that the fake does not serve (method and normalised template)."""
    keys = {(r.method, normalise(r.template)) for r in served}
    return [f"{row.enum}: {row.method} {row.path} is not served by the fake"
            for row in rows if (row.method, normalise(row.path)) not in keys]


def missing_in_c(rows, served):
    """/v1 routes of the fake that are no row of the C table."""
    keys = {(row.method, normalise(row.path)) for row in rows}
    return [f"the fake serves {r.method} {r.template}, which is no row of the C table"
            for r in served if (r.method, normalise(r.template)) not in keys]


def rate_class_mismatches(rows, served):
    """Rows whose CG_RL_ class is not the fake's rate class for the same route."""
    by_key = {(r.method, normalise(r.template)): r.rate_class for r in served}
    problems = []
    for row in rows:
        fake_class = by_key.get((row.method, normalise(row.path)))
        if fake_class is None:
            continue    # reported by missing_in_fake
        if row.rate_class not in RATE_CLASSES:
            problems.append(f"{row.enum}: {row.rate_class} has no fake rate class "
                            "(add it to RATE_CLASSES)")
        elif RATE_CLASSES[row.rate_class] != fake_class:
            problems.append(f"{row.enum}: C class {row.rate_class}, fake class {fake_class!r}")
    return problems


def duplicates(keys):
    counts = collections.Counter(keys)
    return sorted(key for key, count in counts.items() if count > 1)


# --------------------------------------------------------------------------
# The real tables

class EndpointTableTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        with open(ENDPOINT_C, encoding="utf-8") as source:
            cls.rows = parse_endpoint_rows(source.read())
        cls.served = fake_routes()

    def test_c_table_has_every_operation(self):
        self.assertGreaterEqual(len(self.rows), MIN_ROWS,
                                f"only {len(self.rows)} rows extracted from {ENDPOINT_C}: "
                                "the parser no longer understands the table")
        self.assertEqual(duplicates((r.method, normalise(r.path)) for r in self.rows), [])

    def test_fake_serves_every_operation(self):
        self.assertGreaterEqual(len(self.served), MIN_ROWS)
        self.assertEqual(duplicates((r.method, normalise(r.template)) for r in self.served), [])
        self.assertEqual([r.template for r in self.served if not r.template.startswith("/v1/")],
                         [])

    def test_every_c_row_is_served_by_the_fake(self):
        self.assertEqual(missing_in_fake(self.rows, self.served), [])

    def test_every_fake_route_is_a_c_row(self):
        self.assertEqual(missing_in_c(self.rows, self.served), [])

    def test_rate_classes_match(self):
        self.assertEqual(rate_class_mismatches(self.rows, self.served), [])
        self.assertEqual(sorted({r.rate_class for r in self.served} - set(contract.RATE_LIMITS)),
                         [])

    def test_the_router_dispatches_each_c_row(self):
        """Each C row, with its parameters filled in, reaches the fake's route of
        the same template (no other route shadows it)."""
        for row in self.rows:
            path = re.sub(r"\{[^{}/]*\}", "7", row.path)
            with self.subTest(row.enum):
                try:
                    route, params = routes.API_ROUTER.match(row.method, path)
                except contract.ApiError as err:
                    self.fail(f"{row.method} {path} -> {err.status} {err.body}")
                self.assertEqual((route.method, normalise(route.template)),
                                 (row.method, normalise(row.path)))
                self.assertEqual(set(params.values()), {"7"} if params else set())


# --------------------------------------------------------------------------
# The parser and the comparison, on tables made up here: they must see every
# way the two tables can disagree.

SAMPLE_C = r"""
/* a comment with [CG_EP_FAKE] = { "x", "GET", "/v1/x" } in it */
#include "cg_endpoint.h"
#define V1 "/v1"
#define ORG V1 "/organizations/{org_id}"  // macros of macros concatenate
#define LONG_PREFIX \
	"/v1/alpha"
#define TWICE(x) x x

static const struct cg_endpoint_info table[CG_EP_COUNT] = {
	[CG_EP_GET_ME] = { "get_me", "GET", V1 "/users/me", CG_RL_GENERAL, 1 },
	[CG_EP_GET_RUN] = {
		"get_run", /* method: */ "GET",
		ORG "/agent/run/{agent_run_id}",
		CG_RL_GENERAL, 1, { 2, 3 }, "a later column",
	},
	[CG_EP_RUN_LOGS] = { .name = "run_logs", .method = "GET",
		.path = LONG_PREFIX "/organizations/{org_id}/agent/run/{agent_run_id}/logs",
		.rl_class = CG_RL_LOGS, .retry = 1 },
	[CG_EP_CREATE_RUN] = { "create_run", "POST", ORG "/agent/run", CG_RL_CREATE, 0,
			       "https://docs.example/a,b" },
};
"""

SAMPLE_ROWS = [
    Row("CG_EP_GET_ME", "get_me", "GET", "/v1/users/me", "CG_RL_GENERAL"),
    Row("CG_EP_GET_RUN", "get_run", "GET", "/v1/organizations/{org_id}/agent/run/{agent_run_id}",
        "CG_RL_GENERAL"),
    Row("CG_EP_RUN_LOGS", "run_logs", "GET",
        "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs", "CG_RL_LOGS"),
    Row("CG_EP_CREATE_RUN", "create_run", "POST", "/v1/organizations/{org_id}/agent/run",
        "CG_RL_CREATE"),
]

SAMPLE_ROUTES = [
    Route("GET", "/v1/users/me", "general"),
    Route("GET", "/v1/organizations/{org}/agent/run/{id}", "general"),
    Route("GET", "/v1/alpha/organizations/{org_id}/agent/run/{agent_run_id}/logs", "logs"),
    Route("POST", "/v1/organizations/{org_id}/agent/run", "create"),
]


class ParserTest(unittest.TestCase):
    def test_rows_split_over_lines_with_more_columns_and_macros(self):
        self.assertEqual(parse_endpoint_rows(SAMPLE_C), SAMPLE_ROWS)

    def test_escapes_in_string_literals(self):
        text = r'x = { [CG_EP_A] = { "a\"b", "GET", "/v1/a\\b", CG_RL_GENERAL } };'
        self.assertEqual(parse_endpoint_rows(text),
                         [Row("CG_EP_A", 'a"b', "GET", "/v1/a\\b", "CG_RL_GENERAL")])

    def test_a_row_without_a_path_is_an_error(self):
        text = 'x = { [CG_EP_A] = { "a", "GET", CG_RL_GENERAL, 1 } };'
        with self.assertRaisesRegex(ParseError, r"^CG_EP_A: fewer than three string items"):
            parse_endpoint_rows(text)

    def test_an_unknown_macro_is_an_error(self):
        text = 'x = { [CG_EP_A] = { "a", "GET", NOWHERE "/x", "/y", CG_RL_GENERAL } };'
        with self.assertRaisesRegex(ParseError, r'^CG_EP_A: NOWHERE "/x" is not a string'):
            parse_endpoint_rows(text)

    def test_a_row_without_a_rate_class_is_an_error(self):
        text = 'x = { [CG_EP_A] = { "a", "GET", "/v1/a", 1 } };'
        with self.assertRaisesRegex(ParseError, r"^CG_EP_A: 0 CG_RL_ items, expected one$"):
            parse_endpoint_rows(text)

    def test_a_method_that_is_not_one_is_an_error(self):
        text = 'x = { [CG_EP_A] = { "a", "/v1/a", "GET", CG_RL_GENERAL } };'
        with self.assertRaisesRegex(ParseError, r"^CG_EP_A: method '/v1/a' / path 'GET'"):
            parse_endpoint_rows(text)

    def test_the_same_row_twice_is_an_error(self):
        row = '[CG_EP_A] = { "a", "GET", "/v1/a", CG_RL_GENERAL }'
        with self.assertRaisesRegex(ParseError, r"^CG_EP_A: two rows$"):
            parse_endpoint_rows("x = { " + row + ", " + row + " };")

    def test_an_unterminated_row_is_an_error(self):
        with self.assertRaisesRegex(ParseError, r"^unterminated initializer$"):
            parse_endpoint_rows('x = { [CG_EP_A] = { "a", "GET", "/v1/a", CG_RL_GENERAL ')


class ComparisonTest(unittest.TestCase):
    def test_tables_that_agree_up_to_parameter_names(self):
        self.assertEqual(missing_in_fake(SAMPLE_ROWS, SAMPLE_ROUTES), [])
        self.assertEqual(missing_in_c(SAMPLE_ROWS, SAMPLE_ROUTES), [])
        self.assertEqual(rate_class_mismatches(SAMPLE_ROWS, SAMPLE_ROUTES), [])

    def test_a_c_row_the_fake_does_not_serve(self):
        self.assertEqual(missing_in_fake(SAMPLE_ROWS, SAMPLE_ROUTES[:3]),
                         ["CG_EP_CREATE_RUN: POST /v1/organizations/{org_id}/agent/run "
                          "is not served by the fake"])

    def test_a_fake_route_that_is_no_c_row(self):
        self.assertEqual(missing_in_c(SAMPLE_ROWS[1:], SAMPLE_ROUTES),
                         ["the fake serves GET /v1/users/me, which is no row of the C table"])

    def test_a_different_method_or_path_counts_both_ways(self):
        served = SAMPLE_ROUTES[:3] + [Route("PUT", "/v1/organizations/{org_id}/agent/run",
                                            "create")]
        self.assertEqual(missing_in_fake(SAMPLE_ROWS, served),
                         ["CG_EP_CREATE_RUN: POST /v1/organizations/{org_id}/agent/run "
                          "is not served by the fake"])
        self.assertEqual(missing_in_c(SAMPLE_ROWS, served),
                         ["the fake serves PUT /v1/organizations/{org_id}/agent/run, "
                          "which is no row of the C table"])
        served = SAMPLE_ROUTES[:1] + [Route("GET", "/v1/organizations/{org}/agent/runs/{id}",
                                            "general")] + SAMPLE_ROUTES[2:]
        self.assertEqual(len(missing_in_fake(SAMPLE_ROWS, served)), 1)
        self.assertEqual(len(missing_in_c(SAMPLE_ROWS, served)), 1)

    def test_a_different_rate_class(self):
        served = SAMPLE_ROUTES[:3] + [Route("POST", "/v1/organizations/{org_id}/agent/run",
                                            "general")]
        self.assertEqual(rate_class_mismatches(SAMPLE_ROWS, served),
                         ["CG_EP_CREATE_RUN: C class CG_RL_CREATE, fake class 'general'"])

    def test_a_c_rate_class_without_a_mapping(self):
        rows = SAMPLE_ROWS[:3] + [SAMPLE_ROWS[3]._replace(rate_class="CG_RL_NEW")]
        self.assertEqual(rate_class_mismatches(rows, SAMPLE_ROUTES),
                         ["CG_EP_CREATE_RUN: CG_RL_NEW has no fake rate class "
                          "(add it to RATE_CLASSES)"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
