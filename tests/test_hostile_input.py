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


# -- YAML: codebooks and transcript front matter ----------------------------------------------

from hsqual.codebook import Code, Codebook, load_codebook, parse_codebook  # noqa: E402
from hsqual.errors import CodebookError, TranscriptError  # noqa: E402
from hsqual.export import codebook_to_markdown  # noqa: E402
from hsqual.resources import bundled_codebooks  # noqa: E402
from hsqual.rules import code_order  # noqa: E402
from hsqual.transcripts import read_transcript  # noqa: E402
from hsqual import yamlio  # noqa: E402

ALIAS_BOMB = "".join(
    [f'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n']
    + [f"a{i}: &a{i} [*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1},*a{i-1}]\n" for i in range(1, 9)])


@pytest.mark.parametrize("key", ["notes", "speakers", "id"])
def test_alias_bomb_in_front_matter_is_refused_at_the_alias(tmp_path, key):
    header = ALIAS_BOMB + f"{key}: *a8\n"
    assert len(header.encode()) < 700
    p = tmp_path / "int01.md"
    p.write_text("---\n" + header + "---\nInterviewer: hello\n", encoding="utf-8")
    with pytest.raises(TranscriptError) as err:
        read_transcript(p)
    assert "alias '*a0'" in str(err.value) and "aliases are not read" in str(err.value)
    assert err.value.path == str(p) and err.value.line == 3  # line 1 is '---', the first alias on line 3
    assert str(err.value).startswith(f"{p}:3:")


def test_alias_in_a_codebook_is_refused_with_line_and_column(tmp_path):
    p = tmp_path / "cb.yaml"
    p.write_text("id: demo\nversion: '1'\ntitle: &t {en: Demo, ja: デモ}\nsource: *t\ncodes: []\n", encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(p)
    assert (err.value.line, err.value.column) == (4, 9) and "alias '*t'" in str(err.value)


@pytest.mark.parametrize("where", ["codebook", "front matter"])
@pytest.mark.parametrize("levels", [500, 5000])
def test_deep_yaml_nesting_names_the_depth_and_position(tmp_path, where, levels):
    deep = "[" * levels + "]" * levels
    if where == "codebook":
        p = tmp_path / "cb.yaml"
        p.write_text(f"id: demo\nnotes: {deep}\n", encoding="utf-8")
        with pytest.raises(CodebookError) as err:
            load_codebook(p)
        line = 2
    else:
        p = tmp_path / "t.md"
        p.write_text(f"---\nid: x\nnotes: {deep}\n---\nbody\n", encoding="utf-8")
        with pytest.raises(TranscriptError) as err:
            read_transcript(p)
        line = 3
    depth = yamlio.MAX_DEPTH
    assert err.value.path == str(p) and err.value.line == line
    if levels < 1000 or not yamlio.LIBYAML:
        assert f"nest {depth + 1} deep here, more than the limit of {depth}" in str(err.value)
        assert err.value.column == 7 + depth  # the top-level mapping is the first level
    else:  # libyaml's scanner stops at 1000 levels before the first deep list reaches hsqual
        assert "exceeded maximum nesting depth" in str(err.value) and err.value.column > 1000


def test_yaml_size_limits(tmp_path):
    with pytest.raises(CodebookError, match="holds 2,001 characters, more than the limit of 2,000"):
        yamlio.compose_yaml("#" * 2001, path="x.yaml", max_chars=2000)
    p = tmp_path / "t.md"
    p.write_text("---\nnotes: '" + "x" * 16_000_001 + "'\n---\nbody\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="more than the limit of 16,000,000") as err:
        read_transcript(p)
    assert err.value.path == str(p)


def test_libyaml_reads_the_bundled_codebooks_with_the_same_nodes_and_positions():
    import yaml

    assert yamlio.LIBYAML  # PyYAML is built with libyaml here: the fast parser is the one tested

    def flat(node):
        out, stack = [], [node]
        while stack:
            n = stack.pop()
            out.append((type(n).__name__, n.tag, n.start_mark.line, n.start_mark.column,
                        n.value if isinstance(n, yaml.ScalarNode) else None))
            if isinstance(n, yaml.SequenceNode):
                stack.extend(reversed(n.value))
            elif isinstance(n, yaml.MappingNode):
                stack.extend(x for kv in reversed(n.value) for x in reversed(kv))
        return out

    for path in bundled_codebooks():
        text = path.read_text(encoding="utf-8")
        assert flat(yamlio.compose_yaml(text)) == flat(yaml.compose(text, Loader=yaml.SafeLoader))
        assert yamlio.load_yaml(text) == yaml.safe_load(text)


def test_codebook_errors_keep_their_line_and_column():
    text = "id: demo\nversion: '1'\ntitle: {en: Demo}\nsource: s\nlanguages: [en]\ncodes:\n  - id: a\n    lable: {en: A}\n"
    with pytest.raises(CodebookError) as err:
        parse_codebook(text, path="demo.yaml")
    assert (err.value.line, err.value.column) == (8, 5)
    with pytest.raises(CodebookError) as err:
        parse_codebook("id: demo\ntitle: [unclosed\n", path="demo.yaml")
    assert err.value.line == 3 and "not valid YAML" in str(err.value)


def test_written_yaml_never_holds_aliases():
    shared = ["Interviewer", "Interviewee 4"]
    text = yamlio.dump_yaml({"speakers": shared, "cited": shared})
    assert "&" not in text and "*" not in text
    assert yamlio.load_yaml(text) == {"speakers": shared, "cited": shared}


def test_a_code_tree_thousands_deep_is_handled_without_recursion():
    n = 5000
    codes = [Code(id="c0", label={"en": "c0"}, rules={"en": ("fear",)})]
    codes += [Code(id=f"c{i}", label={"en": f"c{i}"}, parent=f"c{i - 1}", rules={"en": (f"code:c{i - 1}",)})
              for i in range(1, n)]
    cb = Codebook("deep", codes, title={"en": "Deep"})
    assert cb.depth(f"c{n - 1}") == n - 1
    md = codebook_to_markdown(cb, lang="en")
    assert md.index("## c0") < md.index("###### c4999")
    assert code_order(cb) == [f"c{i}" for i in range(n)]  # each after the code it refers to


# -- NEAR/SEQ over a long unit: no pair-by-pair loop ----------------------------------------

import random  # noqa: E402

from hsqual.rules import DocIndex, Near, UnitSet  # noqa: E402


def _pairs_by_definition(node, U, k):
    """NEAR/SEQ as the rule language defines it, looking at every pair."""
    A, B = U.group_ranges(node.a, k), U.group_ranges(node.b, k)
    wn, sent = U.index.word_no, U.index.sentence
    used = set()
    for a in A:
        for b in B:
            if b[0] > a[1]:
                first, second = a, b
            elif a[0] > b[1] and node.kind == "NEAR":
                first, second = b, a
            else:
                continue
            if wn[second[0]] - wn[first[1]] > node.n or (node.sentence and sent[first[1]] != sent[second[0]]):
                continue
            used.update((a, b))
    return sorted(used) if used else None


@pytest.mark.parametrize("seed", range(12))
def test_near_and_seq_find_the_pairs_the_definition_finds(seed):
    from hsqual.rules import _near_pairs

    rng = random.Random(seed)
    words = ["fear", "want", "of", "violence", "people", ",", ".", "freedom from fear", "dignity"]
    text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 400)))
    U = UnitSet(DocIndex(text, "en"), [0], [len(text)], meta={})
    for rule in ["NEAR(fear, (want | violence), 3)", "SEQ(fear, want, 2)", "NEAR((fear | people), fear, 1)",
                 "NEAR(\"freedom from fear\", fear, 4, sentence)", "SEQ(want, (fear | dignity), 5, sentence)"]:
        node = parse_rule(rule, language="en").root
        assert isinstance(node, Near)
        assert _near_pairs(node, U, 0) == _pairs_by_definition(node, U, 0), (rule, text)
