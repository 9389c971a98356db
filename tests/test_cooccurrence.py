"""Tests of code co-occurrence: counts, measures, units, tests and corrections."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.cooccur import adjust_pvalues, cooccurrence, pair_measure, to_matrix
from hsqual.corpus import Corpus, Document, Segment


def _codings(rows):
    """rows: (doc_id, segment_id, code, start, end)."""
    return codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": a, "end": b,
                           "quote": "", "coder": "kurusu2015"} for d, s, c, a, b in rows])


# A in D1-D4, B in D3-D5, C in D8; D6, D7 coded with something else: N = 8 documents
DOC_CODES = {"D1": ["A"], "D2": ["A"], "D3": ["A", "B"], "D4": ["A", "B"], "D5": ["B"],
             "D6": ["Z"], "D7": ["Z"], "D8": ["C"]}


@pytest.fixture
def small():
    return _codings([(d, 1, c, 0, 1) for d, cs in DOC_CODES.items() for c in cs])


def _row(long, a, b):
    r = long[(long["code_a"] == a) & (long["code_b"] == b)]
    assert len(r) == 1
    return r.iloc[0]


@pytest.mark.parametrize("measure, expected", [
    ("count", 2), ("jaccard", 0.4), ("dice", 4 / 7), ("cosine", 2 / math.sqrt(12)),
    ("lift", 4 / 3), ("pmi", math.log2(4 / 3)),
])
def test_measures_by_hand(small, measure, expected):
    r = _row(cooccurrence(small, unit="document", measure=measure), "A", "B")
    assert (r["n_a"], r["n_b"], r["n_ab"], r["n_units"]) == (4, 3, 2, 8)
    assert r[measure] == pytest.approx(expected)


def test_measures_from_sets_agree_with_the_matrix():
    rng = np.random.default_rng(7)
    rows = [(f"D{d}", 1, f"c{c}", 0, 1) for d in range(40) for c in range(6) if rng.random() < 0.35]
    codings = _codings(rows)
    sets = {c: set(g["doc_id"]) for c, g in codings.groupby("code")}
    N = codings["doc_id"].nunique()
    for measure in ("jaccard", "dice", "cosine", "lift", "pmi"):
        long = cooccurrence(codings, unit="document", measure=measure)
        for _, r in long.iterrows():
            A, B = sets[r["code_a"]], sets[r["code_b"]]
            both = len(A & B)
            expected = {
                "jaccard": both / len(A | B),
                "dice": 2 * both / (len(A) + len(B)),
                "cosine": both / math.sqrt(len(A) * len(B)),
                "lift": both * N / (len(A) * len(B)),
                "pmi": math.log2(both * N / (len(A) * len(B))) if both else -math.inf,
            }[measure]
            assert r[measure] == pytest.approx(expected), (measure, r["code_a"], r["code_b"])


def test_conditional_is_directed(small):
    long = cooccurrence(small, unit="document", measure="conditional")
    assert _row(long, "A", "B")["conditional"] == pytest.approx(0.5)      # P(B|A) = 2/4
    assert _row(long, "B", "A")["conditional"] == pytest.approx(2 / 3)    # P(A|B) = 2/3
    mat = to_matrix(long)
    assert mat.loc["A", "B"] == pytest.approx(0.5) and mat.loc["B", "A"] == pytest.approx(2 / 3)


def test_matrix_form(small):
    counts = cooccurrence(small, unit="document", measure="count")
    assert isinstance(counts, pd.DataFrame) and {"code_a", "code_b"} <= set(counts.columns)
    assert set(counts["unit"]) == {"document"} and set(counts["measure"]) == {"count"}
    mat = to_matrix(counts)
    assert list(mat.index) == ["A", "B", "C", "Z"]
    assert mat.loc["A", "A"] == 4 and mat.loc["A", "B"] == mat.loc["B", "A"] == 2
    assert mat.dtypes.eq("int64").all()
    jac = to_matrix(cooccurrence(small, unit="document", measure="jaccard"))
    assert np.allclose(np.diag(jac.to_numpy()), 1.0)
    assert jac.loc["A", "B"] == pytest.approx(0.4) and jac.loc["B", "A"] == pytest.approx(0.4)
    # form= still works for a while, with a warning, and gives the same matrix
    with pytest.warns(DeprecationWarning, match="form='matrix' is deprecated"):
        old = cooccurrence(small, unit="document", measure="count", form="matrix")
    pd.testing.assert_frame_equal(old, mat)


def test_settings_survive_concat(small):
    both = pd.concat([cooccurrence(small, unit="document", measure="jaccard"),
                      cooccurrence(small, unit="segment", measure="jaccard")], ignore_index=True)
    assert sorted(set(both["unit"])) == ["document", "segment"]
    with pytest.raises(ValueError, match="mixes several units"):
        to_matrix(both)
    seg = both[both["unit"] == "segment"].reset_index(drop=True)
    assert to_matrix(seg).loc["A", "B"] == pytest.approx(
        seg.query("code_a == 'A' and code_b == 'B'")["jaccard"].iloc[0])


def test_a_code_without_units_gives_nan(small):
    long = cooccurrence(small, unit="document", measure="cosine", codes=["A", "never_used"])
    assert math.isnan(long.loc[0, "cosine"]) and long.loc[0, "n_b"] == 0


def test_fisher_one_sided_by_hand_and_against_scipy(small):
    long = cooccurrence(small, unit="document", measure="jaccard", test="fisher", correction=None)
    r = _row(long, "A", "B")
    # P(X >= 2), X ~ hypergeometric(8, 4, 3): (C(4,2)C(4,1) + C(4,3)) / C(8,3) = 28/56
    assert r["p"] == pytest.approx(0.5)
    for _, r in long.iterrows():
        table = [[r.n_ab, r.n_a - r.n_ab], [r.n_b - r.n_ab, r.n_units - r.n_a - r.n_b + r.n_ab]]
        assert r["p"] == pytest.approx(stats.fisher_exact(table, alternative="greater").pvalue)
    two = cooccurrence(small, unit="document", test="fisher", alternative="two-sided", correction=None)
    r = _row(two, "A", "B")
    assert r["p"] == pytest.approx(stats.fisher_exact([[2, 2], [1, 3]]).pvalue)


def test_permutation_approaches_fisher():
    rng = np.random.default_rng(11)
    rows = [(f"D{d}", 1, c, 0, 1) for d in range(30) for c in ("A", "B")
            if rng.random() < (0.6 if c == "A" or d < 12 else 0.2)]
    codings = _codings(rows)
    fisher = cooccurrence(codings, unit="document", test="fisher", correction=None)
    perm = cooccurrence(codings, unit="document", test="permutation", correction=None,
                        n_permutations=20000, random_state=0)
    assert perm.loc[0, "p"] == pytest.approx(fisher.loc[0, "p"], abs=0.01)
    again = cooccurrence(codings, unit="document", test="permutation", correction=None,
                         n_permutations=200, random_state=5)
    assert again.loc[0, "p"] == cooccurrence(codings, unit="document", test="permutation", correction=None,
                                             n_permutations=200, random_state=5).loc[0, "p"]
    assert again.attrs["random_state"] == 5


def test_corrections_by_hand_and_against_scipy():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert adjust_pvalues(p, "bonferroni").tolist() == pytest.approx([0.04, 0.16, 0.12, 0.02])
    # Holm: sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, max(0.04, 0.06)
    assert adjust_pvalues(p, "holm").tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: 0.005*4/1, 0.01*4/2, 0.03*4/3, 0.04*4/4 -> 0.02, 0.02, 0.04, 0.04
    assert adjust_pvalues(p, "fdr_bh").tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    q = np.random.default_rng(0).random(50) ** 3
    assert adjust_pvalues(q, "fdr_bh") == pytest.approx(stats.false_discovery_control(q, method="bh"))


def test_correction_is_applied_to_the_pairs(small):
    long = cooccurrence(small, unit="document", test="fisher", correction="bonferroni")
    assert (long["p_adj"] == np.minimum(long["p"] * len(long), 1)).all()
    assert long.attrs["correction"] == "bonferroni"


def test_segment_versus_document_units():
    rows = [("E1", 1, "A", 0, 5), ("E1", 2, "B", 6, 9), ("E2", 1, "A", 0, 3), ("E2", 1, "B", 0, 3)]
    seg = cooccurrence(_codings(rows), unit="segment")
    doc = cooccurrence(_codings(rows), unit="document")
    assert seg.loc[0, "n_ab"] == 1 and seg.loc[0, "n_units"] == 3
    assert doc.loc[0, "n_ab"] == 2 and doc.loc[0, "n_units"] == 2


def test_corpus_defines_n_units():
    corpus = Corpus([Document(f"E{i}", "text") for i in range(10)])
    rows = [("E1", 1, "A", 0, 1), ("E1", 1, "B", 0, 1)]
    long = cooccurrence(_codings(rows), unit="document", corpus=corpus, measure="lift")
    assert long.loc[0, "n_units"] == 10 and long.loc[0, "lift"] == pytest.approx(10.0)


def test_overlap_counts_intersecting_span_pairs():
    rows = [("d", 1, "A", 0, 10), ("d", 1, "A", 20, 30), ("d", 1, "B", 5, 25),   # B meets both A spans
            ("d", 1, "C", 30, 35),                                               # touches A 20-30 only
            ("e", 1, "A", 0, 5), ("e", 1, "B", 0, 5)]                            # the same span
    long = cooccurrence(_codings(rows), unit="overlap", measure="jaccard")
    ab, ac = _row(long, "A", "B"), _row(long, "A", "C")
    assert (ab["n_a"], ab["n_b"], ab["n_ab"]) == (3, 2, 3)
    assert ab["jaccard"] == pytest.approx(3 / (3 + 2 - 3))   # pairs can push it above 1
    assert ac["n_ab"] == 0 and _row(long, "B", "C")["n_ab"] == 0
    assert ab["n_units"] == 5  # distinct spans; A and B on e 0-5 share one


def _brute_pairs(codings, near):
    out = {}
    recs = codings[["doc_id", "segment_id", "code", "start", "end"]].drop_duplicates().to_dict("records")
    for r, s in itertools.combinations(recs, 2):
        if r["doc_id"] == s["doc_id"] and r["code"] != s["code"] and near(r, s):
            key = tuple(sorted((r["code"], s["code"])))
            out[key] = out.get(key, 0) + 1
    return out


def test_overlap_and_proximity_agree_with_brute_force():
    rng = np.random.default_rng(2)
    rows = []
    for _ in range(150):
        start = int(rng.integers(0, 200))
        rows.append((f"d{rng.integers(4)}", int(rng.integers(1, 15)), f"c{rng.integers(4)}", start,
                     start + int(rng.integers(0, 30))))
    codings = _codings(rows)
    spans = codings.drop(columns="segment_id").assign(segment_id=1).drop_duplicates(["doc_id", "code", "start", "end"])
    expected = _brute_pairs(spans, lambda r, s: r["start"] < s["end"] and s["start"] < r["end"])
    got = cooccurrence(codings, unit="overlap")
    for _, r in got.iterrows():
        assert r["n_ab"] == expected.get((r["code_a"], r["code_b"]), 0)
    segs = codings.assign(start=0, end=0).drop_duplicates(["doc_id", "segment_id", "code"])
    for window in (0, 2):
        expected = _brute_pairs(segs, lambda r, s: abs(r["segment_id"] - s["segment_id"]) <= window)
        got = cooccurrence(codings, unit="proximity", window=window)
        for _, r in got.iterrows():
            assert r["n_ab"] == expected.get((r["code_a"], r["code_b"]), 0), window


def test_proximity_window_zero_is_the_same_segment():
    rng = np.random.default_rng(4)
    rows = [(f"d{rng.integers(3)}", int(rng.integers(1, 9)), f"c{rng.integers(5)}", 0, 1) for _ in range(80)]
    prox = cooccurrence(_codings(rows), unit="proximity", window=0)
    seg = cooccurrence(_codings(rows), unit="segment")
    assert prox["n_ab"].tolist() == seg["n_ab"].tolist()


def test_no_test_for_pair_units(small):
    with pytest.raises(ValueError, match="no 2x2 table"):
        cooccurrence(small, unit="overlap", test="fisher")


def test_metadata_unit_counts_each_cited_interviewee():
    corpus = Corpus([Document("E1", "x", {"interviewees": "2;3"}), Document("E2", "y", {"interviewees": "3"}),
                     Document("E3", "z", {"interviewees": "5"})])
    rows = [("E1", 1, "freedoms.fear", 0, 1), ("E2", 1, "freedoms.want", 0, 1), ("E3", 1, "freedoms.want", 0, 1)]
    long = cooccurrence(_codings(rows), unit="interviewees", corpus=corpus)
    r = long.iloc[0]
    # interviewee 3 said both (in two excerpts); 2 only fear; 5 only want
    assert (r["n_a"], r["n_b"], r["n_ab"], r["n_units"]) == (2, 2, 1, 3)
    by_doc = cooccurrence(_codings(rows), unit="document", corpus=corpus)
    assert by_doc.iloc[0]["n_ab"] == 0


def test_rollup_across_codebooks_without_double_counting():
    cb = Codebook("a", [Code(id="freedoms", label={}), Code(id="freedoms.fear", label={}, parent="freedoms"),
                        Code(id="freedoms.want", label={}, parent="freedoms")]).merged_with(
        Codebook("b", [Code(id="protection", label={}),
                       Code(id="protection.national_framework", label={}, parent="protection")]))
    rows = [("E1", 1, "freedoms.fear", 0, 1), ("E1", 1, "freedoms.want", 0, 1),
            ("E1", 1, "protection.national_framework", 0, 1), ("E2", 1, "freedoms.want", 0, 1)]
    long = cooccurrence(_codings(rows), unit="document", codebook=cb, rollup=True)
    assert long[["code_a", "code_b", "n_a", "n_b", "n_ab"]].values.tolist() == [["freedoms", "protection", 2, 1, 1]]
    plain = cooccurrence(_codings(rows), unit="document", codebook=cb)
    assert plain["code_a"].tolist()[0] == "freedoms.fear"  # codebook order, both codebooks


def test_bad_arguments(small):
    from hsqual.errors import OptionError

    with pytest.raises(OptionError, match=r"\[E102\] cooccurrence: measure='phi' is not one of 'count', "):
        cooccurrence(small, measure="phi")
    with pytest.raises(OptionError, match=r"\[E103\] cooccurrence: window must be >= 0, not -1"):
        cooccurrence(small, unit="proximity", window=-1)
    with pytest.raises(OptionError, match=r"\[E105\] cooccurrence: rollup= needs codebook="):
        cooccurrence(small, rollup=True)
    with pytest.raises(OptionError, match=r"\[E104\] cooccurrence: window= has no effect unless unit is "
                                          r"'proximity'"):
        cooccurrence(small, unit="document", window=2)
    with pytest.raises(ValueError):  # still a ValueError, for code that caught one
        cooccurrence(small, test="fisher", n_permutations=10)


def test_pair_measure_scalar():
    assert pair_measure("dice", 3, 5, 2, 20) == pytest.approx(0.5)


@pytest.mark.parametrize("unit", ["document", "overlap"])
def test_codes_given_as_one_string_is_one_code(small, unit):
    as_str = cooccurrence(small, unit=unit, codes="protection")
    assert as_str.attrs["codes"] == ["protection"]
    assert as_str.attrs["codes"] == cooccurrence(small, unit=unit, codes=["protection"]).attrs["codes"]


# --- sentence units and the passages behind a pair ---------------------------------------

from hsqual.cooccur import cooccurrence_passages  # noqa: E402
from hsqual.errors import CodingsError  # noqa: E402

TALK = ("Q: What does human security add?\n"
        "A: It protects people. It also empowers them. Both matter. Protection needs empowerment.")


@pytest.fixture
def talk():
    i = TALK.index("\n")
    other = "Freedom from fear. Freedom from want."
    return Corpus([Document("int04", TALK, {"language": "en"}), Document("int05", other, {"language": "en"})],
                  [Segment("int04", 1, 0, i, TALK[:i], "Q", "turn"),
                   Segment("int04", 2, i + 1, len(TALK), TALK[i + 1:], "A", "turn"),
                   Segment("int05", 1, 0, len(other), other, None, "document")])


def _on(text, words, code, doc="int04", seg=2):
    s = text.index(words)
    return {"doc_id": doc, "segment_id": seg, "code": code, "start": s, "end": s + len(words), "quote": words,
            "coder": "kurusu2015"}


@pytest.fixture
def talk_codings():
    return codings_frame([_on(TALK, "protects people", "P"), _on(TALK, "empowers them", "E"),
                          _on(TALK, "Protection needs empowerment", "P"), _on(TALK, "empowerment.", "E"),
                          _on(TALK, "Both matter", "C")])


def test_sentence_unit_counts_every_sentence(talk, talk_codings):
    # sentences: Q | A: It protects people. | It also empowers them. | Both matter. |
    #            Protection needs empowerment. | Freedom from fear. | Freedom from want.  -> N = 7
    long = cooccurrence(talk_codings, unit="sentence", corpus=talk, measure="lift", test="fisher")
    pe = _row(long, "E", "P")
    assert (pe["n_a"], pe["n_b"], pe["n_ab"], pe["n_units"]) == (2, 2, 1, 7)
    assert pe["lift"] == pytest.approx(1 * 7 / (2 * 2))
    assert pe["p"] == pytest.approx(stats.fisher_exact([[1, 1], [1, 4]], alternative="greater").pvalue)
    # spans see only the 5 coded spans: the uncoded sentences vanish from N
    assert _row(cooccurrence(talk_codings, unit="span", measure="lift"), "E", "P")["n_units"] == 5
    with pytest.raises(ValueError, match="unit='sentence' needs corpus="):
        cooccurrence(talk_codings, unit="sentence")


def test_unknown_unit_message_lists_every_cooccurrence_unit(talk, talk_codings):
    with pytest.raises(ValueError) as err:
        cooccurrence(talk_codings, unit="interviewee", corpus=talk)
    for unit in ("'segment'", "'document'", "'sentence'", "'span'", "'overlap'", "'proximity'"):
        assert unit in str(err.value)


@pytest.mark.parametrize("unit", ["document", "segment", "sentence", "overlap"])
def test_passages_are_the_units_counted_by_cooccurrence(talk, talk_codings, unit):
    rows = talk_codings.to_dict("records") + [_on(TALK, "What does human security", "P", seg=1)]
    codings = codings_frame(rows)
    p = cooccurrence_passages(codings, "P", "E", corpus=talk, unit=unit)
    n_ab = _row(cooccurrence(codings, unit=unit, corpus=talk), "E", "P")["n_ab"]
    assert len(p) == n_ab
    for r in p.itertuples():
        text = talk.doc(r.doc_id).text
        assert r.text == text[r.unit_start:r.unit_end]
        assert text[r.start_a:r.end_a] in r.quote_a and text[r.start_b:r.end_b] in r.quote_b
        assert r.code_a == "P" and r.code_b == "E"


def test_passages_by_hand(talk, talk_codings):
    doc = cooccurrence_passages(talk_codings, "P", "E", corpus=talk, unit="document")
    assert len(doc) == 1
    r = doc.iloc[0]
    assert r["doc_id"] == "int04" and pd.isna(r["segment_id"]) and r["text"] == TALK
    assert (r["n_a"], r["n_b"]) == (2, 2)
    assert r["quote_a"] == "protects people … Protection needs empowerment"
    assert r["start_a"] == TALK.index("protects people")
    assert r["spans_b"] == (f"{TALK.index('empowers them')}-{TALK.index('empowers them') + 13};"
                            f"{TALK.index('empowerment.')}-{TALK.index('empowerment.') + 12}")
    sent = cooccurrence_passages(talk_codings, "P", "E", corpus=talk, unit="sentence")
    assert sent["text"].tolist() == ["Protection needs empowerment."]
    assert sent[["segment_id", "quote_a", "quote_b"]].values.tolist() == [
        [2, "Protection needs empowerment", "empowerment."]]
    over = cooccurrence_passages(talk_codings, "P", "E", corpus=talk, unit="overlap")
    assert over["text"].tolist() == ["empowerment"]          # the intersection of the two spans
    assert over.loc[0, "quote_a"] == "Protection needs empowerment" and over.loc[0, "quote_b"] == "empowerment."
    assert cooccurrence_passages(talk_codings, "P", "C", corpus=talk, unit="sentence").empty


def test_passages_bad_arguments(talk, talk_codings):
    with pytest.raises(ValueError, match="two different codes"):
        cooccurrence_passages(talk_codings, "P", "P", corpus=talk)
    with pytest.raises(ValueError, match="unit must be one of 'document', 'segment', 'sentence', 'paragraph', 'overlap'"):
        cooccurrence_passages(talk_codings, "P", "E", corpus=talk, unit="span")
    with pytest.raises(TypeError, match="corpus must be a Corpus"):
        cooccurrence_passages(talk_codings, "P", "E", corpus=None)
    stray = codings_frame([_on(TALK, "protects people", "P", seg=9), _on(TALK, "empowers them", "E", seg=9)])
    with pytest.raises(CodingsError, match="int04#9"):
        cooccurrence_passages(stray, "P", "E", corpus=talk, unit="segment")
