"""Tests of the unit-by-code incidence matrix."""

import numpy as np
import pandas as pd
import pytest

from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document, Segment
from hsqual.errors import CodingsError
from hsqual.incidence import incidence_matrix, split_values


def _codings(rows):
    return codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": a, "end": b,
                           "quote": "", "coder": "kurusu2015"} for d, s, c, a, b in rows])


@pytest.fixture
def corpus():
    docs = [Document("E01", "a" * 40, {"interviewees": "2;3;6", "sector": "Government"}),
            Document("E02", "b" * 40, {"interviewees": "3", "sector": "NGO"}),
            Document("E03", "c" * 40, {"interviewees": "", "sector": "NGO"}),
            Document("E04", "d" * 40, {"interviewees": "10", "sector": "Business"})]
    segs = [Segment(d.doc_id, i + 1, 20 * i, 20 * i + 20, d.text[20 * i: 20 * i + 20], None, "sentence")
            for d in docs for i in range(2)]
    return Corpus(docs, segs)


@pytest.fixture
def codebook():
    return Codebook("t", [Code(id="freedoms", label={"en": "Three freedoms"}),
                          Code(id="freedoms.fear", label={"en": "Fear"}, parent="freedoms"),
                          Code(id="freedoms.want", label={"en": "Want"}, parent="freedoms"),
                          Code(id="protection", label={"en": "Protection"})])


ROWS = [("E01", 1, "freedoms.fear", 0, 10), ("E01", 1, "freedoms.want", 0, 10),
        ("E01", 2, "freedoms.fear", 25, 30), ("E02", 1, "protection", 0, 5),
        ("E03", 2, "freedoms.want", 22, 28), ("E03", 2, "freedoms.want", 22, 28)]


def test_document_units_without_corpus_are_the_coded_documents():
    inc = incidence_matrix(_codings(ROWS), unit="document")
    assert list(inc.units) == ["E01", "E02", "E03"]
    assert inc.codes == ["freedoms.fear", "freedoms.want", "protection"]
    assert inc.to_frame().to_numpy().tolist() == [[1, 1, 0], [0, 0, 1], [0, 1, 0]]


def test_counts_when_not_binary():
    inc = incidence_matrix(_codings(ROWS), unit="document", binary=False)
    assert inc.to_frame().loc["E01"].tolist() == [2, 1, 0]
    assert inc.to_frame().loc["E03", "freedoms.want"] == 2
    assert inc.binary().to_frame().loc["E03", "freedoms.want"] == 1


def test_corpus_adds_uncoded_units(corpus):
    inc = incidence_matrix(_codings(ROWS), unit="segment", corpus=corpus)
    assert inc.n_units == 8
    df = inc.to_frame()
    assert df.loc[("E04", 1)].sum() == 0
    assert df.loc[("E01", 2)].tolist() == [1, 0, 0]
    inc_doc = incidence_matrix(_codings(ROWS), unit="document", corpus=corpus)
    assert list(inc_doc.units) == ["E01", "E02", "E03", "E04"]


def test_span_units_group_identical_spans():
    inc = incidence_matrix(_codings(ROWS), unit="span")
    df = inc.to_frame()
    assert inc.n_units == 4  # E01 0-10, E01 25-30, E02 0-5, E03 22-28
    assert df.loc[("E01", 0, 10)].tolist() == [1, 1, 0]


def test_metadata_unit_splits_multi_valued_cells(corpus):
    inc = incidence_matrix(_codings(ROWS), unit="interviewees", corpus=corpus)
    assert list(inc.units) == ["2", "3", "6", "10"]  # numeric order, every value of the corpus
    df = inc.to_frame()
    assert df.loc["2"].tolist() == [1, 1, 0]
    assert df.loc["3"].tolist() == [1, 1, 1]  # E01 and E02 both cite interviewee 3
    assert df.loc["10"].sum() == 0
    # E03 (two codings) cites nobody: kept count, not silently dropped
    assert inc.n_unassigned == 2


def test_metadata_unit_from_a_codings_column():
    c = _codings(ROWS)
    c["interviewee"] = ["1", "1", "1", "2", "3", "3"]
    df = incidence_matrix(c, unit="interviewee").to_frame()
    assert df.loc["1"].tolist() == [1, 1, 0]


def test_unknown_unit_lists_the_metadata_columns(corpus):
    with pytest.raises(ValueError, match="metadata columns: interviewees, sector"):
        incidence_matrix(_codings(ROWS), unit="speaker_name", corpus=corpus)


def test_rollup_counts_a_parent_once(codebook):
    inc = incidence_matrix(_codings(ROWS), unit="document", hierarchy=codebook, rollup=True)
    assert inc.codes == ["freedoms", "protection"]
    assert inc.to_frame().loc["E01"].tolist() == [1, 0]
    counts = incidence_matrix(_codings(ROWS), unit="document", hierarchy=codebook, rollup=True, binary=False)
    assert counts.to_frame().loc["E01", "freedoms"] == 3


def test_rollup_needs_a_codebook_and_known_codes(codebook):
    with pytest.raises(ValueError, match="hierarchy"):
        incidence_matrix(_codings(ROWS), rollup=True)
    with pytest.raises(CodingsError, match="risk.interstate is not in codebook 't'"):
        incidence_matrix(_codings([("E01", 1, "risk.interstate", 0, 1)]), hierarchy=codebook, rollup=True)


def test_codes_select_and_order_columns():
    inc = incidence_matrix(_codings(ROWS), unit="document", codes=["protection", "empowerment", "freedoms.fear"])
    assert inc.codes == ["protection", "empowerment", "freedoms.fear"]
    assert inc.to_frame().sum().tolist() == [1, 0, 1]


def test_codings_outside_the_corpus_are_an_error(corpus):
    with pytest.raises(CodingsError, match="E99"):
        incidence_matrix(_codings([("E99", 1, "x", 0, 1)]), unit="document", corpus=corpus)
    with pytest.raises(CodingsError, match="E01#7"):
        incidence_matrix(_codings([("E01", 7, "x", 0, 1)]), unit="segment", corpus=corpus)


def test_matrix_agrees_with_pandas_crosstab():
    rng = np.random.default_rng(3)
    rows = [(f"D{rng.integers(30)}", 1, f"c{rng.integers(8)}", 0, 1) for _ in range(200)]
    c = _codings(rows)
    inc = incidence_matrix(c, unit="document", binary=False).to_frame()
    expected = pd.crosstab(c["doc_id"], c["code"]).reindex(index=inc.index, columns=inc.columns)
    assert (inc.to_numpy() == expected.to_numpy()).all()


def test_empty_codings():
    inc = incidence_matrix(codings_frame(), unit="document")
    assert inc.matrix.shape == (0, 0)


def test_split_values():
    assert split_values("2;3; 6") == ["2", "3", "6"]
    assert split_values(np.int64(4)) == ["4"]
    assert split_values("") == []


# --- sentence units ----------------------------------------------------------------------

TEXT = "Q: What does human security add?\nA: It protects people. It also empowers them. Both matter."
SENTENCES = ["Q: What does human security add?", "A: It protects people.", "It also empowers them.", "Both matter.",
             "Freedom from fear.", "Freedom from want."]


@pytest.fixture
def turns():
    i = TEXT.index("\n")
    other = "Freedom from fear. Freedom from want."
    return Corpus([Document("int04", TEXT, {"language": "en", "sector": "NGO"}),
                   Document("int05", other, {"language": "en", "sector": "Government"})],
                  [Segment("int04", 1, 0, i, TEXT[:i], "Q", "turn"),
                   Segment("int04", 2, i + 1, len(TEXT), TEXT[i + 1:], "A", "turn"),
                   Segment("int05", 1, 0, len(other), other, None, "document")])


def _span(doc_text, words, seg=1, doc="int04", code="protection"):
    s = doc_text.index(words)
    return {"doc_id": doc, "segment_id": seg, "code": code, "start": s, "end": s + len(words), "quote": words,
            "coder": "kurusu2015"}


def test_sentence_units_are_every_sentence_with_uncoded_ones(turns):
    codings = codings_frame([
        _span(TEXT, "protects people. It also empowers", seg=2, code="protection"),   # two sentences
        _span(TEXT, "empowers them", seg=2, code="empowerment"),
        _span(TEXT, "", seg=2, code="memo_point") | {"start": 82, "end": 82}])      # zero width, in "Both matter."
    inc = incidence_matrix(codings, unit="sentence", corpus=turns)
    texts = [turns.doc(d).text[a:b] for d, _, a, b in inc.units]
    assert texts == SENTENCES
    assert list(inc.units.names) == ["doc_id", "segment_id", "start", "end"]
    assert [k[1] for k in inc.units] == [1, 2, 2, 2, 1, 1]
    df = inc.to_frame()
    assert inc.n_units == 6 and inc.n_unassigned == 0
    assert df["protection"].tolist() == [0, 1, 1, 0, 0, 0]
    assert df["empowerment"].tolist() == [0, 0, 1, 0, 0, 0]
    assert df["memo_point"].tolist() == [0, 0, 0, 1, 0, 0]
    # a span over the line break only (between the two turns) touches no sentence: counted, not dropped
    gap = codings_frame([_span(TEXT, "\n", seg=1)])
    assert incidence_matrix(gap, unit="sentence", corpus=turns).n_unassigned == 1


def test_sentence_units_are_the_units_apply_codebook_codes():
    from hsqual import apply_codebook
    from hsqual.studies import kurusu2015

    study = kurusu2015.load()
    auto = apply_codebook(study.corpus, study.codebook, unit="sentence")
    inc = incidence_matrix(auto, unit="sentence", corpus=study.corpus)
    assert inc.n_units == auto.attrs["n_units"]
    units = set(zip(inc.units.get_level_values("doc_id"), inc.units.get_level_values("segment_id"),
                    inc.units.get_level_values("start"), inc.units.get_level_values("end")))
    coded = set(zip(auto["doc_id"], auto["segment_id"], auto["start"], auto["end"]))
    assert coded <= units
    # each rule coding lies on exactly its sentence, so the cell total is the number of (sentence, code) rows
    assert inc.matrix.sum() == len(auto.drop_duplicates(["doc_id", "start", "end", "code"]))


def test_sentence_unit_needs_a_corpus_and_unknown_units_list_every_unit(turns):
    codings = codings_frame([_span(TEXT, "protects people", seg=2)])
    with pytest.raises(ValueError, match="unit='sentence' needs corpus="):
        incidence_matrix(codings, unit="sentence")
    with pytest.raises(ValueError, match="'segment', 'document', 'sentence', 'paragraph', 'span'"):
        incidence_matrix(codings, unit="speaker_name", corpus=turns)
    with pytest.raises(ValueError, match="'overlap' and 'proximity' are units of cooccurrence"):
        incidence_matrix(codings, unit="overlap")


def test_span_hits_agree_with_brute_force_for_sorted_and_nested_units():
    from hsqual.incidence import span_hits

    rng = np.random.default_rng(3)
    for nested in (False, True):
        starts = np.sort(rng.integers(0, 200, 30))
        if nested:
            ends = starts + rng.integers(1, 60, 30)       # units may contain one another
        else:
            ends = np.append(starts[1:], 210)             # a partition, as sentences are
            keep = ends > starts
            starts, ends = starts[keep], ends[keep]
        units = pd.DataFrame({"doc_id": ["d"] * len(starts), "start": starts, "end": ends})
        a = rng.integers(0, 210, 80)
        b = a + rng.integers(0, 30, 80)                   # some zero-width spans
        rows, keys = span_hits(["d"] * 80, a, b, units)
        got = set(zip(rows.tolist(), keys.tolist()))
        want = {(i, k) for i in range(80) for k in range(len(starts))
                if (a[i] < ends[k] and starts[k] < b[i]) or (a[i] == b[i] and starts[k] <= a[i] < ends[k])}
        assert got == want
