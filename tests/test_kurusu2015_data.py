"""The bundled Kurusu (2015) study data checked against the cleaned text of the paper.

These tests read the files in ``transcripts/kurusu2015`` with pandas only. Every value that can
be checked against ``paper.txt`` is checked against it: offsets slice the text back out, the
bracketed interviewee citations are found in the paper by a regular expression and their numbers
parsed here, independently of the ``interviewees`` column, and Table 1 and Table 2 are rebuilt
from the CSV files and looked up in the paper line by line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

STUDY = Path(__file__).parents[1] / "transcripts" / "kurusu2015"

# the bracketed citations of the paper: [Interviewee 4], [Interviewees 2,3,4,6 and 7],
# [such as interviewees 2, 3 and 6], [for instance, interviewees 3, 4, 6, 8 and 9]
BRACKET = re.compile(r"\[(?:such as |for instance, )?[Ii]nterviewees? [0-9][0-9 ,and]*\]")
ANY_INTERVIEWEE_BRACKET = re.compile(r"\[[^\]]*[Ii]nterviewee[^\]]*\]")

# the code ids of the four study codebooks
CODES = {
    "freedoms", "freedoms.fear", "freedoms.want", "freedoms.dignity", "freedoms.interrelated",
    "protection", "protection.national_framework", "empowerment", "empowerment.bottom_up",
    "empowerment.sustainability", "protection_empowerment.complementary",
    "added_value", "added_value.instrumental", "added_value.onsite_needs", "added_value.comprehensive",
    "added_value.dignity", "added_value.individuals", "added_value.nothing_new", "added_value.politicisation",
    "understanding", "understanding.government_policy", "understanding.non_state_actors",
    "understanding.broad_concept", "understanding.mass_atrocity", "understanding.state_security",
    "understanding.downside_risks", "understanding.practical",
    "risk", "risk.natural_disaster", "risk.interstate", "risk.armed_conflict", "risk.social",
    "risk.multisectoral_response",
    "japan", "japan.domestic_application", "japan.great_east_japan_earthquake", "japan.social_issues",
    "japan.natural_disaster", "japan.other_risks",
    "assist", "assist.accept", "assist.coordination", "assist.consent", "assist.persuasion",
    "assist.via_ngo", "assist.private_sector", "assist.non_military", "assist.intervention",
}

# the sets of interviewees the paper itself prints for a theme
PAPER_LISTS = {
    "risk.interstate": {5, 7, 10},                     # [Interviewees 5, 7 and 10]
    "risk.armed_conflict": {2, 3, 4, 6, 7},            # [Interviewees 2,3,4,6 and 7]
    "risk.social": {2, 3, 6},                          # [such as interviewees 2, 3 and 6]
    "japan.great_east_japan_earthquake": {4, 5, 6, 8, 10},  # [Interviewees 4, 5, 6, 8 and 10]
    "assist.via_ngo": {2, 3, 6},                       # [Interviewees 2, 3, 6]
    "freedoms.interrelated": {3, 4, 6, 8, 9},          # [for instance, interviewees 3, 4, 6, 8 and 9]
    "empowerment.sustainability": {5, 6},              # [Interviewees 5 and 6]
}


def read(name: str) -> pd.DataFrame:
    return pd.read_csv(STUDY / name, dtype=str, keep_default_na=False, encoding="utf-8")


def numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def split_numbers(field: str) -> list[int]:
    return [int(n) for n in field.split(";")] if field else []


@pytest.fixture(scope="module")
def raw() -> bytes:
    return (STUDY / "paper.txt").read_bytes()


@pytest.fixture(scope="module")
def paper(raw) -> str:
    return raw.decode("utf-8")


@pytest.fixture(scope="module")
def body(paper) -> str:
    """The paper without the Notes and the Japanese abstract (offsets are the same)."""
    return paper[: paper.index("\nAbstract (in Japanese)\n")]


@pytest.fixture(scope="module")
def excerpts() -> pd.DataFrame:
    return read("excerpts.csv")


@pytest.fixture(scope="module")
def codings() -> pd.DataFrame:
    return read("codings.csv")


@pytest.fixture(scope="module")
def statements() -> pd.DataFrame:
    return read("statements.csv")


# -- paper.txt -------------------------------------------------------------------------------

def test_paper_file_is_utf8_lf_with_final_newline(raw):
    raw.decode("utf-8")
    assert b"\r" not in raw
    assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")


def test_paper_has_one_paragraph_a_line_and_no_pdf_debris(paper):
    lines = paper.split("\n")[:-1]
    assert all(line and line == line.strip() for line in lines), "empty or padded line"
    assert "  " not in paper
    assert "\uf0fc" not in paper                                  # the PDF's bullet glyph
    assert not [l for l in lines if re.fullmatch(r"\d{1,3}", l)]  # page numbers
    assert lines[:4] == ["Does the Concept of Human Security Generate Additional Value?",
                         "An Analysis of Japanese Stakeholder Perceptions", "Kaoru Kurusu", "Abstract"]
    # a paragraph that runs over a page break and a footnote block is one line
    assert ("Several East Asian countries use equivalent concepts to human security, while other countries"
            in paper)
    assert "\nIn this way human security has become closely related to the concept of peacebuilding." in paper


def test_paper_keeps_the_wording_as_printed(paper):
    for printed in ("just like follow-though in playing tennis", "raison d’etre for NGOs",
                    "[Interviewee 5].Another way to be involved", "multi-sectoral/ cross-departmental",
                    "human security does not the entail use of force", "As was discussed in Section 5-2,",
                    "Japan’s has a specialized capability", "[... ] protection is a necessary condition",
                    "closely connected each other."):
        assert paper.count(printed) == 1, printed


def test_section_headings_are_lines(paper):
    lines = set(paper.split("\n"))
    for heading in ("1. Introduction", "1.1 Objectives of the Paper", "2.3 Questionnaire",
                    "3.1 More as a Practical Approach to Understand and Tackle Reality than an Abstract Concept",
                    "4.1 A Variety of Human Security Risks in East Asia: Natural Disasters, Social Risks, and "
                    "Military Conflicts as Major Threats",
                    "4.2. Human Security Risks in Japan", "5.2 Providing Assistance",
                    "6. Human Security in Practice: On Protection and Empowerment",
                    "8. Has Human Security Generated Additional Value?", "9. Conclusions and Suggestions",
                    "Abstract (in Japanese)", "要約", "Notes"):
        assert heading in lines, heading


def test_footnotes_are_collected_under_notes_in_order(paper, body):
    notes = paper[paper.index("\nNotes\n") + len("\nNotes\n"):].split("\n")[:-1]
    assert [int(n.split(" ", 1)[0]) for n in notes] == list(range(1, 58))
    assert notes[0] == "1 UNDP, Human Development Report, 1994."
    assert notes[43] == "44 The interviewee is kept anonymous upon his/her request."
    assert notes[56] == "57 The interviewee was kept anonymous upon his/her request."
    assert "anonymous upon his/her request" not in body
    assert notes[47].endswith("(The Global Fund): http://www.takeda.com/access/activity/citizenship/.")


def test_footnote_reference_numbers_are_removed_from_the_body(body):
    for clean in ("in the UNDP report of 1994 and since then", "with the United Nations.\n",
                  "also human security issues [Interviewee 7]. For some of the interviewees",
                  "it is a last resort. Another interviewee", "One interviewee said:\n",
                  "as shown in Table 2. Interviewees could express", "both approaches were important",
                  "Japan Platform in addition"):
        assert clean in body, clean
    for glued in ("19941", "[Interviewee 7].38", "resort.44", "said:57", "Table 2.29", "approaches48",
                  "Platform47", "interviewers10"):
        assert glued not in body, glued


def test_japanese_abstract_is_kept_without_added_spaces(paper):
    ja = paper[paper.index("\n要約\n") + 4: paper.index("\nNotes\n")].split("\n")
    assert len(ja) == 3
    assert ja[0].startswith("人間の安全保障概念をめぐる議論がなされて20年以上たつ。")
    assert "概念の導入によって" in ja[0] and "人間の安全保障概念が、日本国内の問題を理解するうえでも" in ja[1]
    assert not re.search(r"[\u3040-\u9fff] [\u3040-\u9fff]", "\n".join(ja))


# -- excerpts.csv ----------------------------------------------------------------------------

def test_excerpt_columns(excerpts):
    assert list(excerpts.columns) == ["excerpt_id", "section", "section_title", "cluster", "interviewees",
                                      "anonymous", "attribution", "kind", "citation", "start", "end", "text"]


def test_excerpt_offsets_slice_their_text_out_of_the_paper(excerpts, paper, body):
    for r in excerpts.itertuples():
        s, e = int(r.start), int(r.end)
        assert 0 <= s < e <= len(body), r.excerpt_id
        assert paper[s:e] == r.text, r.excerpt_id
        assert r.text == r.text.strip(), r.excerpt_id


def test_excerpt_ids_are_unique_and_in_paper_order_without_overlap(excerpts):
    assert excerpts["excerpt_id"].tolist() == [f"K{i:03d}" for i in range(1, len(excerpts) + 1)]
    starts, ends = excerpts["start"].astype(int).tolist(), excerpts["end"].astype(int).tolist()
    assert starts == sorted(starts)
    assert all(e <= s for e, s in zip(ends, starts[1:])), "excerpts overlap"


def test_every_bracket_citation_is_exactly_one_excerpt_with_its_numbers(excerpts, body):
    found = list(BRACKET.finditer(body))
    assert len(found) == len(list(ANY_INTERVIEWEE_BRACKET.finditer(body))) == 59
    spans = [(int(r.start), int(r.end), r) for r in excerpts.itertuples()]
    for m in found:
        owners = [r for s, e, r in spans if s <= m.start() and m.end() <= e]
        assert len(owners) == 1, m.group(0)
        owner = owners[0]
        assert owner.citation == m.group(0)
        assert split_numbers(owner.interviewees) == numbers(m.group(0)), m.group(0)
    assert (excerpts["citation"] != "").sum() == len(found)


def test_excerpt_interviewees_are_the_numbers_of_its_own_bracket(excerpts):
    for r in excerpts.itertuples():
        nums = split_numbers(r.interviewees)
        assert all(1 <= n <= 10 for n in nums), r.excerpt_id
        if r.citation:
            assert r.citation in r.text and r.text.count("[") >= 1
            assert nums == numbers(r.citation), r.excerpt_id
        else:
            assert nums == [] and not BRACKET.search(r.text), r.excerpt_id


def test_the_two_anonymous_interviewees_of_notes_44_and_57(excerpts):
    anon = excerpts[excerpts["anonymous"] == "true"]
    assert set(excerpts["anonymous"]) == {"true", "false"}
    assert len(anon) == 2 and (anon["interviewees"] == "").all() and (anon["citation"] == "").all()
    first, second = anon["text"].tolist()
    assert first == ("An interviewee mentioned that it should accept overseas assistance only when the purpose "
                     "is humanitarian and it is a last resort.")
    assert second.startswith("One interviewee said:\nI also had the impression")
    assert second.endswith("In a way, I associate human security with President Ogata.")
    assert anon["kind"].tolist() == ["paraphrase", "quotation"]


def test_block_quotations_are_quotation_excerpts(excerpts, paper):
    """The paper's block quotations of interviewees are paragraphs of their own, inside quotation excerpts."""
    lines = paper.split("\n")
    openings = ("Before taking these measures, as a premise", "[... ] protection is a necessary condition",
                "JICA regards them [i.e., protection and empowerment]", "Historically, JICA has employed bottom-up",
                "The concept is useful in explaining JICA’s approach", "I also had the impression that the organization",
                "I think people perceive the concept of human security differently",
                "I personally believe that, whenever we use", "Human security is a very sensitive term.")
    blocks = [l for l in lines if l.startswith(openings)]
    assert len(blocks) == len(openings)
    # a block quotation follows a line that introduces it (ending in ':' or ',' or a quoted word)
    for b in blocks:
        prev = lines[lines.index(b) - 1]
        assert prev.endswith((":", ",", "”")), prev
        owner = excerpts[excerpts["text"].str.contains(b, regex=False)]
        assert len(owner) == 1 and owner["kind"].item() == "quotation", b[:40]
        assert owner["text"].item().endswith(b) and "\n" in owner["text"].item()
    assert set(excerpts["kind"]) == {"quotation", "paraphrase"}
    # an excerpt that runs over two paragraphs and ends with a citation carries a block quotation
    multi = excerpts[excerpts["text"].str.contains("\n") & (excerpts["citation"] != "")]
    assert len(multi) == 8 and (multi["kind"] == "quotation").all()
    # direct speech in double quotes attributed to an interviewee
    for words in ("“Haven’t we ignored our own domestic issues?”", "“emphasis on [either aspect of] human security",
                  "“for convenience we separate these three components."):
        assert excerpts.loc[excerpts["text"].str.contains(words, regex=False), "kind"].tolist() == ["quotation"]


def test_excerpt_sections_match_the_headings_above_them(excerpts, paper):
    heads = [(m.start(), m.group(1)) for m in
             re.finditer(r"^(\d+(?:\.\d+)?)\.? [A-Z][^\n]{0,150}$", paper, re.M)]
    abstract_end = paper.index("\n1. Introduction\n")
    for r in excerpts.itertuples():
        s = int(r.start)
        if r.section == "abstract":
            assert s < abstract_end and r.section_title == "Abstract"
            continue
        above = [h for p, h in heads if p < s][-1]
        assert above == r.section, (r.excerpt_id, above)
        assert f"\n{r.section} {r.section_title}\n" in paper or f"\n{r.section}. {r.section_title}\n" in paper


def test_excerpt_clusters_follow_the_sections(excerpts):
    top = {"3": "i", "4": "ii", "5": "iii", "6": "iv", "7": "v", "8": "vi", "9": "vi", "abstract": "vi"}
    for r in excerpts.itertuples():
        expected = "ii" if r.section == "1.2" else top[r.section.split(".")[0]]
        assert r.cluster == expected, r.excerpt_id


def test_excerpt_attribution_words_are_in_the_text(excerpts):
    for r in excerpts.itertuples():
        assert r.attribution.lower() in r.text.lower(), r.excerpt_id
    assert (excerpts["interviewees"] != "").sum() == 59
    # unnumbered group statements of the abstract and conclusions are there
    texts = " ".join(excerpts["text"])
    assert "Many of the interviewees pointed out the utility of human security in addressing human insecurities in Japan" in texts
    assert "the JICA staff members, who explained that human security is a broad concept" in texts
    assert "Another interviewee said that if we are to accept foreign military personnel" in texts


def test_every_passage_cited_for_an_interviewee_is_in_an_excerpt(excerpts, body):
    """The words 'interviewee(s)'/'respondent(s)' of sections 3 to 9 fall inside an excerpt, except the few
    places where the author speaks of the interviews themselves."""
    start3 = body.index("\n3. Conceptual Interpretation of Human Security:")
    spans = [(int(s), int(e)) for s, e in zip(excerpts["start"], excerpts["end"])]
    outside = []
    for m in re.finditer(r"\b(?:interviewees?|respondents?)\b", body[start3:], re.I):
        p = start3 + m.start()
        if not any(s <= p < e for s, e in spans):
            outside.append(body[max(0, p - 60): p + 30])
    allowed = ("Interviewees were asked the", "Our interviewees gave us")
    assert all(any(a in o for a in allowed) for o in outside), outside


# -- codings.csv -----------------------------------------------------------------------------

def test_codings_columns_and_coder(codings):
    assert list(codings.columns) == ["doc_id", "segment_id", "code", "start", "end", "quote", "coder", "rule", "memo"]
    assert set(codings["coder"]) == {"kurusu2015"}
    assert set(codings["segment_id"]) == {"1"}
    assert (codings["rule"] == "").all() and (codings["memo"] != "").all()
    assert set(codings["code"]) <= CODES
    assert not codings.duplicated(["doc_id", "code", "start", "end"]).any()


def test_every_coding_quote_is_its_excerpt_slice(codings, excerpts):
    text = dict(zip(excerpts["excerpt_id"], excerpts["text"]))
    for r in codings.itertuples():
        s, e = int(r.start), int(r.end)
        assert r.doc_id in text, r.doc_id
        assert 0 <= s < e <= len(text[r.doc_id]), (r.doc_id, r.code)
        assert text[r.doc_id][s:e] == r.quote, (r.doc_id, r.code)


def test_every_excerpt_is_coded(codings, excerpts):
    assert set(excerpts["excerpt_id"]) == set(codings["doc_id"])


def test_the_papers_interviewee_lists_hold_in_the_codings(codings, excerpts):
    who = dict(zip(excerpts["excerpt_id"], excerpts["interviewees"].map(split_numbers)))
    cited = defaultdict(set)
    for r in codings.itertuples():
        cited[r.code] |= set(who[r.doc_id])
    for code, printed in PAPER_LISTS.items():
        assert cited[code] == printed, (code, sorted(cited[code]))


def test_codings_follow_the_sections_they_come_from(codings, excerpts):
    section = dict(zip(excerpts["excerpt_id"], excerpts["section"]))
    by_code = codings.groupby("code")["doc_id"].agg(lambda ids: {section[i] for i in ids})
    assert by_code["risk.armed_conflict"] <= {"4.1", "9"}
    assert by_code["empowerment.sustainability"] == {"6"}
    assert by_code["assist.via_ngo"] == {"5.2", "9"}
    assert by_code["understanding.downside_risks"] == {"3.5"}


# -- statements.csv --------------------------------------------------------------------------

def test_statement_columns_and_keys(statements):
    assert list(statements.columns) == ["statement_id", "section", "code", "quantifier", "phrase", "list_kind",
                                        "citation", "cited", "text", "start", "end"]
    assert statements["statement_id"].tolist() == [f"S{i:02d}" for i in range(1, len(statements) + 1)]
    keys = {"all", "almost all", "most", "many", "about half", "half", "several", "some", "few", "shared",
            "common", "main stance", "others", "three out of ten", "two", "three"}
    assert set(statements["quantifier"]) <= keys
    assert set(statements["code"]) <= CODES


def test_statement_offsets_and_phrases(statements, paper):
    starts = statements["start"].astype(int).tolist()
    assert starts == sorted(starts)
    for r in statements.itertuples():
        assert paper[int(r.start):int(r.end)] == r.text, r.statement_id
        assert r.phrase in r.text, r.statement_id


def test_statement_cited_lists_are_the_numbers_of_their_brackets(statements):
    for r in statements.itertuples():
        assert split_numbers(r.cited) == numbers(r.citation), r.statement_id
        if r.citation:
            assert r.citation in r.text and BRACKET.fullmatch(r.citation)
        kind = ("examples" if r.citation.startswith(("[such as", "[for instance")) else
                "exact" if r.citation else "none")
        assert r.list_kind == kind, r.statement_id


def test_statements_agree_with_the_excerpt_codings(statements, codings, excerpts):
    who = dict(zip(excerpts["excerpt_id"], excerpts["interviewees"].map(split_numbers)))
    cited = defaultdict(set)
    for r in codings.itertuples():
        cited[r.code] |= set(who[r.doc_id])
    for r in statements.itertuples():
        printed = set(split_numbers(r.cited))
        if r.list_kind == "exact":
            assert cited[r.code] == printed, r.statement_id
        elif r.list_kind == "examples":
            assert printed <= cited[r.code], r.statement_id
    three = statements[statements["quantifier"] == "three out of ten"]
    assert three["cited"].tolist() == ["5;7;10"]


def test_the_papers_quantified_statements_are_all_there(statements):
    phrases = " | ".join(statements["text"])
    for words in ("almost all the interviewees", "Three interviewees out of ten", "about a half of the interviewees",
                  "several respondents", "all of our interviewees", "For some of the interviewees",
                  "Most of the interviewees", "Half of our interviewees", "most of our respondents",
                  "All of the interviewees responded in the affirmative", "There is a shared perception",
                  "Other interviewees said", "for the most part concurred", "most of our interviewees responded",
                  "many of the interviewees more often attached", "only few of our interviewees",
                  "there was a common recognition", "mostly perceived", "Some of our interviewees pointed out",
                  "some pointed out that human security’s comprehensive nature", "Some expressed their private views",
                  "some of our interviewees stressed the necessity", "our respondents’ main stance",
                  "Many of the interviewees pointed out the utility", "mentioned by other interviewees as well"):
        assert words in phrases, words


# -- interviewees.csv (Table 1) --------------------------------------------------------------

def test_table1_rows_rebuild_the_printed_table(paper):
    iv = read("interviewees.csv")
    assert list(iv.columns) == ["number", "name", "sector", "position", "date", "duration_min", "interviewers",
                                "note_marker", "duration_printed"]
    assert iv["number"].tolist() == [str(i) for i in range(1, 11)]
    lines = set(paper.split("\n"))
    for r in iv.itertuples():
        d = date.fromisoformat(r.date)
        printed = f"{r.number} {r.name}{r.note_marker} {r.sector} {r.position} {d.month}/{d.day}/{d.year} {r.duration_printed}"
        assert printed in lines, printed
        assert int(r.duration_min) == int(r.duration_printed.split()[0])


def test_table1_spot_checks(paper):
    iv = read("interviewees.csv").set_index("number")
    assert iv.loc["5", ["name", "sector", "duration_min", "date"]].tolist() == [
        "KAJI Misako", "University", "74", "2013-11-11"]
    assert "5 KAJI Misako** University Professor of the University of Tokyo" in paper
    assert iv.loc["5", "duration_printed"] == "74 min"
    assert iv.loc["9", "position"] == "Ministry of Foreign Affairs (Ambassador, Director-General for Global Issues)"
    assert iv.loc["6", "sector"] == iv.loc["7", "sector"] == "Parliament (the Upper House)"
    # "The duration of the interviews was approximately 60 minutes."
    assert 55 <= iv["duration_min"].astype(int).mean() <= 65
    # "Interviews were conducted by the author September 2013 through April 2014."
    assert min(iv["date"]) >= "2013-09-01" and max(iv["date"]) <= "2014-04-30"


def test_table1_interviewers_come_from_the_table_notes(paper):
    iv = read("interviewees.csv")
    notes = dict(re.findall(r"^(\*+) Interview was conducted by (.+)\.$", paper, re.M))
    assert set(notes) == {"*", "**", "***"}
    for r in iv.itertuples():
        if r.note_marker:
            names = re.split(r", | and ", notes[r.note_marker])
        else:
            names = ["Kurusu"]   # "Interviews were conducted by the author"
        assert r.interviewers == "; ".join(names), r.number


# -- questions.csv (Table 2) -----------------------------------------------------------------

def test_table2_questions_are_printed_in_the_table(paper):
    q = read("questions.csv")
    assert list(q.columns) == ["cluster", "cluster_title", "part", "question_no", "question",
                               "cluster_title_table", "bullet"]
    table = paper[paper.index("\n[Table 2] Interview Questions\n"): paper.index("\n3. Conceptual Interpretation")]
    rebuilt = []
    for cluster, rows in q.groupby("cluster", sort=False):
        rebuilt.append(f"({cluster}) {rows['cluster_title_table'].iloc[0]}")
        assert rows["question_no"].astype(int).tolist() == list(range(1, len(rows) + 1))
        part = ""
        for r in rows.itertuples():
            if r.part != part:
                part = r.part
                code, title = part.split(" ", 1)
                rebuilt.append(f"({code}) {title}")
            rebuilt.append(f"{r.bullet} {r.question}" if r.bullet else r.question)
    assert table.split("\n")[2:] == rebuilt
    assert q["cluster"].unique().tolist() == ["i", "ii", "iii", "iv", "v", "vi"]
    assert set(q["part"]) == {"", "iii-i Accepting assistance", "iii-ii Providing assistance"}


def test_table2_cluster_titles_are_those_of_section_2_3(paper):
    q = read("questions.csv").drop_duplicates("cluster")
    sentence = next(l for l in paper.split("\n") if l.startswith("In each interview, we raised six clusters"))
    for r in q.itertuples():
        assert f"({r.cluster}) {r.cluster_title}" in sentence
        assert r.cluster_title.lower().endswith(r.cluster_title_table.lower())
