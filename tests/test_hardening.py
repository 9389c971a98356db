"""Malformed and malicious input, and writers that never lose the previous file.

Every crafted file here is refused with an ExchangeError (or TranscriptError) that names the
file and says what is wrong; none expands entities, reads a local file, writes outside its
folder or exhausts memory.
"""

from __future__ import annotations

import os
import zipfile

import pandas as pd
import pytest
from malicious import crafted
from malicious.crafted import SOURCE_GUID, foreign_project, zip_bytes

from hsqual.codebook import Code, Codebook, load_codebooks
from hsqual.codings import codings_frame, write_codings
from hsqual.corpus import Corpus, Document
from hsqual.errors import ExchangeError
from hsqual.export import export_tables, write_codebook_document, write_codebook_yaml, write_workbook
from hsqual.refiqda import ZipLimits, export_qdc, export_qdpx, import_qdc, import_qdpx, open_zip_safely
from hsqual.resources import bundled_codebooks
from hsqual.writers import write_table, write_text

GOOD_TEXT = "Q: 安全?\r\nA: dignity 🙂"

# ---------------------------------------------------------------------------------------
# Codebook exchange files (.qdc)
# ---------------------------------------------------------------------------------------

QDC_ATTACKS = {
    "billion laughs": (crafted.BILLION_LAUGHS, "refusing XML with a DTD"),
    "quadratic blowup": (crafted.QUADRATIC_BLOWUP, "refusing XML with a DTD"),
    "external entity to /etc/passwd": (crafted.EXTERNAL_ENTITY, "refusing XML with a DTD"),
    "external DTD": (crafted.EXTERNAL_DTD, "refusing XML with a DTD"),
    "parameter entity": (crafted.PARAMETER_ENTITY, "refusing XML with a DTD"),
    "truncated XML": ('<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">\n<Codes><Code guid="x"',
                      "not well-formed XML"),
    "wrong namespace": ('<CodeBook xmlns="urn:QDA-XML:codebook:2.0"><Codes/></CodeBook>',
                        "expected a root element <CodeBook> in namespace 'urn:QDA-XML:codebook:1.0' or <CodeBook> "
                        "in namespace 'urn:QDA-XML:project:1.0', found <CodeBook> in namespace "
                        "'urn:QDA-XML:codebook:2.0'"),
    "no namespace": ("<CodeBook><Codes/></CodeBook>", "found <CodeBook> without a namespace"),
    "wrong root element": ('<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>', "found <Project>"),
    "binary garbage": (b"\x89PNG\r\n\x1a\n\x00\x00", "not well-formed XML"),
    "empty file": ("", "not well-formed XML"),
    "no codes": ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "holds no <Code> elements"),
    "duplicate guid": ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                       f'<Code guid="{crafted.CODE_GUID}" name="a" isCodable="true"/>'
                       f'<Code guid="{crafted.CODE_GUID}" name="b" isCodable="true"/></Codes></CodeBook>',
                       "two codes have the guid"),
    "code without guid": ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="a" isCodable="true"/>'
                          "</Codes></CodeBook>", "has no guid attribute"),
}


@pytest.mark.parametrize("attack", sorted(QDC_ATTACKS))
def test_malicious_or_malformed_qdc_is_refused(tmp_path, attack):
    content, message = QDC_ATTACKS[attack]
    p = tmp_path / "codebook.qdc"
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(ExchangeError) as err:
        import_qdc(p)
    assert message in str(err.value)
    assert str(err.value).startswith(str(p))
    assert "root:" not in str(err.value)  # nothing of /etc/passwd leaks into a message


def test_truncated_xml_error_names_line_and_column(tmp_path):
    p = tmp_path / "codebook.qdc"
    p.write_text('<?xml version="1.0"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">\n<Codes><Code guid="x"')
    with pytest.raises(ExchangeError) as err:
        import_qdc(p)
    assert err.value.line == 3 and err.value.column is not None


def test_oversized_qdc_is_refused_before_parsing(tmp_path):
    p = tmp_path / "big.qdc"
    p.write_bytes(b"<" * 5000)
    with pytest.raises(ExchangeError, match="more than the limit of 1000"):
        import_qdc(p, max_bytes=1000)


def test_missing_qdc(tmp_path):
    with pytest.raises(ExchangeError, match="file not found"):
        import_qdc(tmp_path / "none.qdc")


# ---------------------------------------------------------------------------------------
# Project exchange files (.qdpx)
# ---------------------------------------------------------------------------------------

def _qdpx(qde: str, text: str = GOOD_TEXT, **extra) -> bytes:
    return zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": text.encode("utf-8"), **extra})


_S = GOOD_TEXT.index("dignity")
GOOD_QDE = foreign_project(GOOD_TEXT, [(_S, _S + 7, "dignity")])

QDPX_ATTACKS = {
    "billion laughs in project.qde": (
        lambda: _qdpx(crafted.project_with_doctype(
            '<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')), "refusing XML with a DTD"),
    "external entity in project.qde": (
        lambda: _qdpx(crafted.project_with_doctype('<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
        "refusing XML with a DTD"),
    "zip slip ../": (lambda: _qdpx(GOOD_QDE, **{"../../evil.txt": b"x"}), "refusing zip entry '../../evil.txt'"),
    "zip slip inside sources": (lambda: _qdpx(GOOD_QDE, **{"sources/../../../etc/cron.d/x": b"x"}),
                                "'..' in its path"),
    "absolute path member": (lambda: _qdpx(GOOD_QDE, **{"/etc/passwd": b"x"}), "an absolute path"),
    "windows drive member": (lambda: _qdpx(GOOD_QDE, **{"C:/Windows/evil.dll": b"x"}), "an absolute path"),
    "backslash member": (lambda: _qdpx(GOOD_QDE, **{"..\\..\\evil.txt": b"x"}), "a backslash in its path"),
    "zip bomb": (lambda: _qdpx(GOOD_QDE, **{"sources/bomb.txt": b"\x00" * (8 << 20)}), "possible zip bomb"),
    "missing source file": (lambda: zip_bytes({"project.qde": GOOD_QDE}),
                            f"its text file 'sources/{SOURCE_GUID}.txt' is missing from the archive"),
    "missing project.qde": (lambda: zip_bytes({"sources/a.txt": "x"}), "has no project.qde"),
    "not a zip": (lambda: b"PK\x03\x04 this is not really a zip", "not a zip archive"),
    "empty file": (lambda: b"", "not a zip archive"),
    "malformed project.qde": (lambda: _qdpx(GOOD_QDE[:-40]), "not well-formed XML"),
    "wrong namespace": (lambda: _qdpx(foreign_project(GOOD_TEXT, [], ns="urn:QDA-XML:project:0.9")),
                        "found <Project> in namespace 'urn:QDA-XML:project:0.9'"),
    "codebook namespace for a project": (lambda: _qdpx(foreign_project(GOOD_TEXT, [], ns="urn:QDA-XML:codebook:1.0")),
                                         "expected a root element <Project>"),
    "absolute:// source": (lambda: _qdpx(foreign_project(GOOD_TEXT, [], plain_text_path="absolute:///etc/passwd")),
                           "outside the archive"),
    "relative:// source": (lambda: _qdpx(foreign_project(GOOD_TEXT, [], plain_text_path="relative://../../x.txt")),
                           "outside the archive"),
    "internal:// with ..": (lambda: _qdpx(foreign_project(GOOD_TEXT, [], plain_text_path="internal://../../etc/passwd")),
                            "expected a file name inside sources/"),
    "non-integer position": (lambda: _qdpx(GOOD_QDE.replace(f'startPosition="{_S}"', 'startPosition="11.5"')),
                             "startPosition='11.5'; expected a whole number"),
    "source without text": (lambda: _qdpx(GOOD_QDE.replace(f' plainTextPath="internal://{SOURCE_GUID}.txt"', "")),
                            "has neither plainTextPath nor PlainTextContent"),
    "binary source text": (lambda: _qdpx(GOOD_QDE, **{f"sources/{SOURCE_GUID}.txt": b"\x7fELF\x02\x01\x00\x00"}),
                           "NUL byte"),
}


@pytest.mark.parametrize("attack", sorted(QDPX_ATTACKS))
def test_malicious_or_malformed_qdpx_is_refused(tmp_path, attack):
    build, message = QDPX_ATTACKS[attack]
    p = tmp_path / "project.qdpx"
    p.write_bytes(build())
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(ExchangeError) as err:
        import_qdpx(p)
    assert message in str(err.value)
    assert str(err.value).startswith(str(p))
    assert sorted(os.listdir(tmp_path)) == before  # nothing extracted anywhere
    assert not os.path.exists(tmp_path.parent / "evil.txt")


def test_the_good_project_used_above_imports(tmp_path):
    p = tmp_path / "project.qdpx"
    p.write_bytes(_qdpx(GOOD_QDE))
    _, codings, _ = import_qdpx(p)
    assert codings["quote"].tolist() == ["dignity"]


def test_total_size_and_member_count_limits(tmp_path):
    p = tmp_path / "project.qdpx"
    p.write_bytes(_qdpx(GOOD_QDE, **{f"sources/extra{i}.txt": b"x" * 100 for i in range(20)}))
    with pytest.raises(ExchangeError, match="holds 22 entries, more than the limit of 10"):
        import_qdpx(p, limits=ZipLimits(max_members=10))
    with pytest.raises(ExchangeError, match="more than 1000 bytes uncompressed"):
        import_qdpx(p, limits=ZipLimits(max_total_bytes=1000))


def test_encrypted_member_is_refused(tmp_path):
    data = bytearray(_qdpx(GOOD_QDE))
    # set the "encrypted" flag bit in the central directory record of the first entry
    cd = data.find(b"PK\x01\x02")
    data[cd + 8] |= 0x1
    p = tmp_path / "project.qdpx"
    p.write_bytes(bytes(data))
    with pytest.raises(ExchangeError, match="is encrypted"):
        import_qdpx(p)


def test_open_zip_safely_on_a_folder_and_missing_file(tmp_path):
    with pytest.raises(ExchangeError, match="found a folder"):
        import_qdpx(tmp_path)
    with pytest.raises(ExchangeError, match="file not found"):
        import_qdpx(tmp_path / "none.qdpx")
    with pytest.raises(ExchangeError, match="not a zip archive"):
        open_zip_safely(b"hello")


def test_characters_xml_cannot_carry_are_an_export_error(tmp_path):
    cb = Codebook("demo", [Code(id="x", label={"en": "bell\x07"})], title={"en": "D"})
    with pytest.raises(ExchangeError, match="U\\+0007"):
        export_qdc(cb, tmp_path / "x.qdc")
    assert not (tmp_path / "x.qdc").exists()


# ---------------------------------------------------------------------------------------
# Never lose work: a failure half-way leaves the previous file and no temporary file
# ---------------------------------------------------------------------------------------

def _corpus_codings_codebook():
    cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"}, codebook="demo",
                                definition={"en": "d"}, when_to_use={"en": "w"}, when_not_to_use={"en": "n"},
                                examples=(crafted_example(),))],
                  version="1", title={"en": "Demo", "ja": "デモ"}, source="test")
    corpus = Corpus([Document("int04", GOOD_TEXT)])
    s = GOOD_TEXT.index("dignity")
    codings = codings_frame([{"doc_id": "int04", "segment_id": 1, "code": "dignity", "start": s, "end": s + 7,
                              "quote": "dignity", "coder": "kurusu2015"}])
    return corpus, codings, cb


def crafted_example():
    from hsqual.codebook import Example

    return Example("dignity", "Kurusu 2015")


def _writers():
    corpus, codings, cb = _corpus_codings_codebook()
    table = pd.DataFrame({"code": ["dignity"], "n": [3]})
    return {
        "write_table csv": ("t.csv", lambda p: write_table(table, p)),
        "write_table xlsx": ("t.xlsx", lambda p: write_table(table, p)),
        "write_table parquet": ("t.parquet", lambda p: write_table(table, p)),
        "write_text": ("t.txt", lambda p: write_text("new text", p)),
        "write_codings": ("codings.csv", lambda p: write_codings(codings, p)),
        "export_qdc": ("c.qdc", lambda p: export_qdc(cb, p)),
        "export_qdpx": ("p.qdpx", lambda p: export_qdpx(codings, corpus, cb, p)),
        "codebook markdown": ("c.md", lambda p: write_codebook_document(cb, p)),
        "codebook html": ("c.html", lambda p: write_codebook_document(cb, p)),
        "codebook yaml": ("c.yaml", lambda p: write_codebook_yaml(cb, p)),
        "workbook": ("w.xlsx", lambda p: write_workbook({"freq": table}, p)),
        "export_tables": ("freq.csv", lambda p: export_tables({"freq": table}, p.parent)),
    }


WRITERS = sorted(_writers())


@pytest.mark.parametrize("writer", WRITERS)
def test_failure_at_flush_leaves_the_previous_file(tmp_path, monkeypatch, writer):
    name, write = _writers()[writer]
    target = tmp_path / name
    target.write_bytes(b"HUMAN WORK: previous version")

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write(target)
    assert target.read_bytes() == b"HUMAN WORK: previous version"
    assert sorted(os.listdir(tmp_path)) == [name]  # no temporary file left behind
    monkeypatch.undo()
    write(target)  # and the same write succeeds once the disk is fine
    assert target.read_bytes() != b"HUMAN WORK: previous version"


def test_failure_half_way_through_a_csv_leaves_the_previous_codings(tmp_path, monkeypatch):
    _, codings, _ = _corpus_codings_codebook()
    target = tmp_path / "codings.csv"
    write_codings(codings, target)
    before = target.read_bytes()
    real = pd.DataFrame.to_csv

    def half_then_fail(self, buf, *args, **kwargs):
        real(self.head(0), buf, *args, **kwargs)  # the header gets written ...
        raise RuntimeError("killed half-way")  # ... then the process dies

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    bigger = codings_frame(pd.concat([codings] * 3, ignore_index=True))
    with pytest.raises(RuntimeError, match="killed half-way"):
        write_codings(bigger, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["codings.csv"]


def test_failure_between_zip_members_leaves_the_previous_project(tmp_path, monkeypatch):
    corpus, codings, cb = _corpus_codings_codebook()
    target = export_qdpx(codings, corpus, cb, tmp_path / "p.qdpx")
    before = target.read_bytes()
    real = zipfile.ZipFile.writestr
    calls = []

    def second_member_fails(self, info, data, *a, **k):
        calls.append(info)
        if len(calls) == 2:
            raise OSError("I/O error writing sources/")
        return real(self, info, data, *a, **k)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", second_member_fails)
    with pytest.raises(OSError, match="I/O error"):
        export_qdpx(codings, corpus, cb, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["p.qdpx"]


def test_bundled_codebooks_survive_a_failed_yaml_write(tmp_path, monkeypatch):
    cb = load_codebooks(bundled_codebooks()).parts[0]
    target = write_codebook_yaml(cb, tmp_path / f"{cb.id}.yaml")
    before = target.read_bytes()
    import yaml

    def broken_dump(*a, **k):
        raise yaml.YAMLError("representer failed")

    monkeypatch.setattr(yaml, "dump", broken_dump)
    with pytest.raises(yaml.YAMLError):
        write_codebook_yaml(cb, target)
    assert target.read_bytes() == before
