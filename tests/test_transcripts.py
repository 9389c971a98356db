"""Transcript readers and load_corpus, including malformed files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hsqual.errors import TranscriptError
from hsqual.resources import bundled_path
from hsqual.transcripts import (
    detect_language,
    list_transcripts,
    load_corpus,
    parse_transcript,
    read_csv_transcripts,
    read_transcript,
)

JA = bundled_path("transcripts") / "ja"
JA_NAMES = ["essay_diplomacy_human_security", "global_health_strategy_followup", "manifesto_foreign_defence"]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


INTERVIEW = """---
id: int04
title: Interview with Interviewee 4
speakers: [Interviewer, Interviewee 4]
date: 2013-11-05
interviewee: 4
sector: NGO
---
Interviewer: What does the concept add?

Interviewee 4: It puts people first. Dignity matters.
Interviewer: Is it used?

**Interviewee 4**: Not by name, e.g. rarely cited."""


# ---------------------------------------------------------------------------- .md / .txt


def test_front_matter_becomes_metadata_and_offsets_point_into_the_body(tmp_path):
    doc = read_transcript(write(tmp_path / "x.md", INTERVIEW))
    body = INTERVIEW.split("---\n", 2)[2]
    assert doc.doc_id == "int04" and doc.text == body
    assert dict(doc.meta) == {"title": "Interview with Interviewee 4", "speakers": ["Interviewer", "Interviewee 4"],
                              "date": "2013-11-05", "interviewee": 4, "sector": "NGO", "language": "en",
                              "file": "x.md", "encoding": "utf-8"}
    c = load_corpus(tmp_path / "x.md")
    assert [(s.speaker, s.text) for s in c.segments] == [
        ("Interviewer", "What does the concept add?"),
        ("Interviewee 4", "It puts people first. Dignity matters."),
        ("Interviewer", "Is it used?"),
        ("Interviewee 4", "Not by name, e.g. rarely cited."),
    ]
    for s in c.segments:
        assert doc.text[s.start:s.end] == s.text
    sents = load_corpus(tmp_path / "x.md", unit="sentence").segments
    assert [(s.speaker, s.text) for s in sents][1:3] == [("Interviewee 4", "It puts people first."),
                                                          ("Interviewee 4", "Dignity matters.")]


def test_no_header_id_from_file_stem_language_detected(tmp_path):
    doc = read_transcript(write(tmp_path / "インタビュー07.txt", "聞き手：人間の安全保障とは。\n回答者：尊厳です。\n"))
    assert doc.doc_id == "インタビュー07" and doc.language == "ja"
    assert doc.text == "聞き手：人間の安全保障とは。\n回答者：尊厳です。\n"


def test_language_argument_overrides(tmp_path):
    doc = read_transcript(write(tmp_path / "a.md", "---\nlanguage: en\n---\n人間の安全保障"), language="ja")
    assert doc.language == "ja"


def test_detect_language():
    assert detect_language("Human security (人間の安全保障) puts people at the centre of security policy.") == "en"
    assert detect_language("人間の安全保障 (human security) とは、国連開発計画が提唱した概念である。") == "ja"
    assert detect_language("1234 !!") == "en"


@pytest.mark.parametrize("text, message, line, column", [
    ("---\ntitle: x\nspeakers: [a, b\n---\nbody",
     # libyaml: "did not find expected ',' or ']'"; the pure-Python parser: "expected ',' or ']', but got ..."
     "expected ',' or ']'", 4, 1),
    ("---\ntitle: x: y\n---\nbody", "the front matter is not valid YAML", 2, 9),
    ("---\ntitle: x\nbody without closing line", "never closed", 1, None),
    ("---\n- a\n- b\n---\nbody", "must be 'key: value' lines", 2, None),
    ("---\ntitle: x\nlanguage: fr\n---\nbody", "'language' must be one of en, ja, not 'fr'", 3, None),
    ("---\nid: [a, b]\n---\nbody", "'id' must be a non-empty name", 2, None),
    ("---\nspeakers: {a: 1}\n---\nbody", "'speakers' must be a list of names", 2, None),
    ("---\ntitle: x\nplace: {city: Tokyo}\n---\nbody", "'place' holds a mapping", 3, None),
    ("---\ntitle: x\n---\n\n  \n", "the body is empty", 4, None),
])
def test_malformed_front_matter_names_the_line(tmp_path, text, message, line, column):
    p = write(tmp_path / "bad.md", text)
    with pytest.raises(TranscriptError) as err:
        read_transcript(p)
    assert message in str(err.value)
    assert err.value.path == str(p) and err.value.line == line and err.value.column == column
    assert str(err.value).startswith(f"{p}:{line}")


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"  \n\r\n\t \n", "the file is empty (it holds only whitespace)"),
])
def test_empty_and_whitespace_only_files(tmp_path, content, message):
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(TranscriptError) as err:
        read_transcript(p)
    assert str(err.value) == f"{p}: {message}"
    with pytest.raises(TranscriptError, match="is empty"):
        load_corpus(p)


def test_crlf_and_mixed_newlines_offsets_slice(tmp_path):
    text = "---\r\nid: crlf\r\n---\r\nQ: Why human security?\r\n\r\nA: Dignity. Freedom.\rMore.\n\nQ: And?\r\nA: Yes."
    p = tmp_path / "crlf.txt"
    p.write_bytes(text.encode("utf-8"))
    doc = read_transcript(p)
    assert doc.doc_id == "crlf" and doc.text.startswith("Q: Why")
    for unit in ("turn", "paragraph", "sentence", "item", "document"):
        c = load_corpus(p, unit=unit)
        for s in c.segments:
            assert doc.text[s.start:s.end] == s.text and s.text == s.text.strip()
    turns = load_corpus(p).segments
    assert [(s.speaker, s.text) for s in turns] == [
        ("Q", "Why human security?"), ("A", "Dignity. Freedom.\rMore."), ("Q", "And?"), ("A", "Yes.")]


def test_document_without_final_newline(tmp_path):
    p = write(tmp_path / "n.md", "人間の安全保障とは何か。恐怖からの自由")
    c = load_corpus(p, unit="sentence")
    assert [s.text for s in c.segments] == ["人間の安全保障とは何か。", "恐怖からの自由"]
    assert c.segments[-1].end == len(c.doc("n").text)


def test_encoding_argument_is_passed_to_the_decoder(tmp_path):
    p = write(tmp_path / "sjis.txt", "人間の安全保障とは何か。", encoding="cp932")
    assert read_transcript(p, encoding="cp932").text == "人間の安全保障とは何か。"
    with pytest.raises(TranscriptError, match="cannot decode byte 0x90 at byte position 0 as utf-8"):
        load_corpus(p, encoding="utf-8")


def test_unknown_suffix_and_missing_file(tmp_path):
    p = write(tmp_path / "a.xyz", "x")
    with pytest.raises(TranscriptError, match=r"unknown file type '\.xyz'; expected one of \.md, "):
        read_transcript(p)
    with pytest.raises(TranscriptError, match="no such file or folder"):
        load_corpus(tmp_path / "missing.md")


@pytest.mark.parametrize("name, advice", [
    ("int04.pdf", "extract its text to a .txt file"),
    ("int04.rtf", "save it as .docx or as .txt (UTF-8)"),
    ("int04.doc", "save it as .docx (Word 2007 or later) or as .txt (UTF-8)"),
    ("int04.odt", "save it as .docx or as .txt (UTF-8)"),
])
def test_unsupported_document_named_explicitly_is_an_error_saying_what_to_do(tmp_path, name, advice):
    p = write(tmp_path / name, "Interviewer: Why?\nInterviewee 4: Dignity.")
    suffix = Path(name).suffix
    for call in (lambda: load_corpus(p), lambda: load_corpus([p]), lambda: read_transcript(p)):
        with pytest.raises(TranscriptError) as err:
            call()
        assert str(err.value).startswith(f"{p}: {suffix} files are not supported; {advice}")
        assert str(err.value).endswith("hsqual reads .md, .txt, .csv, .docx, .markdown")


def test_folder_skips_unsupported_files_with_a_warning_naming_them(tmp_path):
    write(tmp_path / "int01.md", "Interviewer: Why?\n\nInterviewee 1: Dignity.")
    write(tmp_path / "int02.markdown", "Interviewer: Why?\n\nInterviewee 2: Fear.")
    for name in ("int03.pdf", "int04.rtf", "int05.doc", "figure.png"):
        write(tmp_path / name, "binary")
    # not transcripts: skipped without a word
    write(tmp_path / "README.md", "About.")
    write(tmp_path / ".DS_Store", "x")
    write(tmp_path / "~$int01.docx", "lock")
    write(tmp_path / "int01.changes.csv", "step,start,end,before,after\n")
    write(tmp_path / "make.py", "print()")
    (tmp_path / "gold").mkdir()
    with pytest.warns(UserWarning) as record:
        corpus = load_corpus(tmp_path)
    assert corpus.doc_ids == ["int01", "int02"]
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith(f"{tmp_path}: skipped 4 file(s) of a type hsqual does not read as transcripts: "
                              "figure.png, int03.pdf, int04.rtf, int05.doc; convert transcripts to .docx or .txt")
    assert "list_transcripts(folder)" in message
    assert record[0].filename == __file__  # points at the caller's line
    read, skipped = list_transcripts(tmp_path)
    assert [p.name for p in read] == ["int01.md", "int02.markdown"]
    assert [(p.name, why) for p, why in skipped] == [
        (".DS_Store", "a hidden file"), ("README.md", "a README file"), ("figure.png", "unsupported file type .png"),
        ("gold", "a folder (sub-folders are not read)"), ("int01.changes.csv", "a list of cleaning changes (hsqual.clean)"),
        ("int03.pdf", "unsupported file type .pdf"), ("int04.rtf", "unsupported file type .rtf"),
        ("int05.doc", "unsupported file type .doc"), ("make.py", "a script or notebook"),
        ("~$int01.docx", "an Office lock file")]


def test_folder_of_only_unsupported_files_names_them_in_the_error(tmp_path):
    write(tmp_path / "int01.pdf", "x")
    write(tmp_path / "README.md", "About.")
    with pytest.raises(TranscriptError) as err:
        load_corpus(tmp_path)
    assert str(err.value) == (f"{tmp_path}: no transcripts (.md, .txt, .csv, .docx, .markdown files) in this folder; "
                              "not read: int01.pdf (convert them to .docx or .txt)")
    with pytest.raises(TranscriptError, match="no such folder"):
        list_transcripts(tmp_path / "missing")
    with pytest.raises(TranscriptError, match="not a folder"):
        list_transcripts(tmp_path / "README.md")


def test_bundled_folder_loads_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_corpus(JA).doc_ids == JA_NAMES


def test_docx_goes_through_hsqual_docx(tmp_path):
    import docx as python_docx  # a hard dependency (pyproject.toml): its absence fails here
    d = python_docx.Document()
    d.add_paragraph("Interviewer: What does human security add?")
    d.add_paragraph("Interviewee 4: Dignity. And freedom.")
    d.add_paragraph("Interviewer: Thank you.")
    path = tmp_path / "int04.docx"
    d.save(path)
    c = load_corpus(path, unit="sentence")
    assert c.doc_ids == ["int04"]
    assert [(s.speaker, s.text) for s in c.segments] == [
        ("Interviewer", "What does human security add?"), ("Interviewee 4", "Dignity."),
        ("Interviewee 4", "And freedom."), ("Interviewer", "Thank you.")]
    for s in c.segments:
        assert c.doc("int04").text[s.start:s.end] == s.text


# ---------------------------------------------------------------------------- .csv

CSV_TEXT = """doc_id,segment_id,speaker,text,sector,language
int04,2,Interviewee 4,"It puts people first.
Dignity matters.",NGO,en
int04,1,Interviewer,What does it add?,NGO,
int05,1,Interviewer,人間の安全保障とは？,,
int05,2,回答者,尊厳です。,政府,
"""


def test_csv_rows_become_segments_and_metadata(tmp_path):
    p = write(tmp_path / "turns.csv", CSV_TEXT)
    c = read_csv_transcripts(p)
    d4 = c.doc("int04")
    assert d4.text == "What does it add?\nIt puts people first.\nDignity matters."
    assert dict(d4.meta) == {"sector": "NGO", "language": "en", "file": "turns.csv", "encoding": "utf-8"}
    assert c.doc("int05").meta["language"] == "ja" and c.doc("int05").meta["sector"] == "政府"
    got = [(s.doc_id, s.segment_id, s.speaker, s.kind, s.text) for s in c.segments]
    assert got == [
        ("int04", 1, "Interviewer", "turn", "What does it add?"),
        ("int04", 2, "Interviewee 4", "turn", "It puts people first.\nDignity matters."),
        ("int05", 1, "Interviewer", "turn", "人間の安全保障とは？"),
        ("int05", 2, "回答者", "turn", "尊厳です。"),
    ]
    for s in c.segments:
        assert c.doc(s.doc_id).text[s.start:s.end] == s.text
    sents = load_corpus(p, unit="sentence")
    assert [(s.speaker, s.text) for s in sents.segments if s.doc_id == "int04"] == [
        ("Interviewer", "What does it add?"), ("Interviewee 4", "It puts people first."),
        ("Interviewee 4", "Dignity matters.")]
    assert [s.text for s in load_corpus(p, unit="turn").segments] == [s.text for s in c.segments]


def test_csv_without_speaker_rows_are_excerpts(tmp_path):
    p = write(tmp_path / "ex.csv", "doc_id,text\nK001,Freedom from fear.\nK001,Freedom from want.\n")
    c = load_corpus(p, unit="sentence")
    assert [(s.kind, s.speaker, s.text) for s in c.segments] == [
        ("sentence", None, "Freedom from fear."), ("sentence", None, "Freedom from want.")]


@pytest.mark.parametrize("text, message, line", [
    ("doc_id,body\nd,x\n", "missing column(s) text; expected at least doc_id, text", 1),
    ("speaker,words\nA,x\n", "missing column(s) doc_id, text", 1),
    ("doc_id,text,sector\nd,x,NGO\nd,y,Government\n",
     "document 'd': column 'sector' is 'Government' here but 'NGO' on line 2", 3),
    ("doc_id,text\nd,x,extra\n", "3 fields, but the header has 2", 2),
    ("doc_id,text\n,x\n", "empty doc_id", 2),
    ("doc_id,text,segment_id\nd,x,one\n", "segment_id must be a whole number, not 'one'", 2),
    ("doc_id,text,segment_id\nd,x,1\nd,y,1\n", "segment_id 1 appears twice", 3),
    ("doc_id,text,text\nd,x,y\n", "column 'text' appears twice", 1),
    ("doc_id,text\n", "has a header but no rows", 2),
    ("doc_id,text,language\nd,x,fr\n", "language must be one of en, ja, not 'fr'", 2),
    ('doc_id,text\nd,"multi\nline",\nd,y\n', "3 fields, but the header has 2", 2),
])
def test_malformed_csv_names_the_line(tmp_path, text, message, line):
    p = write(tmp_path / "bad.csv", text)
    with pytest.raises(TranscriptError) as err:
        read_csv_transcripts(p)
    assert message in str(err.value)
    assert err.value.line == line and str(err.value).startswith(f"{p}:{line}:")


def test_csv_empty_rows_are_skipped_not_errors(tmp_path):
    p = write(tmp_path / "e.csv", "doc_id,text\nd,x\n\n,\nd,y\n")
    assert read_csv_transcripts(p).doc("d").text == "x\ny"


# ---------------------------------------------------------------------------- load_corpus


def test_folder_glob_and_list(tmp_path):
    write(tmp_path / "b.md", "Second text.")
    write(tmp_path / "a.txt", "First text.")
    write(tmp_path / "a.changes.csv", "step,start,end,before,after\n")
    write(tmp_path / "README.md", "About this folder.")
    write(tmp_path / ".hidden.md", "secret")
    write(tmp_path / "notes.json", "{}")
    with pytest.warns(UserWarning, match="skipped 1 file.*: notes.json;"):
        assert load_corpus(tmp_path).doc_ids == ["a", "b"]
    assert load_corpus(str(tmp_path / "*.md")).doc_ids == ["README", "b"]  # a pattern is taken as given
    assert load_corpus([tmp_path / "b.md", tmp_path / "a.txt"]).doc_ids == ["b", "a"]
    with pytest.raises(TranscriptError, match="no file matches"):
        load_corpus(str(tmp_path / "*.docx"))
    with pytest.raises(ValueError, match="unit must be one of"):
        load_corpus(tmp_path, unit="line")


def test_duplicate_ids_name_both_files(tmp_path):
    write(tmp_path / "a.md", "---\nid: int01\n---\nOne.")
    write(tmp_path / "b.md", "---\nid: int01\n---\nTwo.")
    with pytest.raises(TranscriptError, match=r"b\.md: document id 'int01' is used by .*a\.md as well"):
        load_corpus(tmp_path)


def test_empty_folder(tmp_path):
    with pytest.raises(TranscriptError, match="no transcripts"):
        load_corpus(tmp_path)


def test_clean_on_request(tmp_path):
    raw = "人間の安全保障とは何\nか。ＧＨＡ"
    p = write(tmp_path / "pdf.txt", raw)
    assert load_corpus(p).doc("pdf").text == raw
    c = load_corpus(p, clean=True, unit="sentence")
    assert c.doc("pdf").text == "人間の安全保障とは何か。GHA"
    assert c.doc("pdf").meta["cleaned"] is True and c.doc("pdf").meta["changes"] == 2


# ---------------------------------------------------------------------------- bundled texts


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentence", "item", "document"])
def test_bundled_japanese_transcripts_slice(unit):
    c = load_corpus(JA, unit=unit)
    assert c.doc_ids == JA_NAMES
    for s in c.segments:
        doc = c.doc(s.doc_id)
        assert doc.text[s.start:s.end] == s.text and s.text.strip() == s.text and s.text
    for doc in c.documents:
        ids = [s.segment_id for s in c.segments_of(doc.doc_id)]
        assert ids == list(range(1, len(ids) + 1))
        spans = [(s.start, s.end) for s in c.segments_of(doc.doc_id)]
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_bundled_japanese_metadata_and_change_lists():
    c = load_corpus(JA, unit="document")
    kinds = {d.doc_id: d.meta["kind"] for d in c.documents}
    assert kinds == {"essay_diplomacy_human_security": "essay", "manifesto_foreign_defence": "manifesto",
                     "global_health_strategy_followup": "policy_table"}
    for d in c.documents:
        assert d.language == "ja" and d.meta["cleaned"] is True
        assert d.meta["title"].replace("―", "") in d.text.replace("\n", "").replace("―", "")
        with open(JA / f"{d.doc_id}.changes.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == d.meta["changes"] > 0
        assert d.meta["source"].startswith(("000_", "001_", "002_"))
    # no speaker turns in an essay, a manifesto or a table
    assert {s.speaker for s in load_corpus(JA).segments} == {None}


# ---- segments stored in the header -------------------------------------------------------

STORED_BODY = "Interviewer: Why?\nInterviewee 4: Dignity matters. Fear recedes.\n"
# sentence ids with gaps, as a project coded elsewhere may number them
STORED = f"""---
id: int04
segments:
- [2, sentence, 13, 17, Interviewer]
- [7, sentence, 33, 49, Interviewee 4]
- [9, sentence, 50, 63, Interviewee 4]
---
{STORED_BODY}"""


def test_stored_segments_are_kept_ids_and_all(tmp_path):
    write(tmp_path / "int04.md", STORED)
    for unit in (None, "sentence"):
        corpus = load_corpus(tmp_path, unit=unit)
        got = [(s.segment_id, s.kind, s.start, s.end, s.speaker, s.text) for s in corpus.segments]
        assert got == [(2, "sentence", 13, 17, "Interviewer", "Why?"),
                       (7, "sentence", 33, 49, "Interviewee 4", "Dignity matters."),
                       (9, "sentence", 50, 63, "Interviewee 4", "Fear recedes.")]
        assert "segments" not in corpus.doc("int04").meta
    # the default cut (turns) would have given other ids: the header is what keeps them
    plain = tmp_path / "plain"
    plain.mkdir()
    write(plain / "int04.md", STORED_BODY)
    assert [s.segment_id for s in load_corpus(plain).segments] == [1, 2]


def test_another_unit_than_the_stored_one_cuts_again(tmp_path):
    write(tmp_path / "int04.md", STORED)
    turns = load_corpus(tmp_path, unit="turn")
    assert [(s.segment_id, s.kind, s.speaker, s.text) for s in turns.segments] == [
        (1, "turn", "Interviewer", "Why?"), (2, "turn", "Interviewee 4", "Dignity matters. Fear recedes.")]
    doc = load_corpus(tmp_path, unit="document")
    assert [(s.segment_id, s.kind, s.start, s.end) for s in doc.segments] == [(1, "document", 0, len(STORED_BODY) - 1)]


def test_stored_segments_and_detected_ones_mix_in_one_folder(tmp_path):
    write(tmp_path / "a.md", STORED)
    write(tmp_path / "b.md", "Interviewer: Why?\nInterviewee 5: Freedom.\n")
    corpus = load_corpus(tmp_path)
    assert [(s.doc_id, s.segment_id, s.kind) for s in corpus.segments] == [
        ("int04", 2, "sentence"), ("int04", 7, "sentence"), ("int04", 9, "sentence"),
        ("b", 1, "turn"), ("b", 2, "turn")]


@pytest.mark.parametrize("entry, line, message", [
    ("[7, sentence, 33, 90, Interviewee 4]", 5,
     "segments entry 2 [7, 'sentence', 33, 90, 'Interviewee 4']: offsets 33-90 do not slice the body "
     "(it has 64 characters)"),
    ("[7, sentence, 49, 33, Interviewee 4]", 5,
     "segments entry 2 [7, 'sentence', 49, 33, 'Interviewee 4']: offsets 49-33 do not slice the body"),
    ("[7, clause, 33, 49, Interviewee 4]", 5,
     "segments entry 2 [7, 'clause', 33, 49, 'Interviewee 4']: kind must be one of document, turn, paragraph"),
    ("[7, sentence, 33, 49]", 5,
     "segments entry 2 [7, 'sentence', 33, 49]: expected a list [segment_id, kind, start, end, speaker]"),
    ("[2, sentence, 33, 49, Interviewee 4]", 5,
     "segments entry 2 [2, 'sentence', 33, 49, 'Interviewee 4']: segment id 2 appears twice"),
    ("[7, sentence, '33', 49, null]", 5,
     "segments entry 2 [7, 'sentence', '33', 49, None]: segment_id, start and end must be whole numbers"),
])
def test_a_bad_segments_entry_names_the_file_line_and_entry(tmp_path, entry, line, message):
    text = STORED.replace("[7, sentence, 33, 49, Interviewee 4]", entry)
    p = write(tmp_path / "int04.md", text)
    for read in (read_transcript, load_corpus):
        with pytest.raises(TranscriptError) as exc:
            read(p)
        assert str(exc.value).startswith(f"{p}:{line}: {message}")


def test_segments_must_be_a_list(tmp_path):
    p = write(tmp_path / "int04.md", f"---\nid: int04\nsegments: 3\n---\n{STORED_BODY}")
    with pytest.raises(TranscriptError, match=r"int04.md:3: 'segments' must be a list of \[segment_id, kind"):
        load_corpus(p)


def test_cleaning_that_changes_the_text_sets_stored_segments_aside(tmp_path):
    body = "Interviewer: Why?\nInterviewee 4: Ｄｉｇｎｉｔｙ matters.\n"  # full-width letters, made half-width
    p = write(tmp_path / "int04.md", f"---\nid: int04\nsegments:\n- [5, turn, 33, 49, Interviewee 4]\n---\n{body}")
    with pytest.warns(UserWarning, match="int04.md: cleaning changed the text, so the segments its header stores"):
        corpus = load_corpus(p, clean=True)
    assert [(s.segment_id, s.text) for s in corpus.segments] == [(1, "Why?"), (2, "Dignity matters.")]
    clean_body = "Interviewer: Why?\nInterviewee 4: Dignity matters.\n"
    write(p, f"---\nid: int04\nsegments:\n- [5, turn, 33, 49, Interviewee 4]\n---\n{clean_body}")
    corpus = load_corpus(p, clean=True)  # nothing to clean: the stored segments stay
    assert [(s.segment_id, s.text) for s in corpus.segments] == [(5, "Dignity matters.")]
    assert corpus.doc("int04").meta["cleaned"] is True


def test_a_codings_table_in_the_folder_is_left_out_with_a_note(tmp_path):
    import warnings as _w

    from hsqual import apply_codebook, load_codebooks, write_codings
    from hsqual.resources import bundled_codebooks
    from hsqual.transcripts import list_transcripts

    write(tmp_path / "int04.md", INTERVIEW)
    corpus = load_corpus(tmp_path)
    codings = apply_codebook(corpus, load_codebooks(bundled_codebooks()))
    write_codings(codings, tmp_path / "codings_rules.csv")
    with pytest.warns(UserWarning, match=r"left out 1 codings table\(s\), which are not transcripts: codings_rules.csv"):
        again = load_corpus(tmp_path)
    assert again.doc_ids == corpus.doc_ids
    _, skipped = list_transcripts(tmp_path)
    assert ("codings_rules.csv", "a codings table (read it with hsqual.read_codings)") in \
        [(p.name, why) for p, why in skipped]
    # named explicitly, it says what it is
    with pytest.raises(TranscriptError, match="this is a codings table .* read it with hsqual.read_codings"):
        load_corpus(tmp_path / "codings_rules.csv")
    # a transcript CSV is still read
    (tmp_path / "turns.csv").write_text("doc_id,speaker,text\nint09,A,Dignity.\n", encoding="utf-8")
    with _w.catch_warnings():
        _w.simplefilter("ignore")
        assert "int09" in load_corpus(tmp_path).doc_ids


def test_the_encoding_found_is_in_the_metadata_and_on_the_command_line(tmp_path, capsys):
    from hsqual.cli import main
    from hsqual.resources import bundled_codebooks

    (tmp_path / "int05.md").write_bytes("聞き手：恐怖からの自由とは。\n\nB氏：暴力への恐怖が続く。\n".encode("shift_jis"))
    (tmp_path / "int06.md").write_text("Q: And dignity?\n\nA: Dignity first.\n", encoding="utf-8")
    corpus = load_corpus(tmp_path)
    assert [d.meta["encoding"] for d in corpus.documents] == ["cp932", "utf-8"]
    book = [p for p in bundled_codebooks() if p.name == "three_freedoms.yaml"][0]
    assert main(["code", "-c", str(book), str(tmp_path), "-o", str(tmp_path / "out" / "rules.csv")]) == 0
    assert "read as: cp932 (1 document), utf-8 (1 document)" in capsys.readouterr().out
    assert main(["validate", str(tmp_path / "int05.md")]) == 0
    assert capsys.readouterr().out.strip().endswith("read as cp932)")
