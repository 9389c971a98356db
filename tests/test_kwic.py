"""KWIC: one row per match, left/right cut from the original text."""

from __future__ import annotations

import re

import pytest

from hsqual.codebook import Code, Codebook
from hsqual.corpus import Corpus, Document, Segment
from hsqual.errors import ArgumentError, OptionError, RuleSyntaxError
from hsqual.concordance import KWIC_COLUMNS, kwic

EN = "Freedom from fear matters. People fear violence, and fear of war. Dignity too."
JA = "人間の安全保障は、人々の命が守られることだ。\n生物多様性も守るべきだ。"


def corpus():
    docs = [Document("en01", EN, {"language": "en"}), Document("ja01", JA, {"language": "ja"})]
    cut = JA.index("\n")
    segs = [Segment("en01", 1, 0, len(EN), EN, None, "document"),
            Segment("ja01", 1, 0, cut, JA[:cut], "A", "paragraph"),
            Segment("ja01", 2, cut + 1, len(JA), JA[cut + 1:], "A", "paragraph")]
    return Corpus(docs, segs)


def assert_rows_slice(df, c):
    for r in df.itertuples():
        text = c.doc(r.doc_id).text
        assert text[r.start:r.end] == r.keyword
        assert text[r.start - len(r.left):r.start] == r.left
        assert text[r.end:r.end + len(r.right)] == r.right


def test_one_row_per_match_with_token_windows():
    c = corpus()
    df = kwic(c, "fear", window=2)
    assert list(df.columns) == KWIC_COLUMNS
    assert_rows_slice(df, c)
    assert df[["start", "left", "keyword", "right"]].values.tolist() == [
        [13, "Freedom from ", "fear", " matters. People"],
        [34, "matters. People ", "fear", " violence, and"],  # punctuation rides along, words are counted
        [53, "violence, and ", "fear", " of war"],
    ]


def test_window_chars():
    c = corpus()
    df = kwic(c, "dignity", window_chars=6)
    assert df[["left", "keyword", "right"]].values.tolist() == [[" war. ", "Dignity", " too."]]
    assert df.loc[0, "left"] == EN[df.loc[0, "start"] - 6:df.loc[0, "start"]]
    assert df.loc[0, "right"] == " too."  # the text ends before 6 characters
    assert df.attrs["window_chars"] == 6 and df.attrs["window"] is None


def test_japanese_lemma_and_compound():
    c = corpus()
    df = kwic(c, "守る", window=2)
    assert_rows_slice(df, c)
    assert df[["doc_id", "segment_id", "keyword"]].values.tolist() == [["ja01", 1, "守ら"], ["ja01", 2, "守る"]]
    assert df.loc[0, "left"] == "命が" and df.loc[0, "right"] == "れること"
    comp = kwic(c, "生物多様性", window=1)
    assert comp[["segment_id", "keyword", "right"]].values.tolist() == [[2, "生物多様性", "も"]]


def test_expression_rows_are_its_words_within_a_sentence():
    c = corpus()
    df = kwic(c, "NEAR(fear, violence, 1) AND NOT dignity", window=1)
    assert_rows_slice(df, c)
    assert df["keyword"].tolist() == ["fear", "violence"]  # 'violence, and fear' is 2 words apart
    assert kwic(c, "NEAR(fear, violence, 2)")["keyword"].tolist() == ["fear", "violence", "fear"]
    assert kwic(c, "NEAR(fear, dignity, 3)").empty  # not within one sentence
    doc = kwic(c, "NEAR(fear, dignity, 3)", unit="document")  # 'fear of war. Dignity': 3 words apart
    assert doc[["start", "keyword"]].values.tolist() == [[53, "fear"], [66, "Dignity"]]


def test_code_rows_carry_code_and_rule():
    cb = Codebook("tf", [
        Code(id="freedoms.fear", label={"en": "Fear"}, codebook="tf",
             rules={"en": ('"freedom from fear"', "fear AND violen*"), "ja": ("命",)}),
        Code(id="other", label={"en": "Other"}, codebook="tf", rules={"en": ("code:freedoms.fear AND war",)}),
    ])
    c = corpus()
    df = kwic(c, "freedoms.fear", codebook=cb, window=1)
    assert list(df.columns) == KWIC_COLUMNS + ["code", "rule"]
    assert_rows_slice(df, c)
    assert df[["keyword", "rule"]].values.tolist() == [
        ["Freedom from fear", 'tf/freedoms.fear/en#1: "freedom from fear"'],
        ["fear", "tf/freedoms.fear/en#2: fear AND violen*"],
        ["violence", "tf/freedoms.fear/en#2: fear AND violen*"],
        ["fear", "tf/freedoms.fear/en#2: fear AND violen*"],
        ["命", "tf/freedoms.fear/ja#1: 命"],
    ]
    assert set(df["code"]) == {"freedoms.fear"}
    # a code that depends on another: its evidence comes along
    other = kwic(c, "other", codebook=cb, window=1)
    assert other["keyword"].tolist() == ["fear", "violence", "fear", "war"]
    # a pattern may refer to codes of the codebook
    pat = kwic(c, "code:freedoms.fear AND war", codebook=cb)
    assert pat["keyword"].tolist() == ["fear", "violence", "fear", "war"]


def test_bad_pattern_and_arguments():
    with pytest.raises(RuleSyntaxError, match=re.escape("expected ')' to close NEAR(")):
        kwic(corpus(), "NEAR(fear, war, 3")
    with pytest.raises(OptionError, match=r"\[E103\] kwic: window must be >= 0, not -1"):
        kwic(corpus(), "fear", window=-1)
    with pytest.raises(OptionError, match=r"\[E103\] kwic: window_chars must be >= 0, not -1"):
        kwic(corpus(), "fear", window_chars=-1)
    with pytest.raises(ArgumentError, match="pattern_or_code must be a rule"):
        kwic(corpus(), "  ")
    with pytest.raises(OptionError, match=r"\[E101\] kwic: pattern_or_code must be a string, not None"):
        kwic(corpus(), None)


def test_window_and_window_chars_are_refused_together():
    """Issue 12: kwic ignored window when window_chars was given; the call is refused instead."""
    with pytest.raises(OptionError, match=r"\[E106\] kwic: window_chars= and window= cannot be used together") as err:
        kwic(corpus(), "fear", window=3, window_chars=20)
    assert err.value.option == "window_chars"
    assert kwic(corpus(), "fear", window_chars=20).attrs["window_chars"] == 20


def test_unknown_meta_column_in_a_pattern():
    with pytest.raises(RuleSyntaxError, match="no document has a metadata column 'sectr'"):
        kwic(corpus(), "fear AND meta:sectr=NGO")


def test_a_mistyped_code_id_is_an_error_not_an_empty_concordance():
    cb = Codebook("tf", [Code(id="freedoms.dignity", label={"en": "Dignity"}, rules={"en": ("dignity",)},
                              codebook="tf")])
    with pytest.raises(ValueError, match=re.escape("kwic: 'freedoms.dignty' is not a code of codebook 'tf'; "
                                                   "did you mean 'freedoms.dignity'?")):
        kwic(corpus(), "freedoms.dignty", codebook=cb)


INTERVIEW = ("Interviewer: Is freedom from fear still the main thing?\n\n"
             "Respondent: Fear of violence is real. Fear shapes daily life.\n\n"
             "Interviewer: And want?\n\nRespondent: Want follows fear.")


def interview():
    from hsqual.segment import segment_corpus

    return segment_corpus(Corpus([Document("int01", INTERVIEW, {"language": "en"})]), "turn")


def test_a_code_id_without_codebook_uses_the_bundled_codebooks():
    from hsqual.codebook import load_codebooks
    from hsqual.resources import bundled_codebooks

    c = interview()
    found = kwic(c, "freedoms.fear")
    assert len(found) and set(found["code"]) == {"freedoms.fear"}
    same = kwic(c, "freedoms.fear", codebook=load_codebooks(bundled_codebooks()))
    assert found[["start", "end", "rule"]].values.tolist() == same[["start", "end", "rule"]].values.tolist()
    with pytest.raises(ValueError, match=r"no bundled codebook has it; did you mean 'freedoms.fear'"):
        kwic(c, "freedoms.fearr")


def test_contexts_stop_at_the_turn_and_speakers_filter():
    c = interview()
    df = kwic(c, "fear", window=8)
    assert_rows_slice(df, c)
    for r in df.itertuples():
        seg = [s for s in c.segments if s.segment_id == r.segment_id][0]
        assert seg.start <= r.start - len(r.left) and r.end + len(r.right) <= seg.end
        assert "Respondent" not in r.left + r.right and "Interviewer" not in r.left + r.right
        assert "\n" not in r.left + r.right
    assert set(df["speaker"]) == {"Interviewer", "Respondent"}
    first = df.iloc[0]
    assert (first["left"], first["keyword"]) == ("Is freedom from ", "fear")
    answers = kwic(c, "fear", exclude_speakers="interviewer")
    assert set(answers["speaker"]) == {"Respondent"} and len(answers) == len(df) - 1
    assert kwic(c, "fear", speakers="Interviewer")["start"].tolist() == [first["start"]]
    chars = kwic(c, "want", window_chars=40)
    assert chars.iloc[0]["left"] == "And " and chars.iloc[1]["right"] == " follows fear."
