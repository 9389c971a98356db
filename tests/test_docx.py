"""Reading .docx transcripts: paragraphs, speaker labels, tables, corrupt files."""

from __future__ import annotations

import io
import zipfile

import docx as python_docx
import pytest

from hsqual.docx import read_docx
from hsqual.errors import TranscriptError


def _save(d, path):
    d.save(path)
    return path


def test_paragraphs_speakers_and_tables_in_reading_order(tmp_path):
    d = python_docx.Document()
    d.core_properties.title = "Interview 4"
    d.core_properties.author = "Kurusu"
    p = d.add_paragraph()
    r = p.add_run("Interviewer")
    r.bold = True
    p.add_run("\tWhat does human security add?")
    d.add_paragraph("")
    p = d.add_paragraph()
    p.add_run("岡田：").bold = True
    p.add_run("尊厳をもって生きる自由です。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Sector"
    table.cell(0, 1).text = "NGO"
    a = table.cell(1, 0).merge(table.cell(1, 1))
    a.text = "merged note"
    d.add_paragraph("OKADA: Dignity 🙂 matters.")
    p = d.add_paragraph()
    p.add_run("Important.").bold = True
    p.add_run(" Not a speaker.")
    text, meta = read_docx(_save(d, tmp_path / "int04.docx"))
    assert text.split("\n") == [
        "Interviewer: What does human security add?",
        "",
        "岡田：尊厳をもって生きる自由です。",
        "Sector", "NGO", "merged note",
        "OKADA: Dignity 🙂 matters.",
        "Important. Not a speaker.",
    ]
    assert meta["speakers"] == ["Interviewer", "岡田", "OKADA"]
    assert meta["title"] == "Interview 4" and meta["author"] == "Kurusu"
    assert meta["source_format"] == "docx"


def test_bold_run_followed_by_colon_is_kept_as_typed(tmp_path):
    d = python_docx.Document()
    p = d.add_paragraph()
    p.add_run("Q").bold = True
    p.add_run(": Why?")
    text, meta = read_docx(_save(d, tmp_path / "q.docx"))
    assert text == "Q: Why?"
    assert meta["speakers"] == ["Q"]


def test_missing_file(tmp_path):
    with pytest.raises(TranscriptError, match="file not found"):
        read_docx(tmp_path / "none.docx")


CORRUPT = {
    "random bytes": b"\x00\x01garbage" * 100,
    "truncated zip": None,  # filled in below from a real document
    "empty file": b"",
    "plain text renamed": "Interviewer: hello".encode(),
}


@pytest.mark.parametrize("kind", sorted(CORRUPT))
def test_corrupt_docx_raises_transcript_error_naming_the_file(tmp_path, kind):
    data = CORRUPT[kind]
    if data is None:
        buf = io.BytesIO()
        python_docx.Document().save(buf)
        data = buf.getvalue()[: len(buf.getvalue()) // 2]
    p = tmp_path / "int09.docx"
    p.write_bytes(data)
    with pytest.raises(TranscriptError) as err:
        read_docx(p)
    assert str(err.value).startswith(f"{p}: not a readable .docx file")


def _docx_with_document_xml(xml: bytes) -> bytes:
    buf = io.BytesIO()
    python_docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            zf.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info))
    return out.getvalue()


def test_docx_without_document_part(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
    p = tmp_path / "x.docx"
    p.write_bytes(buf.getvalue())
    with pytest.raises(TranscriptError, match="no word/document.xml"):
        read_docx(p)


def test_docx_with_malformed_document_xml(tmp_path):
    p = tmp_path / "x.docx"
    p.write_bytes(_docx_with_document_xml(b"<w:document><w:body><w:p>"))
    with pytest.raises(TranscriptError, match=f"^{p}: not a readable .docx file"):
        read_docx(p)


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def test_docx_with_external_entity_does_not_read_local_files(tmp_path):
    xml = (b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b"<w:document " + W + b"><w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")
    p = tmp_path / "xxe.docx"
    p.write_bytes(_docx_with_document_xml(xml))
    try:
        text, _ = read_docx(p)
    except TranscriptError as exc:
        assert str(exc).startswith(f"{p}: not a readable .docx file")
    else:
        assert "root:" not in text


def test_docx_with_billion_laughs_does_not_expand(tmp_path):
    ents = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"".join(b"&a%d;" % (i - 1) for _ in range(10))) for i in range(1, 10))
    xml = (b'<?xml version="1.0"?><!DOCTYPE w:document [' + ents + b"]><w:document " + W
           + b"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>")
    p = tmp_path / "lol.docx"
    p.write_bytes(_docx_with_document_xml(xml))
    try:
        text, _ = read_docx(p)
    except TranscriptError as exc:
        assert str(exc).startswith(f"{p}: not a readable .docx file")
    else:
        assert len(text) < 1000


def test_docx_zip_bomb_is_refused(tmp_path):
    buf = io.BytesIO()
    python_docx.Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, src.read(info))
        zf.writestr("word/media/bomb.bin", b"\x00" * (8 << 20))
    p = tmp_path / "bomb.docx"
    p.write_bytes(out.getvalue())
    with pytest.raises(TranscriptError, match="possible zip bomb"):
        read_docx(p)
