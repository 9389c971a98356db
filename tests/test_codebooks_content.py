"""Content checks for the four Kurusu (2015) study codebooks.

These tests read the YAML files with PyYAML only (they do not use ``hsqual.load_codebook``)
and check the codebooks against the fixed code plan, the paper's text and the rule grammar
of docs/architecture.md ("The rule language").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK_DIR = ROOT / "codebooks"
PAPER = ROOT / "transcripts" / "kurusu2015" / "paper.txt"

# The fixed code plan: codebook file -> code ids in order (parents before children).
PLAN: dict[str, list[str]] = {
    "three_freedoms.yaml": [
        "freedoms",
        "freedoms.fear",
        "freedoms.want",
        "freedoms.dignity",
        "freedoms.interrelated",
    ],
    "protection_empowerment.yaml": [
        "protection",
        "protection.national_framework",
        "empowerment",
        "empowerment.bottom_up",
        "empowerment.sustainability",
        "protection_empowerment.complementary",
    ],
    "added_value.yaml": [
        "added_value",
        "added_value.instrumental",
        "added_value.onsite_needs",
        "added_value.comprehensive",
        "added_value.dignity",
        "added_value.individuals",
        "added_value.nothing_new",
        "added_value.politicisation",
    ],
    "kurusu2015_themes.yaml": [
        "understanding",
        "understanding.government_policy",
        "understanding.non_state_actors",
        "understanding.broad_concept",
        "understanding.mass_atrocity",
        "understanding.state_security",
        "understanding.downside_risks",
        "understanding.practical",
        "risk",
        "risk.natural_disaster",
        "risk.interstate",
        "risk.armed_conflict",
        "risk.social",
        "risk.multisectoral_response",
        "japan",
        "japan.domestic_application",
        "japan.great_east_japan_earthquake",
        "japan.social_issues",
        "japan.natural_disaster",
        "japan.other_risks",
        "assist",
        "assist.accept",
        "assist.coordination",
        "assist.consent",
        "assist.persuasion",
        "assist.via_ngo",
        "assist.private_sector",
        "assist.non_military",
        "assist.intervention",
    ],
}

# Parent codes: these may have broad rules or none.
PARENT_IDS = {
    "freedoms",
    "protection",
    "empowerment",
    "added_value",
    "understanding",
    "risk",
    "japan",
    "assist",
}

TOP_LEVEL_KEYS = {"id", "version", "title", "source", "description", "codes"}
CODE_KEYS = {
    "id",
    "parent",
    "label",
    "definition",
    "when_to_use",
    "when_not_to_use",
    "examples",
    "rules",
    "color",
}
ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


def _load(name: str) -> dict:
    with open(CODEBOOK_DIR / name, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@pytest.fixture(scope="module")
def books() -> dict[str, dict]:
    return {name: _load(name) for name in PLAN}


def _all_codes(books: dict[str, dict]) -> list[tuple[str, dict]]:
    return [(name, code) for name, book in books.items() for code in book["codes"]]


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- structure


def test_files_exist():
    for name in PLAN:
        assert (CODEBOOK_DIR / name).is_file(), name


def test_top_level_keys(books):
    for name, book in books.items():
        assert set(book) <= TOP_LEVEL_KEYS, (name, set(book) - TOP_LEVEL_KEYS)
        assert book["id"] == name.removesuffix(".yaml")
        assert re.fullmatch(r"[a-z0-9_]+", book["id"])
        assert book["version"] == "1.0"
        assert isinstance(book["version"], str)
        for lang in ("en", "ja"):
            assert str(book["title"].get(lang, "")).strip(), (name, lang)
            assert str(book["description"].get(lang, "")).strip(), (name, lang)
        assert "Kurusu" in book["source"] and "2015" in book["source"]
        assert isinstance(book["codes"], list) and book["codes"]


def test_plan_ids_present_in_order(books):
    for name, ids in PLAN.items():
        got = [code["id"] for code in books[name]["codes"]]
        missing = [i for i in ids if i not in got]
        assert not missing, (name, missing)
        # the plan's codes keep the plan's order
        assert [i for i in got if i in ids] == ids, name


def test_ids_unique_and_well_formed(books):
    seen: dict[str, str] = {}
    for name, code in _all_codes(books):
        assert ID_RE.fullmatch(code["id"]), code["id"]
        assert code["id"] not in seen, (code["id"], seen.get(code["id"]), name)
        seen[code["id"]] = name


def test_code_keys(books):
    for _, code in _all_codes(books):
        assert set(code) <= CODE_KEYS, (code["id"], set(code) - CODE_KEYS)


def test_parents_exist_and_precede_children(books):
    for name, book in books.items():
        earlier: set[str] = set()
        for code in book["codes"]:
            parent = code.get("parent")
            if parent is not None:
                assert parent in earlier, (name, code["id"], parent)
                assert code["id"].startswith(parent + ".") or parent in PARENT_IDS, code["id"]
            earlier.add(code["id"])


def test_children_have_parent_set(books):
    ids = {code["id"] for _, code in _all_codes(books)}
    for _, code in _all_codes(books):
        prefix = code["id"].rsplit(".", 1)[0]
        if "." in code["id"] and prefix in ids:
            assert code.get("parent") == prefix, code["id"]


@pytest.mark.parametrize("field", ["label", "definition", "when_to_use", "when_not_to_use"])
def test_bilingual_text_fields(books, field):
    for _, code in _all_codes(books):
        value = code.get(field)
        assert isinstance(value, dict), (code["id"], field)
        for lang in ("en", "ja"):
            assert str(value.get(lang, "")).strip(), (code["id"], field, lang)
        # the Japanese text is Japanese
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", value["ja"]), (code["id"], field)


def test_examples_shape(books):
    for _, code in _all_codes(books):
        examples = code.get("examples")
        assert isinstance(examples, list) and examples, code["id"]
        for ex in examples:
            assert set(ex) == {"quote", "source"}, (code["id"], ex)
            assert str(ex["quote"]).strip(), code["id"]
            assert re.match(r"Kurusu 2015, §\d+(\.\d+)?( \[.+\])?$", ex["source"]), (
                code["id"],
                ex["source"],
            )


def test_example_quotes_occur_in_paper(books):
    if not PAPER.is_file():
        pytest.skip(f"{PAPER.relative_to(ROOT)} is not there yet: the quote check needs the paper")
    paper = _collapse(PAPER.read_text(encoding="utf-8"))
    missing = [
        (code["id"], ex["quote"])
        for _, code in _all_codes(books)
        for ex in code["examples"]
        if _collapse(ex["quote"]) not in paper
    ]
    assert not missing, missing


def test_colors(books):
    for _, code in _all_codes(books):
        if "color" in code:
            assert re.fullmatch(r"#[0-9a-fA-F]{6}", code["color"]), code["id"]


# --------------------------------------------------------------------------- rules


def test_leaf_codes_have_rules_in_both_languages(books):
    for _, code in _all_codes(books):
        if code["id"] in PARENT_IDS:
            continue
        rules = code.get("rules") or {}
        for lang in ("en", "ja"):
            got = rules.get(lang) or []
            assert got, (code["id"], lang)
            assert all(isinstance(r, str) and r.strip() for r in got), (code["id"], lang)


def test_rule_languages(books):
    for _, code in _all_codes(books):
        assert set(code.get("rules") or {}) <= {"en", "ja"}, code["id"]


class RuleGrammarError(ValueError):
    pass


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"[^"]*")
  | (?P<regex>/(?:[^/\\]|\\.)+/)
  | (?P<op>>=|==|>|\(|\)|,|\||&|!)
  | (?P<word>(?:meta:[^\s()|,&!"=]+=(?:"[^"]*"|[^\s()|,&!"]+))
             |[^\s()|,&!"<>=\[\]]+(?:\[pos=[^\]]+\])?)
    """,
    re.X,
)


def _lex(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise RuleGrammarError(f"cannot read {text[pos:pos + 10]!r} at {pos}")
        pos = m.end()
        if m.lastgroup != "ws":
            out.append((m.lastgroup, m.group()))
    return out


class _Parser:
    """A recursive-descent reader of the grammar in docs/architecture.md."""

    def __init__(self, text: str):
        self.toks = _lex(text)
        self.i = 0

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else (None, None)

    def take(self, value: str | None = None):
        kind, tok = self.peek()
        if tok is None or (value is not None and tok.upper() != value):
            raise RuleGrammarError(f"expected {value or 'a token'}, got {tok!r}")
        self.i += 1
        return kind, tok

    def parse(self):
        node = self.or_()
        if self.peek()[1] is not None:
            raise RuleGrammarError(f"unexpected {self.peek()[1]!r}")
        return node

    def _is(self, *values: str) -> bool:
        kind, tok = self.peek()
        return tok is not None and kind in ("op", "word") and tok.upper() in values

    def or_(self):
        items = [self.and_()]
        while self._is("OR", "|"):
            self.take()
            items.append(self.and_())
        return ("or", items) if len(items) > 1 else items[0]

    def and_(self):
        items = [self.not_()]
        while self._is("AND", "&"):
            self.take()
            items.append(self.not_())
        return ("and", items) if len(items) > 1 else items[0]

    def not_(self):
        if self._is("NOT", "!"):
            self.take()
            return ("not", self.not_())
        return self.atom()

    def atom(self):
        kind, tok = self.peek()
        if tok == "(":
            self.take("(")
            node = self.or_()
            self.take(")")
            return node
        if kind == "word" and tok.upper() in ("NEAR", "SEQ") and self.peek(1)[1] == "(":
            self.take()
            self.take("(")
            a = self.group()
            self.take(",")
            b = self.group()
            self.take(",")
            _, n = self.take()
            if not n.isdigit() or int(n) < 1:
                raise RuleGrammarError(f"window must be a positive integer, got {n!r}")
            scope = None
            if self.peek()[1] == ",":
                self.take(",")
                _, scope = self.take()
                if scope.lower() != "sentence":
                    raise RuleGrammarError(f"unknown scope {scope!r}")
            self.take(")")
            return (tok.lower(), a, b, int(n), scope)
        term = self.term()
        if self.peek()[1] in (">=", ">", "=="):
            _, op = self.take()
            _, n = self.take()
            if not n.isdigit():
                raise RuleGrammarError(f"count needs an integer, got {n!r}")
            return ("count", term, op, int(n))
        return term

    def group(self):
        if self.peek()[1] == "(":
            self.take("(")
            terms = [self.term()]
            while self.peek()[1] == "|":
                self.take("|")
                terms.append(self.term())
            self.take(")")
            return ("group", terms)
        return ("group", [self.term()])

    def term(self):
        kind, tok = self.peek()
        if kind == "string":
            self.take()
            if not tok.strip('"').strip():
                raise RuleGrammarError("empty phrase")
            return ("phrase", tok[1:-1])
        if kind == "regex":
            self.take()
            try:
                re.compile(tok[1:-1])
            except re.error as exc:
                raise RuleGrammarError(f"bad regex {tok}: {exc}") from exc
            return ("regex", tok[1:-1])
        if kind == "word":
            if tok.upper() in ("AND", "OR", "NOT"):
                raise RuleGrammarError(f"operator {tok!r} where a term was expected")
            self.take()
            if tok.startswith("code:"):
                return ("code", tok[5:])
            if tok.startswith("meta:"):
                return ("meta", tok[5:])
            body = tok.split(":", 1)[1] if tok.split(":", 1)[0] in ("lemma", "base", "surface") else tok
            core = re.sub(r"\[pos=[^\]]+\]$", "", body)
            if not core.strip("*") or "*" in core.strip("*"):
                raise RuleGrammarError(f"bad word {tok!r}")
            return ("word", tok)
        raise RuleGrammarError(f"expected a term, got {tok!r}")


def parse_rule(text: str):
    return _Parser(text).parse()


def _walk(node):
    yield node
    if not isinstance(node, tuple):
        return
    for child in node[1:]:
        if isinstance(child, tuple):
            yield from _walk(child)
        elif isinstance(child, list):
            for c in child:
                yield from _walk(c)


def test_rules_parse_under_the_documented_grammar(books):
    bad = []
    for _, code in _all_codes(books):
        for lang, rules in (code.get("rules") or {}).items():
            for rule in rules:
                try:
                    parse_rule(rule)
                except RuleGrammarError as exc:
                    bad.append((code["id"], lang, rule, str(exc)))
    assert not bad, bad


def test_code_references_point_to_known_codes(books):
    ids = {code["id"] for _, code in _all_codes(books)}
    for _, code in _all_codes(books):
        for rules in (code.get("rules") or {}).values():
            for rule in rules:
                for node in _walk(parse_rule(rule)):
                    if isinstance(node, tuple) and node[0] == "code":
                        assert node[1] in ids, (code["id"], rule)
                        assert node[1] != code["id"], (code["id"], rule)


def test_english_rules_are_lower_case_words(books):
    for _, code in _all_codes(books):
        for rule in (code.get("rules") or {}).get("en", []):
            for node in _walk(parse_rule(rule)):
                if isinstance(node, tuple) and node[0] in ("word", "phrase"):
                    assert node[1] == node[1].lower(), (code["id"], rule)


def test_bare_security_is_not_a_rule(books):
    """'security' / '安全保障' alone is not human security: no rule is just that word."""
    for _, code in _all_codes(books):
        for rules in (code.get("rules") or {}).values():
            for rule in rules:
                assert rule.strip().strip('"') not in ("security", "安全保障", "保障", "保護"), (
                    code["id"],
                    rule,
                )
