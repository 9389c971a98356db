"""Tests of code frequencies."""

import numpy as np
import pytest

from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.frequencies import code_frequencies


def _codings(rows, **extra):
    return codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": 0, "end": 1, "quote": "x",
                           "coder": "kurusu2015", **extra} for d, s, c in rows])


ROWS = [("E01", 1, "empowerment.bottom_up"), ("E01", 1, "empowerment.bottom_up"),
        ("E01", 2, "empowerment.sustainability"), ("E02", 1, "empowerment.bottom_up"),
        ("E03", 1, "protection.national_framework"), ("E04", 1, "empowerment.sustainability")]


@pytest.fixture
def codebook():
    return Codebook("protection_empowerment", [
        Code(id="protection", label={"en": "Protection", "ja": "保護"}),
        Code(id="protection.national_framework", label={"en": "National framework", "ja": "国家の枠組み"},
             parent="protection"),
        Code(id="empowerment", label={"en": "Empowerment", "ja": "エンパワーメント"}),
        Code(id="empowerment.bottom_up", label={"en": "Bottom-up", "ja": "ボトムアップ"}, parent="empowerment"),
        Code(id="empowerment.sustainability", label={"en": "Sustainability", "ja": "持続可能性"},
             parent="empowerment"),
        Code(id="protection_empowerment.complementary", label={"en": "Complementary", "ja": "相互補完"})])


@pytest.fixture
def corpus():
    meta = {"E01": "1;2", "E02": "2", "E03": "3", "E04": "", "E05": "4"}
    return Corpus([Document(d, "x", {"interviewees": v}) for d, v in meta.items()])


def test_counts_by_hand():
    f = code_frequencies(_codings(ROWS)).set_index("code")
    assert f.loc["empowerment.bottom_up", ["n_codings", "n_segments", "n_documents"]].tolist() == [3, 2, 2]
    assert f.loc["empowerment.sustainability", ["n_codings", "n_segments", "n_documents"]].tolist() == [2, 2, 2]
    assert f.loc["empowerment.bottom_up", "share_documents"] == pytest.approx(2 / 4)
    assert list(f.index)[0] == "empowerment.bottom_up"  # most used first


def test_counts_agree_with_pandas():
    rng = np.random.default_rng(1)
    rows = [(f"E{rng.integers(20)}", int(rng.integers(1, 4)), f"c{rng.integers(6)}") for _ in range(300)]
    c = _codings(rows)
    f = code_frequencies(c).set_index("code").sort_index()
    g = c.groupby("code")
    assert (f["n_codings"] == g.size()).all()
    assert (f["n_documents"] == g["doc_id"].nunique()).all()
    assert (f["n_segments"] == g.apply(lambda x: len(set(zip(x.doc_id, x.segment_id))))).all()


def test_cases_and_corpus_denominator(corpus):
    f = code_frequencies(_codings(ROWS), corpus=corpus, case="interviewees").set_index("code")
    assert f.loc["empowerment.bottom_up", "n_cases"] == 2         # interviewees 1 and 2
    assert f.loc["empowerment.sustainability", "n_cases"] == 2    # E01 -> 1, 2; E04 cites nobody
    assert f.loc["protection.national_framework", "share_cases"] == pytest.approx(1 / 4)
    assert f.loc["empowerment.bottom_up", "share_documents"] == pytest.approx(2 / 5)
    assert f.attrs["n_documents"] == 5 and f.attrs["n_cases"] == 4
    assert f.attrs["n_codings_without_case"] == 1


def test_codebook_lists_every_code_with_labels(codebook):
    f = code_frequencies(_codings(ROWS + [("E05", 1, "risk.interstate")]), codebook=codebook)
    assert f["code"].tolist()[:6] == list(codebook)
    row = f.set_index("code").loc["protection_empowerment.complementary"]
    assert row["n_codings"] == 0 and row["label_ja"] == "相互補完" and row["depth"] == 0
    extra = f.set_index("code").loc["risk.interstate"]
    assert not extra["in_codebook"] and extra["n_codings"] == 1
    assert f.set_index("code").loc["empowerment.bottom_up", "parent"] == "empowerment"


def test_rollup_aggregates_children_without_double_counting(codebook, corpus):
    f = code_frequencies(_codings(ROWS), codebook=codebook, rollup=True, corpus=corpus,
                         case="interviewees").set_index("code")
    emp = f.loc["empowerment"]
    assert emp["n_codings"] == 5            # 3 bottom_up + 2 sustainability
    assert emp["n_segments"] == 4           # E01#1, E01#2, E02#1, E04#1
    assert emp["n_documents"] == 3          # E01, E02, E04
    assert emp["n_cases"] == 2              # 1, 2
    assert f.loc["empowerment.bottom_up", "n_codings"] == 3  # children keep their own figures
    with pytest.raises(ValueError, match=r"\[E105\] code_frequencies: rollup= needs codebook="):
        code_frequencies(_codings(ROWS), rollup=True)


def test_an_unknown_case_column_is_reported_as_a_case(corpus):
    with pytest.raises(ValueError) as err:
        code_frequencies(_codings(ROWS), corpus=corpus, case="interviewee")
    msg = str(err.value)
    assert msg == ("code_frequencies: case 'interviewee' is not a metadata column of the corpus "
                   "(metadata columns: interviewees)")
    with pytest.raises(ValueError, match="case 'interviewee' is not a column of the codings"):
        code_frequencies(_codings(ROWS), case="interviewee")


def test_sentences_counts_coded_sentences_over_all_sentences():
    text = "We protect people. We empower them. Both matter."
    corpus = Corpus([Document("E01", text, {"language": "en"}), Document("E02", "No code here. None.",
                                                                        {"language": "en"})])
    rows = [{"doc_id": "E01", "segment_id": 1, "code": "protection", "start": 3, "end": 25, "quote": text[3:25],
             "coder": "kurusu2015"},                                    # sentences 1 and 2
            {"doc_id": "E01", "segment_id": 1, "code": "empowerment", "start": 22, "end": 29,
             "quote": text[22:29], "coder": "kurusu2015"}]              # sentence 2
    f = code_frequencies(codings_frame(rows), corpus=corpus, sentences=True).set_index("code")
    assert f.attrs["n_sentences"] == 5
    assert f.loc["protection", "n_sentences"] == 2 and f.loc["empowerment", "n_sentences"] == 1
    assert f.loc["protection", "share_sentences"] == pytest.approx(2 / 5)
    assert f.loc["protection", "n_segments"] == 1                        # one document segment
    with pytest.raises(ValueError, match="sentences=True needs corpus="):
        code_frequencies(codings_frame(rows), sentences=True)
