"""show_document and the HTML of a coded document: spans, escaping, filters, overlaps, Japanese."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from htmltree import Page

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.view import PALETTE, CodedDocument, code_colors, document_html, highlight_text, show_document

TEXT = "We must protect people from violence. Then we empower communities to act with dignity."


def coding(doc_id, text, code, words, coder="ana", **extra):
    start = text.index(words)
    return {"doc_id": doc_id, "segment_id": 1, "code": code, "start": start, "end": start + len(words),
            "quote": words, "coder": coder, **extra}


@pytest.fixture()
def codebook():
    return Codebook("t", [
        Code(id="protection", label={"en": "Protection", "ja": "保護"}, color="#1f77b4"),
        Code(id="protection.violence", label={"en": "Violence", "ja": "暴力"}, parent="protection"),
        Code(id="empowerment", label={"en": "Empowerment", "ja": "エンパワーメント"}, color="#2ca02c"),
        Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"})])


@pytest.fixture()
def corpus():
    return Corpus([Document("E1", TEXT, {"language": "en", "sector": "NGO"})])


@pytest.fixture()
def overlapping():
    # protection covers "protect people from violence"; violence nests in it; empowerment crosses
    # the sentence end into the next; dignity stands alone
    rows = [coding("E1", TEXT, "protection", "protect people from violence"),
            coding("E1", TEXT, "protection.violence", "violence"),
            coding("E1", TEXT, "empowerment", "violence. Then we empower communities", coder="ben"),
            coding("E1", TEXT, "dignity", "dignity", coder="rules", rule="dignity/en#1: dignit*",
                   match_text="dignity")]
    return codings_frame(rows)


def test_every_coding_is_a_data_code_span_whose_fragments_join_to_its_quote(corpus, overlapping, codebook):
    view = show_document(overlapping, corpus, "E1", codebook=codebook)
    page = Page(view.html)
    assert page.texts == [TEXT]                      # the text is all there, in order, once
    assert len(page.codings) == 4
    for key, row in zip(("c0", "c1", "c2", "c3"), overlapping.itertuples()):
        assert page.quote_of(key) == row.quote
        assert {a["data-code"] for a, _ in page.codings[key]} == {row.code}
        assert {a["data-coder"] for a, _ in page.codings[key]} == {row.coder}
    # the anchor of a coding is on its first fragment only
    assert sorted(i for i in page.ids if re.fullmatch(r"c\d", i)) == ["c0", "c1", "c2", "c3"]


def test_overlapping_codings_get_distinct_underline_lanes(corpus, overlapping):
    page = Page(show_document(overlapping, corpus, "E1").html)

    def pad(key):
        return {int(re.search(r"padding-bottom:(\d+)px", a["style"]).group(1)) for a, _ in page.codings[key]}

    # protection, violence and empowerment all cover "violence": three different lines
    assert len({*pad("c0"), *pad("c1"), *pad("c2")}) == 3
    assert len(pad("c0")) == len(pad("c1")) == len(pad("c2")) == 1   # a coding keeps its line
    # "violence" is cut into properly nested fragments of the three codings
    assert len(page.codings["c2"]) == 2 and page.codings["c2"][0][1] == "violence"


def test_colours_come_from_the_codebook_else_a_stable_palette(corpus, overlapping, codebook):
    html = show_document(overlapping, corpus, "E1", codebook=codebook).html
    assert "border-bottom-color:#1f77b4" in html and "background:#2ca02c30" in html
    colors = code_colors(["dignity", "protection.violence"], codebook)
    assert colors["dignity"] == PALETTE[3 % len(PALETTE)]           # its place in the codebook
    assert code_colors(["zz.other"])["zz.other"] == code_colors(["a", "zz.other"])["zz.other"]
    assert f"background:{colors['dignity']}30" in html
    # a colour that is not #RRGGBB never reaches a style attribute
    odd = Codebook("t", [Code(id="x", label={"en": "X"}, color="red;background:url(http://example.org/a)")])
    assert code_colors(["x"], odd)["x"] == PALETTE[0]


def test_hover_text_names_label_coder_rule_and_evidence(corpus, overlapping, codebook):
    page = Page(show_document(overlapping, corpus, "E1", codebook=codebook).html)
    tip = page.codings["c3"][0][0]["title"]
    assert tip.splitlines() == ["Dignity (dignity)", "coder: rules", "rule: dignity/en#1: dignit*",
                                "evidence: dignity"]
    assert page.codings["c0"][0][0]["title"].splitlines() == ["Protection (protection)", "coder: ana"]


def test_rule_codings_show_the_rule_that_fired():
    codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    corpus = hsqual.studies.kurusu2015.load().corpus.subset(["K001"])
    rules = hsqual.apply_codebook(corpus, codebook, unit="sentence")
    assert len(rules) >= 3
    page = Page(show_document(rules, corpus, "K001", codebook=codebook).html)
    assert len(page.codings) == len(rules)
    for key in page.order:
        row = rules.loc[int(key[1:])]
        tip = page.codings[key][0][0]["title"]
        assert f"rule: {row['rule'][:60]}" in tip and f"evidence: {row['match_text']}" in tip
        assert page.quote_of(key) == row["quote"]


def test_a_speaker_column_is_shown_when_the_codings_carry_one(corpus, overlapping):
    with_speaker = overlapping.assign(speaker=["Interviewee 4", "", "Interviewee 4", None])
    tip = Page(show_document(with_speaker, corpus, "E1").html).codings["c0"][0][0]["title"]
    assert "speaker: Interviewee 4" in tip.splitlines()
    assert not any("speaker" in line for line in Page(show_document(with_speaker, corpus, "E1").html)
                   .codings["c1"][0][0]["title"].splitlines())


def test_every_text_is_escaped():
    evil = '<script>alert("x")</script>'
    text = f"He said {evil} & left."
    corpus = Corpus([Document("X<1>", text, {"language": "en", "title": '<img src=x onerror="alert(1)">'})])
    cb = Codebook("t", [Code(id="harm", label={"en": '<b onmouseover="alert(2)">Harm</b>'})])
    codings = codings_frame([coding("X<1>", text, "harm", evil, coder='"><script>alert(3)</script>',
                                    memo="</span><script>alert(4)</script>")])
    html = show_document(codings, corpus, "X<1>", codebook=cb).html
    assert "<script" not in html and "<img" not in html and "<b " not in html
    page = Page(html)
    assert page.texts == [text]
    [[attrs, words]] = page.codings["c0"]
    assert words == evil
    assert attrs["data-coder"] == '"><script>alert(3)</script>'
    assert "memo: </span><script>alert(4)</script>" in attrs["title"]
    assert '<b onmouseover="alert(2)">Harm</b> (harm)' in attrs["title"]
    # the standalone page's only scripts are hsqual's own
    full = Page(CodedDocument("X", html, codings, len(text), "en").to_html())
    assert len(full.scripts) == 1 and "hsqualInit" in full.scripts[0]


def test_filters_by_code_and_coder(corpus, overlapping, codebook):
    only = Page(show_document(overlapping, corpus, "E1", codebook=codebook, codes=["empowerment"]).html)
    assert [a["data-code"] for a, _ in only.codings[only.order[0]]] == ["empowerment"]
    assert only.quote_of(only.order[0]) == "violence. Then we empower communities"
    assert len(only.codings) == 1 and only.texts == [TEXT]
    # a parent code stands for its descendants
    parent = show_document(overlapping, corpus, "E1", codebook=codebook, codes="protection")
    assert sorted(parent.codings["code"]) == ["protection", "protection.violence"]
    by_coder = show_document(overlapping, corpus, "E1", coders=["ben", "rules"])
    assert sorted(by_coder.codings["coder"]) == ["ben", "rules"]
    assert "Showing only coders ben, rules." in by_coder.html
    with pytest.raises(ValueError, match="codes: 'protectoin' not found"):
        show_document(overlapping, corpus, "E1", codes="protectoin")
    with pytest.raises(ValueError, match="coders: 'carol' not found; known coders: ana, ben, rules"):
        show_document(overlapping, corpus, "E1", coders="carol")
    with pytest.raises(KeyError, match="no document 'E2'"):
        show_document(overlapping, corpus, "E2")


def test_the_filter_panel_lists_codes_and_coders_with_counts(corpus, overlapping, codebook):
    page = Page(show_document(overlapping, corpus, "E1", codebook=codebook).html)
    html = show_document(overlapping, corpus, "E1", codebook=codebook).html
    boxes = re.findall(r'<input type="checkbox" checked data-filter="(code|coder)" value="([^"]+)">', html)
    assert boxes == [("code", "protection"), ("code", "protection.violence"), ("code", "empowerment"),
                     ("code", "dignity"), ("coder", "ana"), ("coder", "ben"), ("coder", "rules")]
    assert page.scripts == []  # the fragment has no script; _repr_html_ adds it
    assert "hsqualInit" in show_document(overlapping, corpus, "E1")._repr_html_()


def test_a_japanese_interview_shows_turns_speakers_and_japanese_labels(tmp_path, codebook):
    (tmp_path / "int01.md").write_text(
        "---\nid: int01\nlanguage: ja\nspeakers: [聞き手, 田中]\n---\n"
        "聞き手：人間の安全保障とは何ですか。\n田中：恐怖からの自由と欠乏からの自由です。尊厳も大切です。\n",
        encoding="utf-8")
    corpus = hsqual.load_corpus(tmp_path)
    text = corpus.doc("int01").text
    codings = codings_frame([{**coding("int01", text, "protection", "恐怖からの自由"), "segment_id": 2},
                             {**coding("int01", text, "dignity", "尊厳も大切です"), "segment_id": 2},
                             {**coding("int01", text, "empowerment", "何ですか。\n田中：恐怖"), "segment_id": 1}])
    view = show_document(codings, corpus, "int01", codebook=codebook)
    page = Page(view.html)
    assert 'lang="ja"' in view.html
    assert page.speakers[:1] == ["聞き手"] and "田中" in page.speakers
    # the turns' words, and the speaker prefix between them only where a coding crosses it
    assert page.texts[0] == "人間の安全保障とは何ですか。"
    assert "".join(page.texts) == text[text.index("人間"):].rstrip("\n")
    assert [page.quote_of(k) for k in ("c0", "c1", "c2")] == list(codings["quote"])
    assert re.search(r'value="protection"><span class="hsq-sw"[^>]*></span>保護', view.html)
    assert show_document(codings, corpus, "int01", codebook=codebook, lang="en").html.count(">Protection") == 1


def test_codings_outside_the_text_are_listed_not_dropped(corpus, overlapping):
    bad = codings_frame(pd.concat([overlapping, codings_frame([
        {"doc_id": "E1", "segment_id": 1, "code": "dignity", "start": 80, "end": 200, "quote": "x", "coder": "ana"},
        {"doc_id": "E1", "segment_id": 1, "code": "dignity", "start": 0, "end": 2, "quote": "Us", "coder": "ana"}])]))
    view = show_document(bad, corpus, "E1")
    assert "1 coding(s) lie outside the text (86 characters) and are not shown: dignity 80-200 (ana)." in view.html
    assert "1 coding(s) quote words that differ from the text" in view.html
    assert "the quote differs from the text here: &#x27;Us&#x27;" in view.html


def test_fifty_codes_get_a_search_box_and_every_span(corpus):
    words = TEXT.split()
    rows = []
    for i in range(55):
        w = words[i % len(words)]
        start = TEXT.index(w)
        rows.append({"doc_id": "E1", "segment_id": 1, "code": f"c{i:02d}", "start": start, "end": start + len(w),
                     "quote": w, "coder": "ana"})
    html = show_document(codings_frame(rows), corpus, "E1").html
    page = Page(html)
    assert 'class="hsq-find"' in html
    assert len({a["data-code"] for frags in page.codings.values() for a, _ in frags}) == 55
    assert page.texts == [TEXT]


def test_highlight_text_cuts_spans_at_the_range(corpus, overlapping):
    lo, hi = TEXT.index("from"), TEXT.index("empower") + len("empower")
    html = highlight_text(TEXT, overlapping, start=lo, end=hi, anchors=False)
    page = Page(f'<div class="hsq-text">{html}</div>')
    assert page.texts == [TEXT[lo:hi]] and page.ids == []
    assert page.quote_of("c2") == "violence. Then we empower"


def test_save_writes_a_standalone_page(corpus, overlapping):
    path = show_document(overlapping, corpus, "E1").save(Path(tempfile.mkdtemp()) / "e1.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "http" not in text.replace('name="viewport"', "")
    assert document_html(corpus, overlapping, "E1") in text


def test_paragraphs_are_blocks_and_a_coding_may_cross_them():
    text = "First paragraph on fear.\n\nSecond on want.\n\n\nThird on dignity."
    corpus = Corpus([Document("P", text)])
    codings = codings_frame([coding("P", text, "fear", "fear.\n\nSecond"), coding("P", text, "dignity", "dignity")])
    page = Page(show_document(codings, corpus, "P").html)
    assert page.texts == ["First paragraph on fear.", "Second on want.", "Third on dignity."]
    assert page.quote_of("c0") == "fear.Second"          # the blank line between is the page's spacing
    assert len(page.codings["c0"]) == 2 and page.quote_of("c1") == "dignity"


def test_row_labels_that_repeat_do_not_repeat_anchors(corpus, overlapping):
    doubled = pd.concat([overlapping.iloc[:2], overlapping.iloc[:2]])      # labels 0, 1, 0, 1
    page = Page(show_document(doubled, corpus, "E1").html)
    assert sorted(i for i in page.ids if i.startswith("c")) == ["c0", "c1", "c2", "c3"]
