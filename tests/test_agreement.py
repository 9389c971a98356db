"""Tests of inter-coder agreement against published worked examples and independent formulas."""

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from hsqual.reliability import agreement, brennan_prediger, cohen_kappa, krippendorff_alpha
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document, Segment

KRIPPENDORFF_2011 = [  # "Computing Krippendorff's Alpha-Reliability" (2011), 4 observers x 12 units
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _codings(coder, rows):
    return codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": 0, "end": 1, "quote": "x",
                           "coder": coder} for d, s, c in rows])


def test_cohen_kappa_wikipedia_example():
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po = .7, pe = .5*.6 + .5*.4 = .5
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)
    assert brennan_prediger(20, 5, 10, 15) == pytest.approx(0.4)   # (0.7 - 0.5) / 0.5


def test_kappa_is_not_the_product_form():
    # a product of the two chance terms would give pe = (.5*.6)*(.5*.4) = .06 and kappa = .68
    assert cohen_kappa(20, 5, 10, 15) != pytest.approx((0.7 - 0.06) / 0.94)


def test_agreement_reproduces_the_worked_example_through_codings():
    # 50 documents; coder A says yes to the first 25, coder B to documents 0-19 and 25-34
    a = _codings("A", [(f"D{i:02d}", 1, "freedoms.fear") for i in range(25)])
    b = _codings("B", [(f"D{i:02d}", 1, "freedoms.fear") for i in [*range(20), *range(25, 35)]])
    corpus = Corpus([Document(f"D{i:02d}", "x") for i in range(50)])
    r = agreement(a, b, unit="document", corpus=corpus).iloc[0]
    assert (r["both"], r["only_a"], r["only_b"], r["neither"]) == (20, 5, 10, 15)
    assert r["percent_agreement"] == pytest.approx(70.0)
    assert r["kappa"] == pytest.approx(0.4)
    assert r["kappa_bp"] == pytest.approx(0.4)
    ya = [1 if i < 25 else 0 for i in range(50)]
    yb = [1 if i < 20 or 25 <= i < 35 else 0 for i in range(50)]
    assert r["kappa"] == pytest.approx(cohen_kappa_score(ya, yb))
    assert r["alpha"] == pytest.approx(krippendorff_alpha([ya, yb]))


@pytest.mark.parametrize("level, expected", [("nominal", 0.743), ("ordinal", 0.815),
                                             ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_example(level, expected):
    assert krippendorff_alpha(KRIPPENDORFF_2011, level=level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_alpha_two_coders_small_sample_by_hand():
    # 2 coders, 4 units: (1,1), (1,0), (0,0), (0,0); coincidences o11=2, o10=o01=1, o00=4; n=8, n1=3, n0=5
    # alpha = 1 - (n - 1) * (o10 + o01) / (2 n0 n1) = 1 - 7 * 2 / 30
    assert krippendorff_alpha([[1, 1, 0, 0], [1, 0, 0, 0]]) == pytest.approx(1 - 14 / 30)
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1]]))
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff_alpha([[1, 2, 3]])


def test_unit_coded_by_one_coder_is_a_disagreement_and_corpus_defines_absence():
    a = _codings("A", [("E1", 1, "protection"), ("E2", 1, "protection"), ("E2", 1, "empowerment")])
    b = _codings("B", [("E1", 1, "protection"), ("E2", 1, "empowerment")])
    no_corpus = agreement(a, b, unit="segment").set_index("code")
    assert no_corpus.loc["protection", ["both", "only_a", "only_b", "neither"]].tolist() == [1, 1, 0, 0]
    assert no_corpus.loc["empowerment", ["both", "only_a", "only_b", "neither"]].tolist() == [1, 0, 0, 1]
    assert no_corpus.attrs["units_defined_by"] == "codings"
    corpus = Corpus([Document(f"E{i}", "text") for i in range(1, 5)])
    with_corpus = agreement(a, b, unit="segment", corpus=corpus).set_index("code")
    assert with_corpus.loc["protection", "neither"] == 2  # E3, E4 uncoded: agreement on absence
    pooled = with_corpus[with_corpus["level"] == "all"].iloc[0]
    assert pooled["n_units"] == 8 and pooled["both"] == 2 and pooled["only_a"] == 1


def test_kappa_undefined_is_nan_with_a_note():
    a = _codings("A", [("E1", 1, "protection"), ("E2", 1, "protection")])
    b = _codings("B", [("E1", 1, "protection"), ("E2", 1, "protection")])
    r = agreement(a, b, unit="document").iloc[0]
    assert r["percent_agreement"] == 100 and math.isnan(r["kappa"]) and math.isnan(r["alpha"])
    assert r["kappa_bp"] == 1.0
    assert r["note"] == "kappa undefined: both coders applied the code to every unit (chance agreement 1)"


def test_character_level_like_nvivo():
    text = "Freedom from fear and freedom from want are interrelated."
    corpus = Corpus([Document("E1", text), Document("E2", "x" * 43)])
    a = codings_frame([
        {"doc_id": "E1", "segment_id": 1, "code": "freedoms.interrelated", "start": 0, "end": 57,
         "quote": text, "coder": "A"},
        {"doc_id": "E1", "segment_id": 1, "code": "freedoms.fear", "start": 0, "end": 17,
         "quote": text[0:17], "coder": "A"},
        {"doc_id": "E1", "segment_id": 1, "code": "freedoms.fear", "start": 5, "end": 12,   # overlaps: once
         "quote": text[5:12], "coder": "A"}])
    b = codings_frame([
        {"doc_id": "E1", "segment_id": 1, "code": "freedoms.fear", "start": 8, "end": 21,
         "quote": text[8:21], "coder": "B"}])
    res = agreement(a, b, unit="character", corpus=corpus).set_index("code")
    fear = res.loc["freedoms.fear"]
    assert fear["n_units"] == 100
    assert (fear["both"], fear["only_a"], fear["only_b"], fear["neither"]) == (9, 8, 4, 79)
    inter = res.loc["freedoms.interrelated"]
    assert (inter["both"], inter["only_a"], inter["only_b"]) == (0, 57, 0)
    ya = np.zeros(100, int); ya[0:17] = 1
    yb = np.zeros(100, int); yb[8:21] = 1
    assert fear["kappa"] == pytest.approx(cohen_kappa_score(ya, yb))
    with pytest.raises(ValueError, match="needs corpus"):
        agreement(a, b, unit="character")


def test_codes_restrict_the_comparison():
    a = _codings("A", [("E1", 1, "protection"), ("E1", 1, "risk.social")])
    b = _codings("B", [("E1", 1, "protection")])
    res = agreement(a, b, unit="document", codes=["protection"])
    assert res["code"].tolist() == ["protection", None]
    assert res["level"].tolist() == ["code", "all"] and res["unit"].tolist() == ["document", "document"]


def test_one_code_given_as_a_string_and_codes_no_one_used():
    a = _codings("kurusu2015", [("E1", 1, "freedoms.dignity"), ("E2", 1, "freedoms.fear")])
    b = _codings("second", [("E1", 1, "freedoms.dignity"), ("E2", 1, "freedoms.dignity")])
    one = agreement(a, b, codes="freedoms.dignity")
    assert one["code"].tolist() == ["freedoms.dignity", None]
    assert one.iloc[0][["both", "only_a", "only_b", "neither"]].tolist() == [1, 0, 1, 0]
    # a code neither coder used (a typo, say) and empty tables give rows of zeros, not an IndexError
    none = agreement(a, b, codes=["freedoms.dignty"])
    assert none.iloc[0][["n_units", "both", "only_a", "only_b", "neither"]].tolist() == [0, 0, 0, 0, 0]
    empty = agreement(codings_frame(), codings_frame())
    assert empty["code"].tolist() == [None] and empty["level"].tolist() == ["all"]


# --- different material; sentence units ----------------------------------------------------

import warnings  # noqa: E402


def test_codings_of_different_documents_warn_and_say_so():
    excerpts = _codings("kurusu2015", [("E01", 1, "protection"), ("E02", 1, "empowerment")])
    other_texts = _codings("rules", [("manifesto", 1, "protection"), ("essay", 1, "empowerment")])
    with pytest.warns(UserWarning, match="share no document"):
        res = agreement(excerpts, other_texts, unit="document")
    assert any("share no document" in n for n in res.attrs["notes"])
    assert (res.attrs["n_documents_a"], res.attrs["n_documents_b"], res.attrs["n_documents_shared"]) == (2, 2, 0)


def test_little_overlap_warns_on_either_side():
    a = _codings("A", [(f"E{i}", 1, "protection") for i in range(1, 6)])            # E1..E5
    b = _codings("B", [("E1", 1, "protection"), ("E2", 1, "protection")])             # 2 of a's 5
    with pytest.warns(UserWarning, match=r"share only 2 document\(s\) \(coder a coded 5, coder b 2\)"):
        agreement(a, b, unit="document")
    with pytest.warns(UserWarning, match="share only 2"):
        agreement(b, a, unit="document")
    half = _codings("B", [("E1", 1, "protection"), ("E2", 1, "protection"), ("E3", 1, "empowerment")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # 3 of 5 and 3 of 3 shared: no warning
        res = agreement(a, half, unit="document")
    assert not any("share" in n for n in res.attrs["notes"])


def test_sentence_units_count_every_sentence():
    text = "Q: What matters?\nA: We protect people. We empower them. Both matter."
    i = text.index("\n")
    corpus = Corpus([Document("int04", text, {"language": "en"})],
                    [Segment("int04", 1, 0, i, text[:i], "Q", "turn"),
                     Segment("int04", 2, i + 1, len(text), text[i + 1:], "A", "turn")])

    def on(coder, words, code="protection"):
        s = text.index(words)
        return {"doc_id": "int04", "segment_id": 2, "code": code, "start": s, "end": s + len(words),
                "quote": words, "coder": coder}

    # sentences: "Q: What matters?" | "A: We protect people." | "We empower them." | "Both matter."
    a = codings_frame([on("A", "protect people. We empower")])          # sentences 2 and 3
    b = codings_frame([on("B", "We empower them")])                     # sentence 3
    r = agreement(a, b, unit="sentence", corpus=corpus).iloc[0]
    assert [int(r[c]) for c in ("n_units", "both", "only_a", "only_b", "neither")] == [4, 1, 1, 0, 2]
    assert r["kappa"] == pytest.approx(cohen_kappa_score([0, 1, 1, 0], [0, 0, 1, 0]))
    with pytest.raises(ValueError, match="unit='sentence' needs corpus="):
        agreement(a, b, unit="sentence")
    with pytest.raises(ValueError, match="'segment', 'document', 'sentence', 'paragraph', 'character'"):
        agreement(a, b, unit="span")
