"""Hostile and careless input: no rule, codebook, transcript or output path can hang hsqual,
exhaust its memory, crash it with a traceback, or lose a person's file.

Each case names the file, line or position of the problem in its error.
"""

from __future__ import annotations

import pytest

from hsqual.errors import RuleSyntaxError
from hsqual.patterns import MAX_GROUP_DEPTH, compile_regex
from hsqual.rules import MAX_DEPTH, parse_rule

SENTENCE_27_WORDS = ("Human security puts people at the centre and asks what they fear and what they lack "
                     "and how they can live in dignity without fear or want")


def _rule_error(rule: str, lang: str = "en") -> RuleSyntaxError:
    with pytest.raises(RuleSyntaxError) as err:
        parse_rule(rule, language=lang, code="x.y", path="codebooks/x.yaml", line=12)
    return err.value


def _caret_at(err: RuleSyntaxError) -> int:
    """The character of the rule the caret points at (ASCII rules: one column each)."""
    lines = str(err).splitlines()
    return lines[-1].index("^") - 2


# -- regular expressions ------------------------------------------------------------------

def test_catastrophic_regex_runs_in_linear_time():
    assert len(SENTENCE_27_WORDS.split()) == 27
    rule = parse_rule(r"/(\w+\s?)+:/", language="en")
    assert type(rule.root.compiled).__module__ == "re2"  # Python's re would not return on the sentence
    assert rule.match(SENTENCE_27_WORDS) is None
    assert rule.match(SENTENCE_27_WORDS * 200) is None  # 5,400 words, still no backtracking
    assert rule.match("Interviewee 4: dignity") == [(0, 14)]


@pytest.mark.parametrize("pattern", ["x*", "a|", r"\b", "(?:)", "^", "(fear)?", r"\s*$", "[a-z]{0,3}"])
def test_regex_matching_the_empty_string_is_refused_with_a_caret(pattern):
    err = _rule_error(f"fear OR /{pattern}/")
    assert "can match the empty string, so it would code every unit" in str(err)
    assert err.path == "codebooks/x.yaml" and err.line == 12 and err.code == "x.y"
    assert _caret_at(err) == 9


@pytest.mark.parametrize("pattern, what, at", [
    ("(?<=human )security", "lookbehind (?<=", 0),
    ("security(?! council)", "negative lookahead (?!", 8),
    (r"(fear)\1", r"a backreference \1", 6),
    ("(?P<w>fear)(?P=w)", "a backreference (?P=name)", 11),
    ("[\\W]", r"\W inside [...] is not supported", 1),
])
def test_regex_re2_cannot_run_is_refused_with_a_caret(pattern, what, at):
    err = _rule_error(f"/{pattern}/")
    assert what in str(err) and "not supported" in str(err)
    assert _caret_at(err) == 1 + at


def test_regex_syntax_errors_keep_pythons_words_and_position():
    err = _rule_error("want | /fe[ar/")
    assert "bad regular expression: unterminated character set" in str(err)
    assert _caret_at(err) == 10
    err = _rule_error("/a{2000}/")  # RE2 repeats at most 1000 times
    assert "invalid repetition size" in str(err) and _caret_at(err) == 2


def test_deeply_nested_regex_groups_are_refused_with_the_depth():
    err = _rule_error("/" + "(" * 250 + "a" + ")" * 250 + "/")
    assert f"groups nest {MAX_GROUP_DEPTH + 1} deep here, more than the limit of {MAX_GROUP_DEPTH}" in str(err)
    assert _caret_at(err) == 1 + MAX_GROUP_DEPTH
    parse_rule("/" + "(" * MAX_GROUP_DEPTH + "a" + ")" * MAX_GROUP_DEPTH + "/", language="en")


@pytest.mark.parametrize("rule, what, at", [
    ("(" * 250 + "fear" + ")" * 250, "parentheses", MAX_DEPTH),
    ("NOT " * 300 + "fear", "NOTs", 4 * MAX_DEPTH),
    ("fear AND " + "(" * 40 + "want" + ")" * 40, "parentheses", 9 + MAX_DEPTH),
])
def test_deeply_nested_rules_are_refused_with_the_depth_and_a_caret(rule, what, at):
    err = _rule_error(rule)
    assert f"{what} nest {MAX_DEPTH + 1} deep here, more than the limit of {MAX_DEPTH}" in str(err)
    assert _caret_at(err) == at
    assert err.line == 12


def test_nesting_at_the_limit_still_parses_and_matches():
    rule = parse_rule("(" * MAX_DEPTH + "fear" + ")" * MAX_DEPTH, language="en")
    assert rule.match("no fear") == [(3, 7)]


def test_python_semantics_of_w_d_s_for_japanese_authors():
    assert [m.group() for m in compile_regex(r"\w+").finditer("人間の安全保障、ｶﾞｲﾄﾞ_1")] == ["人間の安全保障", "ｶﾞｲﾄﾞ_1"]
    assert [m.group() for m in compile_regex(r"\d+").finditer("第３回 and 12")] == ["３", "12"]
    assert [m.group() for m in compile_regex(r"a\sb").finditer("a\u3000b a\u2029b a_b")] == ["a\u3000b", "a\u2029b"]
    assert [m.group() for m in compile_regex(r"[\w-]+").finditer("bottom-up 下から")] == ["bottom-up", "下から"]
    assert compile_regex(r"\u4eba\u9593").search("人間の安全保障").span() == (0, 2)
    assert compile_regex(r"x{,2}y").search("xxxy").span() == (1, 4)  # {,n} as Python reads it
