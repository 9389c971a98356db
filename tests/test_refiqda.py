"""REFI-QDA exchange: codebooks (.qdc) and projects (.qdpx), round trips and other tools' files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
import zipfile

import pytest
from malicious.crafted import CODE_GUID, SOURCE_GUID, foreign_project, foreign_qdpx, zip_bytes

from hsqual.codebook import Code, Codebook, Example, Paraphrase, load_codebooks
from hsqual.codings import CODINGS_COLUMNS, check_codings, codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.errors import ExchangeError
from hsqual.refiqda import (
    NS_CODEBOOK, NS_PROJECT, code_guid, export_qdc, export_qdpx, import_qdc, import_qdpx, schema_errors,
)
from hsqual.resources import bundled_codebooks
from hsqual.segment import segment_corpus


def _plain(code: Code) -> Code:
    return dataclasses.replace(code, line=None)


def _same_codebook(a: Codebook, b: Codebook) -> None:
    assert a.ids == b.ids
    assert [_plain(c) for c in a.codes] == [_plain(c) for c in b.codes]
    for pa, pb in zip(a.parts or (a,), b.parts or (b,)):
        assert (pa.id, pa.version, dict(pa.title), pa.source, dict(pa.description), pa.languages) == \
               (pb.id, pb.version, dict(pb.title), pb.source, dict(pb.description), pb.languages)


@pytest.fixture(scope="module")
def bundled():
    return load_codebooks(bundled_codebooks())


def test_bundled_codebooks_round_trip_through_qdc(tmp_path, bundled):
    path = export_qdc(bundled, tmp_path / "all.qdc")
    back = import_qdc(path)
    _same_codebook(bundled, back)
    assert [p.id for p in back.parts] == [p.id for p in bundled.parts]
    assert schema_errors(path) == []


def test_reexport_is_byte_identical_and_guids_are_uuid5_of_the_code_id(tmp_path, bundled):
    a = export_qdc(bundled, tmp_path / "a.qdc").read_bytes()
    b = export_qdc(import_qdc(tmp_path / "a.qdc"), tmp_path / "b.qdc").read_bytes()
    assert a == b
    first = bundled.ids[0]
    guid = code_guid(first)
    assert uuid.UUID(guid).version == 5
    assert f'guid="{guid}"'.encode() in a
    assert code_guid(first) == guid and code_guid(bundled.ids[1]) != guid


def test_hierarchy_is_nesting_and_name_is_the_english_label(tmp_path):
    cb = Codebook("demo", [
        Code(id="want", label={"en": "Freedom from want", "ja": "欠乏からの自由"}, color="#ff7f0e", codebook="demo"),
        Code(id="want.food", label={"en": "Food", "ja": "食料"}, parent="want", codebook="demo"),
        Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"}, codebook="demo"),
    ], version="2", title={"en": "Demo", "ja": "デモ"}, source="test")
    path = export_qdc(cb, tmp_path / "d.qdc")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(path.read_bytes())
    q = lambda t: f"{{{NS_CODEBOOK}}}{t}"  # noqa: E731
    top = root.find(q("Codes")).findall(q("Code"))
    assert [c.get("name") for c in top] == ["Freedom from want", "Freedom from fear"]
    assert [c.get("name") for c in top[0].findall(q("Code"))] == ["Food"]
    assert top[0].get("color") == "#ff7f0e" and top[0].get("isCodable") == "true"
    _same_codebook(cb, import_qdc(path))


def test_description_sections_are_readable_and_user_text_that_looks_like_a_heading_survives(tmp_path):
    tricky = "First line.\n## Code id\nnot.an.id\n\\backslash line\n  ## indented"
    code = Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"},
                definition={"en": tricky, "ja": "尊厳をもって生きる自由。"},
                when_to_use={"en": "Dignity is named."}, when_not_to_use={"en": "Honour in a ritual sense."},
                examples=(Example("a stronger human face", "Kurusu 2015, §9"), Example("尊厳", "Interviewee 4")),
                rules={"en": ('"live in dignity"', "NEAR(dignity, human, 5)"), "ja": ('"尊厳"',)},
                codebook="demo")
    cb = Codebook("demo", [code], version="1", title={"en": "Demo", "ja": "デモ"}, source="test")
    text = export_qdc(cb, tmp_path / "d.qdc").read_text(encoding="utf-8")
    for heading in ("## Definition (en)", "## When to use (en)", "## Example 2 source", "## Rule 2 (en)",
                    "## Rule 1 (ja)", "## Label (ja)"):
        assert heading in text
    assert "\\## Code id" in text  # the user's line, escaped
    back = import_qdc(tmp_path / "d.qdc")
    assert back["dignity"].definition["en"] == tricky
    _same_codebook(cb, back)


def test_foreign_codebook_gets_ids_from_names_and_description_as_definition(tmp_path):
    p = tmp_path / "nvivo.qdc"
    p.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{NS_CODEBOOK}" origin="NVivo"><Codes>'
        '<Code guid="{0B1D3C7A-0C1E-4C52-9A57-7A1F7F3D6E01}" name="Freedom from Want" isCodable="false" color="#0F0">'
        '<Code guid="0b1d3c7a-0c1e-4c52-9a57-7a1f7f3d6e02" name="Food security" isCodable="true">'
        "<Description>Access to enough food.</Description></Code>"
        '<Code guid="0b1d3c7a-0c1e-4c52-9a57-7a1f7f3d6e03" name="Food security" isCodable="true"/></Code>'
        '<Code guid="0b1d3c7a-0c1e-4c52-9a57-7a1f7f3d6e04" name="人間の安全保障" isCodable="true"/>'
        "</Codes></CodeBook>", encoding="utf-8")
    cb = import_qdc(p)
    assert cb.ids == ["freedom_from_want", "freedom_from_want.food_security", "freedom_from_want.food_security_2",
                      "code"]
    assert cb["freedom_from_want"].color == "#00FF00"
    assert cb["freedom_from_want.food_security"].definition == {"en": "Access to enough food."}
    assert cb["code"].label == {"en": "人間の安全保障"}
    assert cb.id == "nvivo" and cb.parent("freedom_from_want.food_security") == "freedom_from_want"


def test_code_renamed_in_another_tool_keeps_its_id_and_takes_the_new_name(tmp_path):
    cb = Codebook("demo", [Code(id="fear", label={"en": "Fear", "ja": "恐怖"}, codebook="demo")], title={"en": "D"})
    path = export_qdc(cb, tmp_path / "d.qdc")
    path.write_text(path.read_text(encoding="utf-8").replace('name="Fear"', 'name="Freedom from fear"'),
                    encoding="utf-8")
    back = import_qdc(path)
    assert back["fear"].label == {"en": "Freedom from fear", "ja": "恐怖"}


# ---------------------------------------------------------------------------------------
# Projects
# ---------------------------------------------------------------------------------------

TEXT_JA = "聞き手：人間の安全保障とは？\r\n岡田：尊厳をもって生きる自由です。𠮷野家でも🙂。\r\n"
TEXT_EN = "Q: What does it add?\r\nA: Freedom from fear 👩‍👩‍👧 and want.\r\n"


def _study():
    cb = Codebook("demo", [
        Code(id="freedoms", label={"en": "Three freedoms", "ja": "三つの自由"}, codebook="demo"),
        Code(id="freedoms.dignity", label={"en": "Dignity", "ja": "尊厳"}, parent="freedoms", codebook="demo"),
        Code(id="freedoms.fear", label={"en": "Fear", "ja": "恐怖"}, parent="freedoms", codebook="demo"),
    ], version="1", title={"en": "Demo", "ja": "デモ"}, source="test")
    corpus = segment_corpus(Corpus([
        Document("int04", TEXT_JA, {"language": "ja", "interviewee": 4, "sector": "NGO", "duration_min": 62.5,
                                    "recorded": True, "date": dt.date(2014, 3, 5),
                                    "sent": dt.datetime(2014, 3, 6, 9, 30), "speakers": ["聞き手", "岡田"]}),
        Document("int07", TEXT_EN, {"language": "en", "interviewee": 7, "sector": "government",
                                    "duration_min": 45.0, "recorded": False, "date": dt.date(2014, 4, 1),
                                    "speakers": ["Q", "A"], "note": None}),
    ]), "turn")
    rows = []

    def add(doc, quote, code, coder, *, seg=1, memo="", rule="", **extra):
        text = corpus.doc(doc).text
        s = text.index(quote)
        rows.append({"doc_id": doc, "segment_id": seg, "code": code, "start": s, "end": s + len(quote),
                     "quote": quote, "coder": coder, "rule": rule, "memo": memo, **extra})

    add("int04", "尊厳をもって生きる自由", "freedoms.dignity", "kurusu2015", seg=2, memo="核心の発言")
    add("int04", "𠮷野家でも🙂", "freedoms.dignity", "sato", seg=2)
    add("int04", "人間の安全保障とは？\r\n岡田", "freedoms", "kurusu2015", memo="spans the CRLF")
    add("int07", "Freedom from fear 👩‍👩‍👧", "freedoms.fear", "rules", seg=2, rule="demo/freedoms.fear/en#1: fear",
        score=0.75, match_start=25)
    add("int07", "Freedom from fear 👩‍👩‍👧", "freedoms.fear", "rules", seg=2, rule="demo/freedoms.fear/en#1: fear",
        score=0.5, match_start=25)  # a duplicate row stays a duplicate row
    return corpus, codings_frame(rows), cb


def test_project_round_trip_offset_for_offset(tmp_path):
    corpus, codings, cb = _study()
    path = export_qdpx(codings, corpus, cb, tmp_path / "study.qdpx", users={"kurusu2015": "Kaoru Kurusu"})
    corpus2, codings2, cb2 = import_qdpx(path)
    _same_codebook(cb, cb2)
    assert [(d.doc_id, d.text, dict(d.meta)) for d in corpus2] == \
           [(d.doc_id, d.text, {k: v for k, v in d.meta.items() if v is not None}) for d in corpus]
    assert codings2[CODINGS_COLUMNS].equals(codings[CODINGS_COLUMNS])
    assert codings2["score"].isna().tolist() == [True, True, True, False, False]
    assert codings2["score"].tolist()[3:] == [0.75, 0.5]
    assert codings2["match_start"].tolist()[3:] == [25, 25]
    for r in codings2.itertuples():
        assert corpus2.doc(r.doc_id).text[r.start:r.end] == r.quote
    assert check_codings(codings, corpus, cb).empty
    assert check_codings(codings2, corpus2, cb2).empty
    assert corpus2.segments == corpus.segments  # turns, with their speakers, as exported
    report = codings2.attrs["refiqda"]
    assert report["segments"] == {"from_file": ["int04", "int07"], "detected": [], "changed_rows": []}
    assert report["offsets"] == "codepoints" and report["problems"] == []
    assert report["users"] == {"kurusu2015": "Kaoru Kurusu", "sato": "sato", "rules": "rules"}
    assert schema_errors(path) == []


def test_project_file_layout_sources_users_cases_variables(tmp_path):
    corpus, codings, cb = _study()
    path = export_qdpx(codings, corpus, cb, tmp_path / "study.qdpx", users={"kurusu2015": "Kaoru Kurusu"},
                       cases="interviewee")
    zf = zipfile.ZipFile(path)
    names = zf.namelist()
    assert names[0] == "project.qde" and len([n for n in names if n.startswith("sources/")]) == 2
    src = [n for n in names if n.startswith("sources/")][0]
    assert zf.read(src).decode("utf-8") == TEXT_JA  # UTF-8, CRLF kept
    import xml.etree.ElementTree as ET

    root = ET.fromstring(zf.read("project.qde"))
    q = lambda t: f"{{{NS_PROJECT}}}{t}"  # noqa: E731
    users = {u.get("id"): u.get("name") for u in root.iter(q("User"))}
    assert users["kurusu2015"] == "Kaoru Kurusu"
    kinds = {v.get("name"): v.get("typeOfVariable") for v in root.iter(q("Variable"))}
    # "note" is None in every document: no variable; lists are Text holding JSON
    assert kinds == {"language": "Text", "interviewee": "Integer", "sector": "Text", "duration_min": "Float",
                     "recorded": "Boolean", "date": "Date", "sent": "DateTime", "speakers": "Text"}
    cases = {c.get("name"): [r.get("targetGUID") for r in c.iter(q("SourceRef"))] for c in root.iter(q("Case"))}
    sources = {s.get("name"): s.get("guid") for s in root.iter(q("TextSource"))}
    assert cases == {"4": [sources["int04"]], "7": [sources["int07"]]}
    sel = next(root.iter(q("PlainTextSelection")))
    assert sel.get("startPosition") == str(TEXT_JA.index("尊厳")) and sel.get("name") == "尊厳をもって生きる自由"
    coding = sel.find(q("Coding"))
    assert coding.find(q("CodeRef")).get("targetGUID") == code_guid("freedoms.dignity")
    assert coding.get("creatingUser") == [u.get("guid") for u in root.iter(q("User")) if u.get("id") == "kurusu2015"][0]
    memo_ref = sel.find(q("NoteRef")).get("targetGUID")
    assert [n.find(q("PlainTextContent")).text for n in root.iter(q("Note")) if n.get("guid") == memo_ref] == ["核心の発言"]


def test_export_is_deterministic(tmp_path):
    corpus, codings, cb = _study()
    a = export_qdpx(codings, corpus, cb, tmp_path / "a.qdpx").read_bytes()
    b = export_qdpx(codings, corpus, cb, tmp_path / "b.qdpx").read_bytes()
    assert a == b


def test_export_refuses_codings_that_do_not_fit(tmp_path):
    corpus, codings, cb = _study()
    bad = codings.copy()
    bad.loc[0, "code"] = "freedoms.nothing"
    bad.loc[1, "doc_id"] = "int99"
    bad.loc[2, "end"] = 10_000
    with pytest.raises(ExchangeError) as err:
        export_qdpx(bad, corpus, cb, tmp_path / "x.qdpx")
    msg = str(err.value)
    assert "row 0: code 'freedoms.nothing' is not in the codebook" in msg
    assert "row 1: document 'int99' is not in the corpus" in msg
    assert "row 2: offsets" in msg
    assert not (tmp_path / "x.qdpx").exists()


def test_bundled_codebooks_in_a_project_round_trip(tmp_path, bundled):
    corpus = Corpus([Document("d", "freedom from fear")])
    path = export_qdpx(codings_frame(), corpus, bundled, tmp_path / "p.qdpx")
    _, codings, back = import_qdpx(path)
    _same_codebook(bundled, back)
    assert codings.empty


# ---------------------------------------------------------------------------------------
# Segments: the imported corpus and codings agree
# ---------------------------------------------------------------------------------------

INTERVIEW = """---
id: int04
language: en
interviewee: 4
sector: NGO
speakers: [Interviewer, Interviewee 4]
---
Interviewer: What does human security add for you?

Interviewee 4: It puts people first. Freedom from fear matters most in conflict.

Interviewer: And dignity?

Interviewee 4: Dignity is the core: people must live in dignity, not only survive.

Interviewer: Thank you.
"""


def _interview(tmp_path):
    """A transcript of five turns read by load_corpus, with codings on turns 2-4."""
    from hsqual.transcripts import load_corpus

    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "int04.md").write_text(INTERVIEW, encoding="utf-8")
    corpus = load_corpus(tmp_path / "interviews")
    text = corpus.doc("int04").text
    rows = []
    for quote, code in [("Freedom from fear", "freedoms.fear"), ("And dignity?", "freedoms"),
                        ("live in dignity", "freedoms.dignity"), ("Dignity is the core", "freedoms.dignity")]:
        s = text.index(quote)
        seg = next(x.segment_id for x in corpus.segments if x.start <= s < x.end)
        rows.append({"doc_id": "int04", "segment_id": seg, "code": code, "start": s, "end": s + len(quote),
                     "quote": quote, "coder": "kurusu2015"})
    return corpus, codings_frame(rows)


def _without_segment_lists(path, out):
    """The same project as another tool would write it: no segment list in the sources' descriptions."""
    import re

    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    qde = members["project.qde"].decode("utf-8")
    stripped = re.sub(r"<Description>## Segments\n.*?</Description>", "", qde, flags=re.S)
    assert stripped != qde
    members["project.qde"] = stripped.encode("utf-8")
    out.write_bytes(zip_bytes(members))
    return out


def test_kurusu_study_round_trips_with_consistent_segments(tmp_path):
    from hsqual.cooccur import cooccurrence
    from hsqual.studies import kurusu2015

    study = kurusu2015.load()
    path = export_qdpx(study.codings, study.corpus, study.codebook, tmp_path / "kurusu.qdpx")
    corpus, codings, cb = import_qdpx(path)
    assert check_codings(codings, corpus).empty
    assert check_codings(codings, corpus, cb).empty
    assert corpus.segments == study.corpus.segments
    cols = ["doc_id", "segment_id", "start", "end", "quote", "code"]
    assert codings[cols].equals(study.codings[cols].reset_index(drop=True))
    expected = cooccurrence(study.codings, unit="segment", corpus=study.corpus)
    assert cooccurrence(codings, unit="segment", corpus=corpus).equals(expected)


def test_multi_turn_transcript_round_trips_segment_for_segment(tmp_path):
    from hsqual.cooccur import cooccurrence

    corpus, codings = _interview(tmp_path)
    assert [s.speaker for s in corpus.segments] == ["Interviewer", "Interviewee 4"] * 2 + ["Interviewer"]
    assert codings["segment_id"].tolist() == [2, 3, 4, 4]
    cb = load_codebooks(bundled_codebooks())
    path = export_qdpx(codings, corpus, cb, tmp_path / "int04.qdpx")
    assert schema_errors(path) == []
    corpus2, codings2, cb2 = import_qdpx(path)
    assert corpus2.segments == corpus.segments
    assert codings2[CODINGS_COLUMNS].equals(codings[CODINGS_COLUMNS])
    assert check_codings(codings2, corpus2, cb2).empty
    cooccurrence(codings2, unit="segment", corpus=corpus2)  # raised on an unknown segment before
    assert codings2.attrs["refiqda"]["segments"]["from_file"] == ["int04"]


def test_segment_list_is_readable_json_lines_in_the_source_description(tmp_path):
    corpus, codings = _interview(tmp_path)
    path = export_qdpx(codings, corpus, load_codebooks(bundled_codebooks()), tmp_path / "int04.qdpx")
    import xml.etree.ElementTree as ET

    root = ET.fromstring(zipfile.ZipFile(path).read("project.qde"))
    src = next(root.iter(f"{{{NS_PROJECT}}}TextSource"))
    desc = src.find(f"{{{NS_PROJECT}}}Description").text.split("\n")
    text = corpus.doc("int04").text
    first = corpus.segments[0]
    assert desc[0] == "## Segments"
    assert desc[1] == f'[1, "turn", {first.start}, {first.end}, "Interviewer"]'
    assert text[first.start:first.end] == "What does human security add for you?"
    assert len(desc) == 1 + len(corpus.segments)


def test_project_without_segment_lists_gets_turns_and_consistent_codings(tmp_path):
    corpus, codings = _interview(tmp_path)
    path = export_qdpx(codings, corpus, load_codebooks(bundled_codebooks()), tmp_path / "int04.qdpx")
    foreign = _without_segment_lists(path, tmp_path / "foreign.qdpx")
    corpus2, codings2, cb2 = import_qdpx(foreign)
    # cut again as load_corpus cuts the transcript: the same turns, so the same segment ids
    assert corpus2.segments == corpus.segments
    assert codings2["segment_id"].tolist() == [2, 3, 4, 4]
    assert check_codings(codings2, corpus2, cb2).empty
    assert codings2.attrs["refiqda"]["segments"] == {"from_file": [], "detected": ["int04"], "changed_rows": []}


def test_foreign_project_is_cut_into_turns_and_codings_get_the_turn_of_their_start(tmp_path):
    quotes = ["fear", "dignity", "Q: 安全", "尊厳\r\nB"]
    sels = [(FOREIGN.index(q), FOREIGN.index(q) + len(q), q) for q in quotes]
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(FOREIGN, sels))
    corpus, codings, cb = import_qdpx(p)
    assert [(s.segment_id, s.kind, s.speaker, s.text) for s in corpus.segments] == [
        (1, "turn", "Q", "安全?"), (2, "turn", "A", "𠮷野家 🙂 dignity and 尊厳"), (3, "turn", "B", "fear")]
    # "Q: 安全" starts on the label, before turn 1's text: it belongs to the next turn, 1
    assert codings["segment_id"].tolist() == [3, 2, 1, 2]
    assert check_codings(codings, corpus, cb).empty


def test_foreign_project_without_turns_is_cut_into_paragraphs(tmp_path):
    text = "Freedom from fear comes first.\n\nDignity is the core.\n\n\nFreedom from want."
    sels = [(text.index(q), text.index(q) + len(q), q) for q in ["want", "Dignity", "fear"]]
    sels.append((text.index("\n\n\n"), text.index("Freedom from want") + 7, None))  # starts in a gap
    p = tmp_path / "essay.qdpx"
    p.write_bytes(foreign_qdpx(text, sels))
    corpus, codings, cb = import_qdpx(p)
    assert [(s.kind, s.text) for s in corpus.segments] == [
        ("paragraph", "Freedom from fear comes first."), ("paragraph", "Dignity is the core."),
        ("paragraph", "Freedom from want.")]
    assert codings["segment_id"].tolist() == [3, 2, 1, 3]
    assert check_codings(codings, corpus, cb).empty


def test_segment_list_that_no_longer_fits_the_text_is_reported_and_replaced(tmp_path):
    corpus, codings = _interview(tmp_path)
    path = export_qdpx(codings, corpus, load_codebooks(bundled_codebooks()), tmp_path / "int04.qdpx")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    last = corpus.segments[-1]
    old = f'[5, "turn", {last.start}, {last.end}, "Interviewer"]'.encode()
    assert old in members["project.qde"]
    members["project.qde"] = members["project.qde"].replace(old, f'[5, "turn", {last.start}, 99999, null]'.encode())
    edited = tmp_path / "edited.qdpx"
    edited.write_bytes(zip_bytes(members))
    corpus2, codings2, cb2 = import_qdpx(edited)
    problems = codings2.attrs["refiqda"]["problems"]
    assert problems == [f"source 'int04': its segment list does not fit its text (line 5: offsets {last.start}-99999 "
                        f"lie outside the text (0-{len(corpus.doc('int04').text)})); segments detected again "
                        "(speaker turns, else paragraphs)"]
    assert corpus2.segments == corpus.segments
    assert check_codings(codings2, corpus2, cb2).empty


def test_a_coding_added_in_another_tool_gets_the_segment_of_its_start(tmp_path):
    corpus, codings = _interview(tmp_path)
    path = export_qdpx(codings, corpus, load_codebooks(bundled_codebooks()), tmp_path / "int04.qdpx")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    qde = members["project.qde"].decode("utf-8")
    # another tool keeps hsqual's descriptions but drops the one of this coding
    head, sep, tail = qde.partition("<Description>## Segment\n3</Description>")
    assert sep
    members["project.qde"] = (head + tail).encode("utf-8")
    edited = tmp_path / "edited.qdpx"
    edited.write_bytes(zip_bytes(members))
    corpus2, codings2, cb2 = import_qdpx(edited)
    assert codings2["segment_id"].tolist() == [2, 3, 4, 4]
    assert check_codings(codings2, corpus2, cb2).empty


def test_old_files_with_segment_ids_but_no_segment_list_are_made_consistent(tmp_path):
    """Files written before segment lists: ids of an unknown segmentation are replaced and listed."""
    corpus, codings = _interview(tmp_path)
    codings.loc[0, "segment_id"] = 9
    path = export_qdpx(codings, corpus, load_codebooks(bundled_codebooks()), tmp_path / "int04.qdpx")
    old = _without_segment_lists(path, tmp_path / "old.qdpx")
    corpus2, codings2, cb2 = import_qdpx(old)
    assert codings2["segment_id"].tolist() == [2, 3, 4, 4]
    assert codings2.attrs["refiqda"]["segments"]["changed_rows"] == [0]
    assert check_codings(codings2, corpus2, cb2).empty


# ---------------------------------------------------------------------------------------
# Other tools' offsets
# ---------------------------------------------------------------------------------------

FOREIGN = "Q: 安全?\r\nA: 𠮷野家 🙂 dignity and 尊厳\r\nB: fear"


def _units(text: str, k: int, convention: str) -> int:
    """The offset another tool writes for code point k (computed by encoding the prefix)."""
    prefix = text[:k]
    if convention.endswith("-lf"):
        prefix = prefix.replace("\r\n", "\n")
    base = convention.split("-")[0]
    if base == "utf8":
        return len(prefix.encode("utf-8"))
    if base == "utf16":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


@pytest.mark.parametrize("convention", ["codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf"])
def test_auto_detects_the_offset_convention_from_quotes(tmp_path, convention):
    quotes = ["dignity", "尊厳", "fear", "𠮷野家 🙂"]
    sels = []
    for quote in quotes:
        k = FOREIGN.index(quote)
        sels.append((_units(FOREIGN, k, convention), _units(FOREIGN, k + len(quote), convention), quote))
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(FOREIGN, sels))
    corpus, codings, cb = import_qdpx(p)
    assert codings["quote"].tolist() == quotes
    assert [FOREIGN[s:e] for s, e in zip(codings["start"], codings["end"])] == quotes
    assert codings.attrs["refiqda"]["offsets"] == convention
    explicit = import_qdpx(p, offsets=convention)[1]
    assert explicit[["start", "end"]].equals(codings[["start", "end"]])


def test_detection_without_quotes_uses_character_boundaries(tmp_path):
    text = "安全保障"  # 4 code points, 12 UTF-8 bytes
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(text, [(6, 12, None)]))
    _, codings, _ = import_qdpx(p)
    assert codings.attrs["refiqda"]["offsets"] == "utf8"
    assert codings.loc[0, "quote"] == "保障"


def test_explicit_wrong_convention_keeps_the_rows_and_reports_them(tmp_path):
    k = FOREIGN.index("尊厳")
    sel = (_units(FOREIGN, k, "utf8"), _units(FOREIGN, k + 2, "utf8"), "尊厳")
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(FOREIGN, [sel]))
    _, codings, _ = import_qdpx(p, offsets="codepoints")
    assert len(codings) == 1
    assert (codings.loc[0, "start"], codings.loc[0, "end"]) == sel[:2]
    assert codings.loc[0, "quote"] == "尊厳"  # the file's own quote, since the offsets fall outside the text
    assert "does not fall on character boundaries under the codepoints convention" in \
        codings.attrs["refiqda"]["problems"][0]


def test_foreign_project_users_codes_and_coder_names(tmp_path):
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(FOREIGN, [(FOREIGN.index("fear"), FOREIGN.index("fear") + 4, "fear")],
                               source_name="Interview 1 / Sato"))
    corpus, codings, cb = import_qdpx(p)
    assert corpus.doc_ids == ["Interview 1 / Sato"]
    assert cb.ids == ["dignity", "dignity.freedom_to_live_in_dignity"]
    assert codings.loc[0, "code"] == "dignity" and codings.loc[0, "coder"] == "Aiko Sato"


def test_unknown_code_reference_is_kept_and_reported(tmp_path):
    p = tmp_path / "foreign.qdpx"
    p.write_bytes(foreign_qdpx(FOREIGN, [(0, 1, "Q")], code_guid="00000000-0000-4000-8000-00000000dead"))
    _, codings, cb = import_qdpx(p)
    assert codings.loc[0, "code"] == "refi:00000000-0000-4000-8000-00000000dead"
    assert "refers to no code" in codings.attrs["refiqda"]["problems"][0]
    assert check_codings(codings, codebook=cb)["problem"].tolist() == ["unknown code"]


def test_inline_text_whole_source_coding_and_skipped_pdf(tmp_path):
    qde = foreign_project("x", [], extra_sources=(
        '<TextSource guid="7f0e2a57-7a44-4f0c-9a55-0d3b3a0c0004" name="memo"><PlainTextContent>Inline 尊厳 text'
        f'</PlainTextContent><Coding guid="8b8b8b8b-0000-4000-8000-00000000ffff"><CodeRef targetGUID="{CODE_GUID}"/>'
        '</Coding></TextSource><PDFSource guid="7f0e2a57-7a44-4f0c-9a55-0d3b3a0c0005" name="report.pdf"/>'))
    p = tmp_path / "p.qdpx"
    p.write_bytes(zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": "x"}))
    corpus, codings, _ = import_qdpx(p)
    assert corpus.doc("memo").text == "Inline 尊厳 text"
    row = codings[codings.doc_id == "memo"].iloc[0]
    assert (row.start, row.end, row.quote, row.coder) == (0, 14, "Inline 尊厳 text", "imported")
    assert codings.attrs["refiqda"]["skipped_sources"] == ["PDFSource report.pdf"]


def test_cases_of_another_tool_become_metadata(tmp_path):
    qde = foreign_project("text", []).replace(
        "<Sources>", '<Cases><Case guid="5c5c5c5c-0000-4000-8000-000000000001" name="Interviewee 4">'
        f'<SourceRef targetGUID="{SOURCE_GUID}"/></Case></Cases><Sources>')
    p = tmp_path / "p.qdpx"
    p.write_bytes(zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": "text"}))
    corpus, _, _ = import_qdpx(p)
    assert dict(corpus.doc("Interview 1").meta) == {"case": "Interviewee 4", "language": "en"}


def test_unknown_offsets_option():
    with pytest.raises(ExchangeError, match="offsets must be 'auto' or one of"):
        import_qdpx("x.qdpx", offsets="bytes")


def test_foreign_documents_get_their_language_detected(tmp_path):
    japanese = "聞き手：人間の安全保障とは何ですか。\n回答者：尊厳をもって生きる自由です。"
    p = tmp_path / "ja.qdpx"
    start = japanese.index("尊厳")
    p.write_bytes(foreign_qdpx(japanese, [(start, start + 2, "尊厳")]))
    corpus, _, _ = import_qdpx(p)
    assert corpus.documents[0].language == "ja"
    p2 = tmp_path / "en.qdpx"
    p2.write_bytes(foreign_qdpx(FOREIGN.replace("安全", "safety").replace("尊厳", "respect").replace("𠮷野家", "Tokyo"),
                                [(0, 1, "Q")]))
    corpus2, _, _ = import_qdpx(p2)
    assert corpus2.documents[0].language == "en"


def test_cases_are_written_only_when_asked_and_a_misspelt_column_is_named(tmp_path):
    from xml.etree import ElementTree as ET

    from hsqual.errors import OptionError

    corpus, codings, cb = _study()
    root = ET.fromstring(zipfile.ZipFile(export_qdpx(codings, corpus, cb, tmp_path / "a.qdpx")).read("project.qde"))
    assert root.find("{urn:QDA-XML:project:1.0}Cases") is None
    with pytest.raises(OptionError, match=r"\[E201\] export_qdpx: 'intervewee' is not a column of the documents' "
                                          r"metadata; the columns there are: .*interviewee") as err:
        export_qdpx(codings, corpus, cb, tmp_path / "b.qdpx", cases="intervewee")
    assert err.value.option == "cases"
    assert not (tmp_path / "b.qdpx").exists()


def test_paraphrases_numbered_per_language_by_another_tool_are_all_kept(tmp_path):
    cb = Codebook("demo", [Code(id="fear", label={"en": "Fear"}, codebook="demo",
                                paraphrases=(Paraphrase("en", "They come at night.", True),
                                             Paraphrase("ja", "夜に来る。", True)))], languages=("en", "ja"))
    path = export_qdc(cb, tmp_path / "a.qdc")
    text = path.read_text(encoding="utf-8").replace("Paraphrase 2 (ja)", "Paraphrase 1 (ja)")
    assert "Paraphrase 1 (en)" in text and "Paraphrase 1 (ja)" in text
    (tmp_path / "b.qdc").write_text(text, encoding="utf-8")
    back = import_qdc(tmp_path / "b.qdc")
    assert [(p.language, p.text) for p in back["fear"].paraphrases] == [("en", "They come at night."), ("ja", "夜に来る。")]
