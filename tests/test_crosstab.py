"""Tests of the code x category cross tabulation."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document, Segment
from hsqual.crosstabs import adjusted_residuals, code_by_case, code_by_document, crosstab


def _codings(rows):
    return codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": 0, "end": 1, "quote": "x",
                           "coder": "kurusu2015"} for d, s, c in rows])


SECTORS = {"E1": "Government", "E2": "Government", "E3": "NGO", "E4": "NGO", "E5": "Business",
           "E6": "Business;NGO", "E7": ""}


@pytest.fixture
def corpus():
    docs = [Document(d, "ab", {"sector": s}) for d, s in SECTORS.items()]
    segs = [Segment(d.doc_id, i, i - 1, i, d.text[i - 1:i], None, "sentence") for d in docs for i in (1, 2)]
    return Corpus(docs, segs)


ROWS = [("E1", 1, "protection"), ("E1", 2, "protection"), ("E2", 1, "protection"),
        ("E3", 1, "empowerment"), ("E4", 1, "empowerment"), ("E4", 2, "protection"),
        ("E5", 1, "added_value.instrumental"), ("E6", 1, "added_value.instrumental"),
        ("E7", 1, "empowerment")]


def test_counts_and_presence_by_hand(corpus):
    r = crosstab(_codings(ROWS), corpus, by="sector", stats=False)
    assert list(r.table.columns) == ["Business", "Government", "NGO"]
    assert r.table.loc["protection"].tolist() == [0, 3, 1]
    assert r.table.loc["added_value.instrumental"].tolist() == [2, 0, 1]  # E6 counts for both its sectors
    pres = crosstab(_codings(ROWS), corpus, by="sector", values="presence", stats=False)
    assert pres.table.loc["protection"].tolist() == [0, 2, 1]
    assert pres.category_sizes.tolist() == [2, 2, 3]
    assert any("several 'sector' categories" in n for n in pres.notes)
    assert any("1 document(s) have no 'sector' value; 1 of their" in n for n in pres.notes)


def test_segment_unit(corpus):
    r = crosstab(_codings(ROWS), corpus, by="sector", unit="segment", values="presence", stats=False)
    assert r.table.loc["protection", "Government"] == 3
    assert r.category_sizes["NGO"] == 6


def test_normalisations(corpus):
    c = _codings(ROWS)
    counts = crosstab(c, corpus, by="sector", values="presence", stats=False).counts
    cat = crosstab(c, corpus, by="sector", values="presence", normalize="category", stats=False).table
    assert cat.loc["protection", "Government"] == pytest.approx(1.0)
    assert cat.loc["empowerment", "NGO"] == pytest.approx(2 / 3)
    row = crosstab(c, corpus, by="sector", values="presence", normalize="row", stats=False).table
    assert np.allclose(row.sum(axis=1), 1)
    col = crosstab(c, corpus, by="sector", values="presence", normalize="column", stats=False).table
    assert col.loc["protection", "Government"] == pytest.approx(counts.loc["protection", "Government"] / counts["Government"].sum())
    al = crosstab(c, corpus, by="sector", normalize="all", stats=False).table
    assert al.to_numpy().sum() == pytest.approx(1)


def test_chi_square_and_residuals_against_scipy_and_by_hand():
    sectors = ["Government"] * 6 + ["NGO"] * 6 + ["Business"] * 6
    corpus = Corpus([Document(f"E{i}", "x", {"sector": s}) for i, s in enumerate(sectors)])
    rng = np.random.default_rng(5)
    rows = [(f"E{i}", 1, c) for i in range(18) for c in ("protection", "empowerment", "added_value.comprehensive")
            if rng.random() < 0.5] + [(f"E{i}", 1, "protection") for i in range(6)]
    c = _codings(rows)
    r = crosstab(c, corpus, by="sector")
    expected = stats.chi2_contingency(r.counts.to_numpy(), correction=False)
    assert r.chi2 == pytest.approx(expected.statistic) and r.p == pytest.approx(expected.pvalue)
    assert r.dof == 4
    assert np.allclose(r.expected.to_numpy(), expected.expected_freq)
    O = r.counts.to_numpy(float)
    n = O.sum()
    E = np.outer(O.sum(1), O.sum(0)) / n
    i, j = 0, 1
    by_hand = (O[i, j] - E[i, j]) / np.sqrt(E[i, j] * (1 - O[i].sum() / n) * (1 - O[:, j].sum() / n))
    assert r.residuals.iloc[i, j] == pytest.approx(by_hand)


def test_adjusted_residuals_of_a_two_by_two_equal_the_signed_root_chi2():
    obs = pd.DataFrame([[12, 3], [5, 10]])
    exp = pd.DataFrame(stats.contingency.expected_freq(obs.to_numpy()))
    res = adjusted_residuals(obs, exp)
    chi2 = stats.chi2_contingency(obs.to_numpy(), correction=False).statistic
    assert abs(res.iloc[0, 0]) == pytest.approx(np.sqrt(chi2))


def test_per_code_test_for_presence(corpus):
    r = crosstab(_codings(ROWS), corpus, by="sector", values="presence")
    row = r.per_code.set_index("code").loc["protection"]
    table = np.array([[0, 2, 1], [2, 0, 2]])
    assert row["chi2"] == pytest.approx(stats.chi2_contingency(table, correction=False).statistic)
    assert r.notes[0].startswith("chi-square:") and "unreliable" in r.notes[0]


def test_bad_by(corpus):
    with pytest.raises(ValueError, match="metadata columns: sector"):
        crosstab(_codings(ROWS), corpus, by="cluster")


def test_code_by_document_and_case(corpus):
    m = code_by_document(_codings(ROWS), corpus=corpus, values="count")
    assert list(m.columns) == list(SECTORS)
    assert m.loc["protection"].tolist() == [2, 1, 0, 1, 0, 0, 0]
    cases = code_by_case(_codings(ROWS), case="sector", corpus=corpus)
    assert cases.loc["added_value.instrumental"].to_dict() == {"Business": 1, "Government": 0, "NGO": 1}
    assert cases.attrs["n_unassigned"] == 1


def test_settings_travel_with_the_table_and_the_residuals(corpus):
    r = crosstab(_codings(ROWS), corpus, by="sector", values="presence", normalize="category")
    for frame in (r.table, r.residuals, r.counts, r.expected):
        assert frame.attrs["by"] == "sector" and frame.attrs["values"] == "presence"
        assert frame.attrs["normalize"] == "category" and frame.attrs["unit"] == "document"
        assert frame.attrs["chi2"] == pytest.approx(r.chi2) and frame.attrs["notes"] == list(r.notes)
    assert r.table.attrs["values_in"] == "table" and r.residuals.attrs["values_in"] == "residuals"
    plain = crosstab(_codings(ROWS), corpus, by="sector", stats=False)
    assert plain.table.attrs["by"] == "sector" and plain.residuals is None


def test_sentence_unit_counts_every_sentence():
    a = "We protect people. We empower them."
    b = "Aid must reach people. Budgets shrink. Cooperation matters."
    corpus = Corpus([Document("E1", a, {"language": "en", "sector": "NGO"}),
                     Document("E2", b, {"language": "en", "sector": "Government"})])
    codings = codings_frame([{"doc_id": "E1", "segment_id": 1, "code": "protection", "start": 3, "end": 25,
                              "quote": a[3:25], "coder": "kurusu2015"},          # two sentences
                             {"doc_id": "E2", "segment_id": 1, "code": "protection", "start": 0, "end": 3,
                              "quote": b[0:3], "coder": "kurusu2015"}])
    r = crosstab(codings, corpus, by="sector", unit="sentence", values="presence", normalize="category",
                 stats=False)
    assert r.category_sizes.to_dict() == {"Government": 3, "NGO": 2}
    assert r.counts.loc["protection"].to_dict() == {"Government": 1, "NGO": 2}
    assert r.table.loc["protection", "Government"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="'document', 'segment', 'sentence'"):
        crosstab(codings, corpus, by="sector", unit="span")


def test_code_by_case_names_an_unknown_case_column(corpus):
    with pytest.raises(ValueError, match=r"case 'interviewee' is not a metadata column of the corpus "
                                         r"\(metadata columns: sector\)"):
        code_by_case(_codings(ROWS), case="interviewee", corpus=corpus)


def test_the_result_is_two_tidy_tables(corpus):
    r = crosstab(_codings(ROWS), corpus, by="sector", values="presence")
    cells, tests = r
    assert isinstance(cells, pd.DataFrame) and isinstance(tests, pd.DataFrame)
    assert list(cells.columns) == ["code", "sector", "unit", "n_units", "count", "value", "expected", "residual"]
    # one row per code and category, the same numbers as the wide views
    assert len(cells) == r.counts.size
    for row in cells.itertuples(index=False):
        assert row.count == r.counts.loc[row.code, row.sector]
        assert row.n_units == r.category_sizes[row.sector]
        if not pd.isna(row.residual):
            assert row.residual == pytest.approx(r.residuals.loc[row.code, row.sector])
    overall = tests[tests["level"] == "all"]
    assert len(overall) == 1 and overall["code"].tolist() == [None]
    assert overall["chi2"].iloc[0] == pytest.approx(r.chi2)
    per_code = tests[tests["level"] == "code"]
    assert per_code["code"].tolist() == list(r.counts.index)
    # the settings are columns where they define rows, and survive a concat with another unit
    seg = crosstab(_codings(ROWS), corpus, by="sector", unit="segment", values="presence").cells
    both = pd.concat([cells, seg], ignore_index=True)
    assert sorted(set(both["unit"])) == ["document", "segment"]
    plain = crosstab(_codings(ROWS), corpus, by="sector", stats=False)
    assert plain.tests.empty and plain.cells["expected"].isna().all() and plain.residuals is None
