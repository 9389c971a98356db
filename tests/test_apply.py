"""Applying codebooks: one row per unit and code, offsets that slice back to the quote, traceable rules."""

from __future__ import annotations

import pandas as pd
import pytest

from hsqual.apply import apply_codebook, fired_rules
from hsqual.codebook import Code, Codebook, load_codebooks
from hsqual.codings import add_codings, check_codings, codings_frame
from hsqual.corpus import Corpus, Document, Segment
from hsqual.errors import ArgumentError, CodingsError, OptionError, RuleSyntaxError
from hsqual.resources import bundled_codebooks, study_dir
from hsqual.textio import read_text


def code(id, en=(), ja=(), cb="demo"):
    rules = {}
    if en:
        rules["en"] = tuple(en)
    if ja:
        rules["ja"] = tuple(ja)
    return Code(id=id, label={"en": id, "ja": id}, rules=rules, codebook=cb)


JA_TEXT = ("聞き手：人間の安全保障をどう理解していますか。\n"
           "A氏：紛争地では人々の命が守られることが第一です。個人情報の保護とは違います。\n"
           "\n"
           "A氏：住民の保護と、そのエンパワーメントが両方必要だと思います。尊厳も大切です。")

EN_TEXT = ("Q: What does human security add?\n"
           "A: It adds dignity. Freedom from fear and freedom from want are interrelated.\n"
           "A: People live in fear of violence.")


def ja_corpus():
    turns, pos = [], 0
    for line in JA_TEXT.split("\n"):
        if line:
            who, _, said = line.partition("：")
            start = pos + len(who) + 1
            turns.append((start, start + len(said), who))
        pos += len(line) + 1
    doc = Document("ja01", JA_TEXT, {"language": "ja", "sector": "NGO"})
    segs = [Segment("ja01", i + 1, a, b, JA_TEXT[a:b], who, "turn") for i, (a, b, who) in enumerate(turns)]
    return Corpus([doc], segs)


def en_corpus():
    lines, pos, segs = EN_TEXT.split("\n"), 0, []
    for i, line in enumerate(lines):
        segs.append(Segment("en01", i + 1, pos, pos + len(line), line, line[0], "turn"))
        pos += len(line) + 1
    return Corpus([Document("en01", EN_TEXT, {"language": "en", "sector": "academia"})], segs)


def test_fixture_offsets():
    c = ja_corpus()
    assert [(s.speaker, s.text[:3]) for s in c.segments] == [("聞き手", "人間の"), ("A氏", "紛争地"), ("A氏", "住民の")]


def assert_traceable(df: pd.DataFrame, corpus: Corpus) -> None:
    """Every row's offsets slice its quote, and its evidence lies inside the unit."""
    assert check_codings(df, corpus).empty
    for row in df.itertuples():
        text = corpus.doc(row.doc_id).text
        assert text[row.start:row.end] == row.quote
        spans = [tuple(map(int, p.split("-"))) for p in row.match_spans.split(";")] if row.match_spans else []
        assert " … ".join(text[a:b] for a, b in spans) == row.match_text
        for a, b in spans:
            assert row.start <= a < b <= row.end
        if spans:
            assert (row.match_start, row.match_end) == spans[0]
        else:
            assert pd.isna(row.match_start) and pd.isna(row.match_end)
        for r in fired_rules(row.rule):
            assert r.split(": ", 1)[0].split("/")[1] == row.code


def test_japanese_sentences_in_turns():
    cb = Codebook("demo", [
        code("protection", ja=["保護 AND NOT 情報", "NEAR(守る, (人々|命), 4)"]),
        code("empowerment", ja=["エンパワ*"]),
        code("complementary", ja=["code:protection AND code:empowerment AND 両方"]),
        code("dignity", ja=["尊厳"]),
        code("understanding", ja=["人間の安全保障 AND 理解"]),
    ])
    corpus = ja_corpus()
    df = apply_codebook(corpus, cb, unit="sentence")
    assert_traceable(df, corpus)
    got = [(r.segment_id, r.code, r.quote) for r in df.itertuples()]
    assert got == [
        (1, "understanding", "人間の安全保障をどう理解していますか。"),
        (2, "protection", "紛争地では人々の命が守られることが第一です。"),
        (3, "protection", "住民の保護と、そのエンパワーメントが両方必要だと思います。"),
        (3, "empowerment", "住民の保護と、そのエンパワーメントが両方必要だと思います。"),
        (3, "complementary", "住民の保護と、そのエンパワーメントが両方必要だと思います。"),
        (3, "dignity", "尊厳も大切です。"),
    ]
    # 個人情報の保護 is not coded: NOT 情報 holds it back
    assert "個人情報の保護とは違います。" not in set(df["quote"])
    row = df[df["code"] == "complementary"].iloc[0]
    assert row["rule"] == "demo/complementary/ja#1: code:protection AND code:empowerment AND 両方"
    assert row["match_text"] == "保護 … エンパワーメント … 両方"  # the referenced codes bring their evidence
    assert df[df["code"] == "protection"].iloc[0]["rule"] == "demo/protection/ja#2: NEAR(守る, (人々|命), 4)"
    assert df[df["code"] == "protection"].iloc[0]["match_text"] == "人々 … 命 … 守ら"


def test_one_row_per_unit_and_code_lists_every_rule_that_fired():
    cb = Codebook("tf", [code("freedoms.fear", en=['"freedom from fear"', "fear | threat", "violen*"], cb="tf")])
    corpus = en_corpus()
    df = apply_codebook(corpus, cb, unit="segment")
    assert_traceable(df, corpus)
    assert df["segment_id"].tolist() == [2, 3]
    assert fired_rules(df.loc[0, "rule"]) == ['tf/freedoms.fear/en#1: "freedom from fear"',
                                              "tf/freedoms.fear/en#2: fear | threat"]
    assert fired_rules(df.loc[1, "rule"]) == ["tf/freedoms.fear/en#2: fear | threat", "tf/freedoms.fear/en#3: violen*"]
    assert df.loc[0, "match_text"] == "Freedom from fear"  # the phrase and the word share one span
    assert df.loc[1, "match_text"] == "fear … violence"


@pytest.mark.parametrize("unit, expected", [
    ("sentence", [(2, "A: It adds dignity."), (3, "A: People live in fear of violence.")]),
    ("segment", [(2, "A: It adds dignity. Freedom from fear and freedom from want are interrelated."),
                 (3, "A: People live in fear of violence.")]),
    ("paragraph", [(2, "A: It adds dignity. Freedom from fear and freedom from want are interrelated."),
                   (3, "A: People live in fear of violence.")]),
    ("document", [(2, EN_TEXT)]),
])
def test_units(unit, expected):
    cb = Codebook("d", [code("x", en=["dignity | NEAR(fear, violence, 3)"])])
    corpus = en_corpus()
    df = apply_codebook(corpus, cb, unit=unit)
    assert_traceable(df, corpus)
    assert list(zip(df["segment_id"], df["quote"])) == expected
    assert df.attrs["unit"] == unit and df.attrs["coder"] == "rules"


def test_unit_counts_and_settings_recorded():
    cb = Codebook("d", [code("x", en=["dignity"])], version="2")
    df = apply_codebook(en_corpus(), cb)
    assert df.attrs["n_units"] == 4  # Q, 'It adds dignity.', the freedoms sentence, the last turn
    assert df.attrs["n_documents"] == 1
    assert df.attrs["codebook"] == "d" and df.attrs["codebook_version"] == "2"


def test_meta_and_speaker_terms():
    corpus = en_corpus()
    cb = Codebook("d", [code("a", en=["dignity AND meta:sector=academia"]),
                        code("b", en=["meta:speaker=Q"]),
                        code("c", en=["dignity AND meta:sector=NGO"])])
    df = apply_codebook(corpus, cb, unit="segment")
    assert_traceable(df, corpus)
    assert list(zip(df["code"], df["segment_id"])) == [("b", 1), ("a", 2)]  # in text order
    assert df.loc[0, "match_text"] == "" and pd.isna(df.loc[0, "match_start"])


def test_unknown_meta_column_is_an_error():
    cb = Codebook("d", [code("a", en=["dignity AND meta:sectr=NGO"])])
    with pytest.raises(RuleSyntaxError, match=r"no document has a metadata column 'sectr' \(columns: .*sector"):
        apply_codebook(en_corpus(), cb)
    # the same codebook (its meta: nodes listed once) against a corpus that has the column
    with_column = Corpus([Document("d", "Dignity first.", {"language": "en", "sectr": "NGO"})])
    assert apply_codebook(with_column, cb)["code"].tolist() == ["a"]
    with pytest.raises(RuleSyntaxError, match="no document has a metadata column 'sectr'"):
        apply_codebook(en_corpus(), cb)


def test_meta_column_check_needs_a_codebook_or_rules():
    from hsqual.apply import check_meta_columns

    with pytest.raises(ArgumentError, match="check_meta_columns: give the compiled codebook or the rules"):
        check_meta_columns(None, en_corpus())


def test_language_per_document_and_override():
    corpus = Corpus([Document("e", "Dignity matters.", {"language": "en"}),
                     Document("j", "尊厳が大切だ。", {"language": "ja"}),
                     Document("f", "La dignité.", {"language": "fr"})])
    cb = Codebook("d", [code("dignity", en=["dignity"], ja=["尊厳"])])
    df = apply_codebook(corpus, cb)
    assert df["doc_id"].tolist() == ["e", "j"]
    assert df.attrs["documents_without_rules"] == ["f"]
    only_en = apply_codebook(corpus, cb, language="en")
    assert only_en["doc_id"].tolist() == ["e"]


def test_machine_rows_never_replace_a_persons():
    corpus = en_corpus()
    cb = Codebook("d", [code("x", en=["dignity"])])
    machine = apply_codebook(corpus, cb)
    human = codings_frame([{"doc_id": "en01", "segment_id": 2, "code": "x", "start": 20, "end": 38,
                            "quote": EN_TEXT[20:38], "coder": "kurusu2015"}])
    both = add_codings(human, machine)
    assert both["coder"].tolist() == ["kurusu2015", "rules"]
    assert both.loc[0, "quote"] == EN_TEXT[20:38]
    with pytest.raises(CodingsError):
        add_codings(machine, human)


def test_argument_checks():
    cb = Codebook("d", [code("x", en=["dignity"])])
    with pytest.raises(OptionError, match=r"\[E102\] apply_codebook: unit='turn' is not one of 'sentence'"):
        apply_codebook(en_corpus(), cb, unit="turn")
    with pytest.raises(ArgumentError, match="coder must be 'rules'"):
        apply_codebook(en_corpus(), cb, coder="kurusu2015")
    with pytest.raises(OptionError, match=r"\[E101\] apply_codebook: corpus must be a Corpus, not 'text' \(str\)"):
        apply_codebook("text", cb)
    with pytest.raises(OptionError, match=r"\[E102\] apply_codebook: language='fr' is not one of 'en', 'ja'"):
        apply_codebook(en_corpus(), cb, language="fr")
    # issue 12: a missing codebook was an AttributeError deep inside; now the argument is named
    with pytest.raises(OptionError, match=r"apply_codebook: codebook must be a Codebook, not None") as err:
        apply_codebook(en_corpus(), None)
    assert err.value.option == "codebook" and isinstance(err.value, ValueError)
    with pytest.raises(OptionError, match=r"\[E104\] apply_codebook: client= has no effect unless engine is 'dask'"):
        apply_codebook(en_corpus(), cb, client=None)
    with pytest.raises(OptionError, match=r"\[E106\] apply_codebook: speakers= and exclude_speakers= cannot be used"):
        apply_codebook(en_corpus(), cb, speakers="A", exclude_speakers="Q")


def test_bad_rule_in_a_hand_built_codebook_is_reported():
    cb = Codebook("d", [code("x", en=["NEAR(fear, violence)"])], path="codebooks/d.yaml")
    with pytest.raises(RuleSyntaxError, match=r"codebooks/d.yaml: code 'x': rule syntax error: expected ','"):
        apply_codebook(en_corpus(), cb)


def test_empty_result_has_the_columns():
    df = apply_codebook(en_corpus(), Codebook("d", [code("x", en=["nothingatall"])]))
    assert df.empty
    assert list(df.columns)[:9] == ["doc_id", "segment_id", "code", "start", "end", "quote", "coder", "rule", "memo"]
    assert {"match_start", "match_end", "match_text", "match_spans"} <= set(df.columns)


def test_bundled_codebooks_on_the_paper_text():
    """The four codebooks on the study's paper: every coding slices back to its text."""
    text = read_text(study_dir("kurusu2015") / "paper.txt")
    corpus = Corpus([Document("paper", text, {"language": "en"})])
    cb = load_codebooks(bundled_codebooks())
    df = apply_codebook(corpus, cb, unit="sentence")
    assert len(df) > 50
    assert_traceable(df, corpus)
    fear = df[df["code"] == "freedoms.fear"]
    assert any("freedom from fear" in q.lower() for q in fear["quote"])
    # every fired rule is one of the code's rules, named by its number
    for row in df.itertuples():
        c = cb[row.code]
        for r in fired_rules(row.rule):
            label, rule_text = r.split(": ", 1)
            n = int(label.rsplit("#", 1)[1])
            assert c.rules["en"][n - 1] == rule_text
            assert label.startswith(f"{c.codebook}/{c.id}/en#")


def test_cli_code_writes_codings_and_a_summary(tmp_path, capsys):
    import argparse

    from hsqual.cli.code import add_parser
    from hsqual.codings import read_codings

    transcript = tmp_path / "int04.txt"
    transcript.write_text("人々は紛争の恐怖の中で暮らしている。\n\n尊厳ある生活が大切だ。\n", encoding="utf-8")
    book = [p for p in bundled_codebooks() if p.name == "three_freedoms.yaml"][0]
    parser = argparse.ArgumentParser(prog="hsqual")
    add_parser(parser.add_subparsers())
    out = tmp_path / "codings.csv"
    args = parser.parse_args(["code", "--codebook", str(book), "--language", "ja", "--unit", "sentence",
                              str(transcript), "-o", str(out)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    df = read_codings(out)
    assert set(df["coder"]) == {"rules"}
    assert "freedoms.dignity" in set(df["code"])
    text = transcript.read_text(encoding="utf-8")
    assert all(text[s:e] == q for s, e, q in zip(df["start"], df["end"], df["quote"]))
    assert printed.startswith("documents: 1   sentences: 2   codings: ")
    assert f"wrote {out}" in printed


def test_bundled_codebooks_on_the_japanese_transcripts():
    """The Japanese transcripts (PDF-extracted essay, manifesto, table): offsets slice back."""
    from hsqual.concordance import kwic
    from hsqual.resources import bundled_path
    from hsqual.transcripts import load_corpus

    corpus = load_corpus(bundled_path("transcripts") / "ja")
    cb = load_codebooks(bundled_codebooks())
    df = apply_codebook(corpus, cb, unit="sentence")
    assert len(df) > 0 and set(df["doc_id"]) <= set(corpus.doc_ids)
    assert_traceable(df, corpus)
    conc = kwic(corpus, "人間の安全保障", window=3)
    assert len(conc) > 0
    for r in conc.itertuples():
        assert corpus.doc(r.doc_id).text[r.start:r.end] == r.keyword
        assert r.keyword.replace("\n", "").replace(" ", "") == "人間の安全保障"


def test_cli_code_never_overwrites_a_persons_codings(tmp_path, capsys):
    from hsqual.cli import main
    from hsqual.codings import read_codings, write_codings

    transcript = tmp_path / "int04.txt"
    transcript.write_text("人々は紛争の恐怖の中で暮らしている。\n\n尊厳ある生活が大切だ。\n", encoding="utf-8")
    book = str([p for p in bundled_codebooks() if p.name == "three_freedoms.yaml"][0])
    human = tmp_path / "codings.csv"
    write_codings(codings_frame([{"doc_id": "int04", "segment_id": 1, "code": "freedoms.dignity", "start": 20,
                                  "end": 22, "quote": "尊厳", "coder": "tanaka"}]), human)
    before = human.read_bytes()
    assert main(["code", "-c", book, "--language", "ja", str(transcript), "-o", str(human)]) == 1
    err = capsys.readouterr().err
    assert human.read_bytes() == before
    assert f"{human}: the output file exists and holds codings of tanaka; refusing to overwrite it" in err
    notes = tmp_path / "notes.csv"
    notes.write_text("my notes\n", encoding="utf-8")
    assert main(["code", "-c", book, "--language", "ja", str(transcript), "-o", str(notes)]) == 1
    assert notes.read_text(encoding="utf-8") == "my notes\n"
    # a previous machine run is replaced
    machine = tmp_path / "rules.csv"
    assert main(["code", "-c", book, "--language", "ja", str(transcript), "-o", str(machine)]) == 0
    assert main(["code", "-c", book, "--language", "ja", str(transcript), "-o", str(machine)]) == 0
    assert set(read_codings(machine)["coder"]) == {"rules"}


# ---------------------------------------------------------------------------------------
# Speakers: leaving the interviewer's questions out
# ---------------------------------------------------------------------------------------

TWO_SPEAKERS = """---
id: int04
language: en
speakers: [Interviewer, Interviewee 4]
---
Interviewer: Does freedom from fear matter to you? And what about dignity?

Interviewee 4: Dignity comes first. People must live in dignity.

Interviewer: Is fear of violence still the main threat?

Interviewee 4: Yes. Freedom from fear is basic.
"""


def two_speakers(tmp_path):
    from hsqual.transcripts import load_corpus

    p = tmp_path / "int04.md"
    p.write_text(TWO_SPEAKERS, encoding="utf-8")
    return load_corpus(p)


def freedoms_codebook():
    return Codebook("tf", [code("freedoms.fear", en=['"freedom from fear"', "NEAR(fear, violence, 3)"], cb="tf"),
                           code("freedoms.dignity", en=["dignity"], cb="tf")])


@pytest.mark.parametrize("unit", ["sentence", "segment", "paragraph"])
def test_excluded_speakers_questions_are_not_coded(tmp_path, unit):
    corpus = two_speakers(tmp_path)
    cb = freedoms_codebook()
    everyone = apply_codebook(corpus, cb, unit=unit)
    text = corpus.doc("int04").text
    asked = [s for s in corpus.segments if s.speaker == "Interviewer"]
    assert {s.segment_id for s in asked} == {1, 3}
    assert {1, 3} <= set(everyone["segment_id"])  # the questions hold code words
    df = apply_codebook(corpus, cb, unit=unit, exclude_speakers=["Interviewer"])
    assert_traceable(df, corpus)
    assert set(df["segment_id"]) == {2, 4}
    assert df.equals(everyone[everyone["segment_id"].isin([2, 4])].reset_index(drop=True))
    assert all(text[s:e] == q for s, e, q in zip(df["start"], df["end"], df["quote"]))
    assert df.attrs["exclude_speakers"] == ["Interviewer"] and df.attrs["speakers"] is None
    assert df.attrs["n_units"] + df.attrs["n_units_left_out"] == everyone.attrs["n_units"]
    only = apply_codebook(corpus, cb, unit=unit, speakers="interviewee 4")  # case does not matter
    assert only.equals(df)
    assert only.attrs["speakers"] == ["interviewee 4"] and only.attrs["exclude_speakers"] is None


def test_sentence_units_in_answers_only(tmp_path):
    corpus = two_speakers(tmp_path)
    df = apply_codebook(corpus, freedoms_codebook(), exclude_speakers="Interviewer")
    assert list(zip(df["segment_id"], df["code"], df["quote"])) == [
        (2, "freedoms.dignity", "Dignity comes first."),
        (2, "freedoms.dignity", "People must live in dignity."),
        (4, "freedoms.fear", "Freedom from fear is basic."),
    ]
    assert df.attrs["n_units"] == 4 and df.attrs["n_units_left_out"] == 3


def test_speaker_options_are_checked(tmp_path):
    corpus = two_speakers(tmp_path)
    cb = freedoms_codebook()
    with pytest.raises(OptionError, match=r"\[E106\] apply_codebook: speakers= and exclude_speakers= cannot be used "
                                          r"together \(speakers are the turns to code, exclude_speakers the turns"):
        apply_codebook(corpus, cb, speakers=["Interviewee 4"], exclude_speakers=["Interviewer"])
    with pytest.raises(ValueError, match=r"exclude_speakers: no segment of the corpus has the speaker 'Interviwer' "
                                         r"\(speakers in the corpus: 'Interviewer', 'Interviewee 4'\)"):
        apply_codebook(corpus, cb, exclude_speakers=["Interviwer"])
    with pytest.raises(ValueError, match="unit='document' codes each document as a whole"):
        apply_codebook(corpus, cb, unit="document", exclude_speakers=["Interviewer"])
    with pytest.raises(ValueError, match="must name at least one speaker"):
        apply_codebook(corpus, cb, speakers=[])
    with pytest.raises(OptionError, match=r"\[E101\] apply_codebook: speakers must be a speaker's name or a list of names"):
        apply_codebook(corpus, cb, speakers=4)


def test_cli_code_exclude_speaker(tmp_path, capsys):
    from hsqual.cli import main
    from hsqual.codings import read_codings

    two_speakers(tmp_path)
    book = [p for p in bundled_codebooks() if p.name == "three_freedoms.yaml"][0]
    out = tmp_path / "rules.csv"
    assert main(["code", "-c", str(book), str(tmp_path / "int04.md"), "-o", str(out)]) == 0
    everyone = read_codings(out)
    assert 1 in set(everyone["segment_id"])
    capsys.readouterr()
    assert main(["code", "-c", str(book), "--exclude-speaker", "Interviewer", str(tmp_path / "int04.md"),
                 "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    df = read_codings(out)
    assert len(df) and not ({1, 3} & set(df["segment_id"]))
    assert "sentences left out (turns of Interviewer): 3" in printed
    text = (tmp_path / "int04.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert all(text[s:e] == q for s, e, q in zip(df["start"], df["end"], df["quote"]))
    assert main(["code", "-c", str(book), "--speaker", "Interviewr", str(tmp_path / "int04.md"),
                 "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith("hsqual code: error: --speaker: no segment of the corpus has the "
                                              "speaker 'Interviewr'")
    with pytest.raises(SystemExit):
        main(["code", "-c", str(book), "--speaker", "A", "--exclude-speaker", "B", str(tmp_path / "int04.md"),
              "-o", str(out)])


# ---------------------------------------------------------------------------------------
# Documents matched together (one batch over one index) give what each gives alone. What the
# rules mean is held to an independent reference in tests/test_rules_differential.py.
# ---------------------------------------------------------------------------------------


def _rows(df):
    return list(zip(df["doc_id"], df["start"], df["end"], df["code"], df["rule"], df["match_spans"]))


def test_documents_matched_together_match_as_each_alone():
    """Regexes (normalised text, empty matches at a document's end), metadata, speakers,
    code: references and sentence-bound NEAR at the seams between documents."""
    texts = ["ﾞｶﾞｲﾄﾞ保護ＡＢＣ", "ABC保護。\nＡＢＣ", "紛争と人々。保護の話", "ﾟ人々の保護…ＡＢＣ", "", "保護"]
    docs = [Document(f"s{i}", t, {"language": "ja", "sector": ["NGO", "government;NGO", "academia"][i % 3]})
            for i, t in enumerate(texts)]
    segs = []
    for d in docs:
        if d.text:
            segs.append(Segment(d.doc_id, 1, 0, len(d.text), d.text, ["Q", "A"][len(d.text) % 2], "turn"))
    corpus = Corpus(docs, segs)
    rules = ["/ABC/", "/ABC$/", "/^ABC/", "/C$/", "/ガイド/", "/\\.\\.\\./", "/保護/ >= 1", "/人々の/",
             "保護 AND meta:sector=NGO", "保護 AND meta:speaker=A", "NOT meta:sector=academia",
             "NEAR(人々, 保護, 3, sentence)", "SEQ(ABC, 保護, 2)", "code:c.c0 AND 保護", "code:c.c8 OR /ﾟ/",
             "保護 == 1", "NOT 保護", "ABC"]
    cb = Codebook("c", [code(f"c.c{i}", ja=(r,), cb="c") for i, r in enumerate(rules)])
    for unit in ("sentence", "segment", "document"):
        together = _rows(apply_codebook(corpus, cb, unit=unit))
        alone = []
        for d in docs:
            alone += _rows(apply_codebook(Corpus([d], [s for s in segs if s.doc_id == d.doc_id]), cb, unit=unit))
        assert len({r[3] for r in alone}) >= 12
        assert together == alone


def test_exclude_the_interviewer_in_either_language(tmp_path):
    from hsqual.transcripts import load_corpus

    (tmp_path / "int04.md").write_text(TWO_SPEAKERS, encoding="utf-8")
    (tmp_path / "int05.md").write_text("---\nid: int05\nlanguage: ja\n---\n聞き手：恐怖からの自由とは何ですか。\n\n"
                                       "B氏：紛争地では暴力への恐怖が続く。\n", encoding="utf-8")
    (tmp_path / "int06.md").write_text("---\nid: int06\nlanguage: en\n---\nQ: And dignity?\n\nA: Dignity first.\n",
                                       encoding="utf-8")
    corpus = load_corpus(tmp_path)
    cb = load_codebooks(bundled_codebooks())
    everyone = apply_codebook(corpus, cb, unit="sentence")
    df = apply_codebook(corpus, cb, unit="sentence", exclude_speakers="interviewer")
    speakers = {(s.doc_id, s.segment_id): s.speaker for s in corpus.segments}
    left = {speakers[k] for k in zip(df["doc_id"], df["segment_id"])}
    assert left and not {"Interviewer", "聞き手", "Q"} & left
    assert {"Interviewer", "聞き手"} <= {speakers[k] for k in zip(everyone["doc_id"], everyone["segment_id"])}
    assert sorted(df.attrs["exclude_speakers"]) == ["Interviewer", "Q", "聞き手"]
    # several names, one absent from the corpus: ignored with a warning, the others still left out
    with pytest.warns(UserWarning, match=r"'質問者'.* ignored"):
        df2 = apply_codebook(corpus, cb, unit="sentence", exclude_speakers=["Interviewer", "聞き手", "Q", "質問者"])
    assert df2[["doc_id", "start", "code"]].values.tolist() == df[["doc_id", "start", "code"]].values.tolist()
    # a corpus without any interviewer label says so and codes everything
    only = corpus.subset(["int04"]).with_segments([s for s in corpus.segments if s.doc_id == "int04"
                                                    and s.speaker != "Interviewer"])
    with pytest.warns(UserWarning, match="no segment has an interviewer's label"):
        apply_codebook(only, cb, unit="sentence", exclude_speakers="interviewer")


def test_cli_exclude_interviewer(tmp_path, capsys):
    from hsqual.cli import main
    from hsqual.codings import read_codings

    two_speakers(tmp_path)
    out = tmp_path / "rules.csv"
    book = [p for p in bundled_codebooks() if p.name == "three_freedoms.yaml"][0]
    assert main(["code", "-c", str(book), str(tmp_path / "int04.md"), "-o", str(out)]) == 0
    assert ("note: the turns of Interviewer (interviewer labels) were coded too; leave them out with "
            "--exclude-interviewer") in capsys.readouterr().out
    assert main(["code", "-c", str(book), "--exclude-interviewer", str(tmp_path / "int04.md"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "sentences left out (turns of Interviewer): 3" in printed and "note:" not in printed
    assert not ({1, 3} & set(read_codings(out)["segment_id"]))
    assert main(["code", "-c", str(book), "--unit", "document", str(tmp_path / "int04.md"), "-o", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("documents: 1   codings: ") and first.count("documents") == 1


def test_codings_carry_the_speaker_and_the_sentence_id(tmp_path):
    from hsqual.codings import fill_speakers, read_codings, write_codings
    from hsqual.transcripts import load_corpus

    corpus = two_speakers(tmp_path)
    df = apply_codebook(corpus, freedoms_codebook(), unit="sentence")
    turns = {s.segment_id: s for s in corpus.segments}
    assert df["speaker"].tolist() == [turns[i].speaker for i in df["segment_id"]]
    assert set(df["speaker"]) == {"Interviewer", "Interviewee 4"}
    # unit_id names the sentence: segment 2 "Dignity comes first. People must live in dignity." has two
    dignity = df[(df["segment_id"] == 2) & (df["code"] == "freedoms.dignity")]
    assert dignity["unit_id"].tolist() == ["2.1", "2.2"]
    assert dignity["quote"].tolist() == ["Dignity comes first.", "People must live in dignity."]
    assert apply_codebook(corpus, freedoms_codebook(), unit="segment")["unit_id"].tolist()[:1] == ["1"]
    # a file written before the column existed reads with it empty; fill_speakers fills it
    old = tmp_path / "old.csv"
    df.drop(columns=["speaker", "unit_id"]).iloc[:, :9].to_csv(old, index=False)
    back = read_codings(old)
    assert list(back.columns) == list(df.columns[:10]) and set(back["speaker"]) == {""}
    assert fill_speakers(back, corpus)["speaker"].tolist() == df["speaker"].tolist()
    assert read_codings(write_codings(df, tmp_path / "new.csv"))["speaker"].tolist() == df["speaker"].tolist()
    # joined to a corpus cut into sentences, the turn ids point at the wrong rows: check_codings says so
    sentences = load_corpus(tmp_path / "int04.md", unit="sentence")
    problems = check_codings(df, sentences)
    assert "outside its segment" in set(problems["problem"])
    assert check_codings(df, corpus).empty


def _spans_of(cell):
    """The (start, end) pairs of a ``match_spans`` cell ("0-3;5-7")."""
    return [tuple(map(int, part.split("-"))) for part in cell.split(";") if part]


@pytest.mark.parametrize("variant", ["テ\u3099ータを保護する。", "テ゛ータを保護する。", "ﾃﾞｰﾀを保護する。"])
def test_decomposed_text_is_coded_like_composed_text(variant):
    cb = Codebook("c", [code("c.data", ja=("データ AND 保護",), cb="c"), code("c.rx", ja=("/データ/",), cb="c")])

    def coded(text):
        doc = Document("d", text, {"language": "ja"})
        df = apply_codebook(Corpus([doc], [Segment("d", 1, 0, len(text), text, "A", "turn")]), cb, unit="sentence")
        return [(c, [text[a:b] for a, b in _spans_of(cell)]) for c, cell in zip(df["code"], df["match_spans"])]

    assert [c for c, _ in coded(variant)] == [c for c, _ in coded("データを保護する。")] == ["c.data", "c.rx"]
    head = variant[:variant.index("を")]
    assert coded(variant) == [("c.data", [head, "保護"]), ("c.rx", [head])]


def test_evidence_stays_in_a_unit_that_starts_with_a_lone_voiced_mark():
    """ﾞ at the start of a sentence combines with the last character of the sentence before
    when the text is normalised for regexes; its evidence must still lie in its own sentence."""
    text = "前の文です。ﾞデータの保護。"
    doc = Document("d", text, {"language": "ja"})
    corpus = Corpus([doc], [Segment("d", 1, 0, len(text), text, "A", "turn")])
    cb = Codebook("c", [code("c.all", ja=("/^.*保護/",), cb="c"), code("c.mark", ja=("/^.ﾞ?/",), cb="c")])
    df = apply_codebook(corpus, cb, unit="sentence")
    second = df[df["start"] == text.index("ﾞ")]
    assert sorted(second["code"]) == ["c.all", "c.mark"]
    for start, end, cell in zip(second["start"], second["end"], second["match_spans"]):
        spans = _spans_of(cell)
        assert spans and all(start <= a <= b <= end for a, b in spans)
    assert second.set_index("code").loc["c.all", "match_spans"] == "6-13"
