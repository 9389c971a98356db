"""The Kurusu (2015) study rebuilt from data, asserted against the paper's own words.

Each test quotes the sentence of the paper it checks. The numbers come from the paper; the
values they are compared with are computed by ``hsqual.studies.kurusu2015`` from the bundled
codings, never typed in.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from hsqual import StudyError
from hsqual.resources import study_dir
from hsqual.studies import kurusu2015


@pytest.fixture(scope="module")
def study():
    return kurusu2015.load()


def cited(study, code):
    row = study.theme_table().loc[code]
    return {n for n in range(1, 11) if row[n]}


# -- Table 1 and Table 2 ------------------------------------------------------------------

def test_table1_lists_the_ten_interviewees_as_printed(study):
    t1 = study.table1()
    assert list(t1.columns) == ["#", "Interviewee", "Sector", "Position", "Date of Interview", "Duration"]
    assert t1["#"].tolist() == list(range(1, 11))
    # "1 OKADA Miku* Aid Agency JICA (Global Issues and Development Partnership) 9/26/2013 60 min."
    assert t1.iloc[0].tolist() == [1, "OKADA Miku*", "Aid Agency", "JICA (Global Issues and Development Partnership)",
                                   "9/26/2013", "60 min."]
    # "6 TANIAI Masaaki Parliament (the Upper House) New Komeito 2/26/2014 50 min."
    assert t1.iloc[5].tolist() == [6, "TANIAI Masaaki", "Parliament (the Upper House)", "New Komeito", "2/26/2014", "50 min."]
    # "10 OSA Yukie*** NGO Association for Aid and Relief Japan (President) 4/17/2014 65 min."
    assert t1.iloc[9].tolist() == [10, "OSA Yukie***", "NGO", "Association for Aid and Relief Japan (President)",
                                   "4/17/2014", "65 min."]


def test_table1_sectors_and_interviewers(study):
    iv = study.interviewees
    # "with at least one person from one sector"
    assert iv.groupby("sector", sort=False)["number"].count().to_dict() == {
        "Aid Agency": 3, "University": 2, "Parliament (the Upper House)": 2, "Company": 1, "Government": 1, "NGO": 1}
    # "** Interview was conducted by Mine, Murotani and Goto."
    assert iv.loc[iv["number"] == 5, "interviewers"].item() == "Mine; Murotani; Goto"
    # "The duration of the interviews was approximately 60 minutes."
    assert 55 <= iv["duration_min"].mean() <= 65


def test_table2_has_the_six_question_clusters(study):
    t2 = study.table2()
    # "we raised six clusters of questions"
    assert t2["Cluster"].nunique() == 6
    assert t2.loc[t2["Cluster"] == "(iv)", "Question"].str.contains("both protection and empowerment").any()
    assert t2.loc[t2["Cluster"] == "(vi)", "Question"].iloc[0].startswith(
        "Do you think the concept of human security has induced any change")


# -- the paper's bracketed interviewee lists and counts, one by one -------------------------

def test_interstate_three_out_of_ten(study):
    # "Three interviewees out of ten referred to inter-state ... [Interviewees 5, 7 and 10]"
    assert cited(study, "risk.interstate") == {5, 7, 10}


def test_armed_conflict_about_a_half(study):
    # "about a half of the interviewees pointed out that military conflicts ... [Interviewees 2,3,4,6 and 7]"
    assert cited(study, "risk.armed_conflict") == {2, 3, 4, 6, 7}


def test_social_risks_several(study):
    # "several respondents mentioned that social risks ... [such as interviewees 2, 3 and 6]"
    assert {2, 3, 6} <= cited(study, "risk.social")
    assert len(cited(study, "risk.social")) >= 3


def test_great_east_japan_earthquake(study):
    # "For some of the interviewees, Japan's experience of the Great East Japan Earthquake ...
    #  [Interviewees 4, 5, 6, 8 and 10]"
    assert cited(study, "japan.great_east_japan_earthquake") == {4, 5, 6, 8, 10}


def test_assistance_through_ngos(study):
    # "Japan can assist people indirectly through NGOs ... [Interviewees 2, 3, 6]"
    assert cited(study, "assist.via_ngo") == {2, 3, 6}


def test_three_freedoms_interrelated(study):
    # "Our interviewees for the most part concurred that all the elements are co-related
    #  [for instance, interviewees 3, 4, 6, 8 and 9]"
    assert {3, 4, 6, 8, 9} <= cited(study, "freedoms.interrelated")


def test_empowerment_for_sustainability(study):
    # "to make human security 'sustainable,' empowerment is quite important [Interviewees 5 and 6]"
    assert cited(study, "empowerment.sustainability") == {5, 6}


def test_domestic_application_cites_the_interviewees_named(study):
    # "all of our interviewees stressed that human security should be used ... domestic issues"
    # followed by [Interviewee 4], [Interviewee 9], [Interviewee 10], [Interviewee 7]
    assert {4, 7, 9, 10} <= cited(study, "japan.domestic_application")


def test_every_bracket_in_the_paper_is_one_coded_excerpt_citing_its_numbers(study):
    pattern = re.compile(r"\[(?:such as |for instance, )?[Ii]nterviewees? ([0-9][0-9 ,and]*)\]")
    ex = study.excerpts
    found = list(pattern.finditer(study.paper))
    assert len(found) >= 40
    for m in found:
        numbers = sorted(int(n) for n in re.findall(r"\d+", m.group(1)))
        owner = ex[(ex["start"] <= m.start()) & (ex["end"] >= m.end())]
        assert len(owner) == 1, m.group(0)
        assert sorted(kurusu2015.parse_numbers(owner["interviewees"].item())) == numbers, m.group(0)
        assert (study.codings["doc_id"] == owner["excerpt_id"].item()).any(), f"{m.group(0)} is not coded"


def test_every_quantified_statement_agrees_with_the_cited_interviewees(study):
    chk = study.check_quantifiers()
    assert len(chk) >= 20
    assert chk.loc[~chk["consistent"], ["statement_id", "code", "check"]].empty
    # "almost all the interviewees responded that natural disasters ..." cites only [Interviewee 1]
    # and [Interviewee 2] by number: consistent, but the count rests on the paper's word
    s06 = chk.set_index("code").loc["risk.natural_disaster"]
    assert bool(s06["consistent"]) and not bool(s06["covers_range"]) and s06["n_cited"] == 2
    # "Three interviewees out of ten ... [Interviewees 5, 7 and 10]" is covered in full
    assert bool(chk.set_index("code").loc["risk.interstate", "covers_range"])
    # the paper's words are there, as printed
    phrases = " | ".join(chk["phrase"])
    for words in ("Three interviewees out of ten", "about a half", "all of our interviewees", "almost all",
                  "Half of our interviewees", "Most of the interviewees"):
        assert words.lower() in phrases.lower(), words


def test_theme_table_is_computed_from_the_codings(study, tmp_path):
    """Change the codings and the theme table changes: nothing is typed in."""
    copy = tmp_path / "kurusu2015"
    shutil.copytree(study_dir("kurusu2015"), copy)
    codings = pd.read_csv(copy / "codings.csv", dtype=str, keep_default_na=False)
    ex = pd.read_csv(copy / "excerpts.csv", dtype=str, keep_default_na=False)
    with_10 = set(ex.loc[ex["interviewees"].str.split(";").apply(lambda xs: "10" in xs), "excerpt_id"])
    drop = (codings["code"] == "risk.interstate") & codings["doc_id"].isin(with_10)
    assert drop.any()
    codings[~drop].to_csv(copy / "codings.csv", index=False)
    changed = kurusu2015.load(copy)
    # interviewee 5 is cited for the theme only in the shared bracket [Interviewees 5, 7 and 10];
    # interviewee 7 is cited alone as well (world-systems theory, [Interviewee 7])
    assert cited(changed, "risk.interstate") == {7}
    bad = changed.check_quantifiers().set_index("code").loc[["risk.interstate"]]
    assert not bad["consistent"].any()


def test_sector_table_counts_distinct_interviewees_per_sector(study):
    st = study.sector_table()
    assert list(st.columns) == ["Aid Agency (n=3)", "University (n=2)", "Parliament (the Upper House) (n=2)",
                                "Company (n=1)", "Government (n=1)", "NGO (n=1)"]
    # Interviewees 4, 5, 6, 8 and 10: University 4, 5; Parliament 6; Company 8; NGO 10
    assert st.loc["japan.great_east_japan_earthquake"].tolist() == [0, 2, 1, 1, 0, 1]
    assert st.sum(axis=1).loc["risk.armed_conflict"] == 5


def test_rollup_counts_children_for_their_parent(study):
    tt = study.theme_table(rollup=True)
    children = ["risk.natural_disaster", "risk.interstate", "risk.armed_conflict", "risk.social"]
    union = set().union(*(cited(study, c) for c in children))
    assert {n for n in range(1, 11) if tt.loc["risk", n]} >= union


def test_excerpts_slice_back_out_of_the_paper(study):
    for row in study.excerpts.itertuples():
        assert study.paper[row.start:row.end] == row.text


# -- bad data is reported with the file and line ------------------------------------------

def test_broken_excerpt_offsets_are_reported_with_file_and_line(tmp_path):
    copy = tmp_path / "kurusu2015"
    shutil.copytree(study_dir("kurusu2015"), copy)
    ex = pd.read_csv(copy / "excerpts.csv", dtype=str, keep_default_na=False)
    ex.loc[2, "start"] = str(int(ex.loc[2, "start"]) + 1)
    ex.to_csv(copy / "excerpts.csv", index=False)
    with pytest.raises(StudyError, match=r"excerpts\.csv:4: excerpt .* do not slice its text out of paper\.txt"):
        kurusu2015.load(copy)


def test_stale_coding_quote_is_reported_with_file_and_line(tmp_path):
    copy = tmp_path / "kurusu2015"
    shutil.copytree(study_dir("kurusu2015"), copy)
    cod = pd.read_csv(copy / "codings.csv", dtype=str, keep_default_na=False)
    cod.loc[5, "quote"] = cod.loc[5, "quote"] + " (edited)"
    cod.to_csv(copy / "codings.csv", index=False)
    with pytest.raises(StudyError, match=r"codings\.csv:7: code '.*': 1 coding problem\(s\); first: quote does not match"):
        kurusu2015.load(copy)


def test_missing_file_is_named(tmp_path):
    copy = tmp_path / "kurusu2015"
    shutil.copytree(study_dir("kurusu2015"), copy)
    (copy / "statements.csv").unlink()
    with pytest.raises(StudyError, match=r"statements\.csv: missing study data file"):
        kurusu2015.load(copy)


def test_reproduce_never_overwrites_other_coders_codings(tmp_path, capsys, reproduced_study):
    from hsqual.cli import main

    mine = tmp_path / "codings.csv"
    mine.write_text("doc_id,segment_id,code,start,end,quote,coder\nK001,1,freedoms.dignity,0,3,The,tanaka\n",
                    encoding="utf-8")
    before = mine.read_bytes()
    assert main(["reproduce", "kurusu2015", "--out", str(tmp_path), "--no-figures"]) == 1
    assert mine.read_bytes() == before
    assert capsys.readouterr().err == (f"hsqual reproduce: error: {mine}: the file exists and holds codings of tanaka; "
                                       "refusing to overwrite it (give another --out)\n")
    assert not (tmp_path / "table1_interviewees.csv").exists()
    # the study's own output (its codings.csv included) is rebuilt in place
    out = tmp_path / "again"
    shutil.copytree(reproduced_study[0], out)
    assert main(["reproduce", "kurusu2015", "--out", str(out), "--no-figures"]) == 0
    assert capsys.readouterr().out.startswith(f"hsqual reproduce kurusu2015: wrote {len(reproduced_study[1])} files to ")


def test_theme_table_writes_to_parquet_with_text_column_names(study, tmp_path):
    import warnings

    from hsqual.writers import write_table

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = write_table(study.theme_table(), tmp_path / "theme.parquet")
    back = pd.read_parquet(path)
    assert back.index.name == "code"
    assert back.loc["risk.interstate", ["5", "7", "10"]].tolist() == [True, True, True]


def test_reproduce_writes_the_tables_and_the_rule_figures_it_reports(study, reproduced_study):
    tmp_path = reproduced_study[0]
    t1 = pd.read_csv(tmp_path / "table1_interviewees.csv")
    assert t1["Interviewee"].tolist() == study.table1()["Interviewee"].tolist()
    theme = pd.read_csv(tmp_path / "theme_table.csv", index_col="code")
    assert theme.loc["risk.interstate", "n_cited"] == 3
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    for name in ("rules_vs_manual", "rules_heldout_ja"):
        saved = pd.read_csv(tmp_path / f"{name}.csv")
        micro = saved[saved["level"] == "micro"].iloc[0]
        assert pd.isna(micro["code"])
        assert f"precision {micro['precision']:.3f}, recall {micro['recall']:.3f}" in summary
    chk = study.check_quantifiers()
    word = int((chk["support"] == "paper's word").sum())
    assert (f"quantified statements: 29; borne out by the interviewees the paper cites: {29 - word}; "
            f"resting on the paper's word (fewer cited than the quantifier claims): {word}; "
            "contradicted by the citations: 0") in summary
    assert '"All of the interviewees" (claims 10 to 10 of 10): 2 cited' in summary


def test_the_check_tells_citations_from_the_papers_word(study):
    chk = study.check_quantifiers().set_index("statement_id")
    assert chk["support"].value_counts().to_dict() == {"citations": 14, "paper's word": 15}
    # "All of the interviewees responded in the affirmative" cites two by number
    assert chk.loc["S15", ["support", "n_cited", "n_min"]].tolist() == ["paper's word", 2, 10]
    assert chk.loc["S12", ["support", "n_cited"]].tolist() == ["paper's word", 1]  # "Most of the interviewees"
    assert chk.loc["S07", "support"] == "citations"  # "Three interviewees out of ten [5, 7 and 10]"
    assert (chk["support"] == "citations").eq(chk["covers_range"] & chk["consistent"]).all()
    # "most", "all", "many" without a list reach up to all ten: no citation can contradict them
    assert not chk.loc["S01", "can_contradict"] and chk.loc["S04", "can_contradict"]
    assert int((~chk["can_contradict"]).sum()) == 12


def _cite_more(copy, code, interviewees, *, keep_code=True):
    """Add a coding of ``code`` to one excerpt citing each of ``interviewees`` (alone or not)."""
    codings = pd.read_csv(copy / "codings.csv", dtype=str, keep_default_na=False)
    ex = pd.read_csv(copy / "excerpts.csv", dtype=str, keep_default_na=False)
    new = []
    for n in interviewees:
        doc = ex.loc[ex["interviewees"].str.split(";").apply(lambda xs: str(n) in xs), "excerpt_id"].iloc[0]
        row = codings[codings["doc_id"] == doc].iloc[0].copy()
        row["code"] = code
        new.append(row)
    pd.concat([codings, pd.DataFrame(new)], ignore_index=True).to_csv(copy / "codings.csv", index=False)


def test_the_quantifier_check_fails_when_the_data_disagree(tmp_path):
    """Edit the study data and watch each kind of statement change its verdict."""
    copy = tmp_path / "kurusu2015"
    shutil.copytree(study_dir("kurusu2015"), copy)
    # "only few of our interviewees" (1 to 3) cited for by five: contradicted
    _cite_more(copy, "understanding.downside_risks", [1, 2, 3, 5, 6])
    # "All of the interviewees" cited for by all ten: now borne out by the citations
    _cite_more(copy, "assist.accept", range(1, 11))
    changed = kurusu2015.load(copy).check_quantifiers().set_index("statement_id")
    assert changed.loc["S04", ["support", "consistent"]].tolist() == ["contradicted", False]
    assert changed.loc["S15", ["support", "n_cited"]].tolist() == ["citations", 10]
    summary = kurusu2015.load(copy).summary()
    assert "contradicted by the citations: 1" in summary and "## Statements the citations contradict" in summary

    # "Many of the interviewees" (3 to 10, no list) loses its citations: the paper's word alone
    codings = pd.read_csv(copy / "codings.csv", dtype=str, keep_default_na=False)
    codings = codings[codings["code"] != "japan.domestic_application"]
    codings.to_csv(copy / "codings.csv", index=False)
    changed = kurusu2015.load(copy).check_quantifiers().set_index("statement_id")
    assert changed.loc["S01", ["support", "n_cited", "consistent"]].tolist() == ["paper's word", 0, True]

    # an exact list that no longer matches the codings is contradicted
    st = pd.read_csv(copy / "statements.csv", dtype=str, keep_default_na=False)
    st.loc[st["statement_id"] == "S07", "cited"] = "5;7"
    st.to_csv(copy / "statements.csv", index=False)
    changed = kurusu2015.load(copy).check_quantifiers().set_index("statement_id")
    assert changed.loc["S07", "support"] == "contradicted"


def test_reproduce_writes_figures_for_print_and_a_report_about_excerpts(tmp_path, capsys):
    from hsqual.cli import main

    assert main(["reproduce", "kurusu2015", "--out", str(tmp_path)]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert "frequencies.csv" not in names and "code_frequencies.csv" in names  # one table, not two copies
    for stem in ("frequencies", "heatmap_document", "heatmap_interviewees", "network_document",
                 "network_interviewees", "codes_by_interviewees"):
        png, pdf, svg = (tmp_path / f"{stem}.{ext}" for ext in ("png", "pdf", "svg"))
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert pdf.read_bytes()[:5] == b"%PDF-" and b"<svg" in svg.read_bytes()[:1000]
        width = int.from_bytes(png.read_bytes()[16:20], "big")
        assert width <= 7 * 150, stem  # 7 inches at 150 dpi: a journal page
    page = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "across 101 excerpts" in page and "101 documents" not in page
    assert page.count("measured on the drawn figure: 0 pair(s)") == 2
    heat = pd.read_csv(tmp_path / "cooccurrence_interviewees_matrix.csv", index_col=0)
    assert len(heat) > 16 and "The heatmap shows 16 codes" in page  # the figure is a readable part of the CSV
    by_case = pd.read_csv(tmp_path / "codes_by_interviewees.csv", index_col=0)
    n_empty = int((by_case.sum(axis=1) == 0).sum())
    assert n_empty > 0 and f"leaves out the {n_empty} code(s) coded for no interviewee" in page
