"""REFI-QDA files as NVivo, MAXQDA and ATLAS.ti write them import right.

The fixtures (tests/refiqda_vendor) reproduce each vendor's quirks; every selection must come
back as the very text the vendor coded, at offsets that slice back to it.
"""

from __future__ import annotations

import pytest
from refiqda_vendor import (
    ATLAS_GROUPS,
    TEXTS,
    atlas_codebook,
    maxqda_project,
    nvivo_mac_codebook,
    nvivo_mac_project,
    nvivo_windows_project,
)

from hsqual.cli import main
from hsqual.codebook import load_codebook
from hsqual.errors import ExchangeError
from hsqual.refiqda import export_qdc, export_qdpx, import_qdc, import_qdpx, schema_errors

PROJECTS = {"nvivo-mac": nvivo_mac_project, "nvivo-windows": nvivo_windows_project, "maxqda": maxqda_project}
CONVENTION = {"nvivo-mac": "utf16", "nvivo-windows": "utf16", "maxqda": "codepoints"}


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize("vendor", sorted(PROJECTS))
def test_vendor_project_quotes_equal_the_text_at_the_offsets(tmp_path, vendor):
    data, expected = PROJECTS[vendor]()
    corpus, codings, cb = import_qdpx(_write(tmp_path, f"{vendor}.qdpx", data))
    assert len(codings) == len(expected) == 8
    assert list(zip(codings["doc_id"], codings["quote"])) == expected
    for row in codings.itertuples():
        assert corpus.doc(row.doc_id).text[row.start:row.end] == row.quote
    assert {d: corpus.doc(d).text for d in corpus.doc_ids} == TEXTS
    report = codings.attrs["refiqda"]
    assert report["offsets"] == CONVENTION[vendor]
    assert report["offsets_tied"] == [] and report["problems"] == []
    assert sorted(set(codings["coder"])) == ["SF"]
    assert cb.ids == ["attitude", "vaccine_type"]


def test_nvivo_without_quotes_is_decided_by_word_boundaries_not_list_order(tmp_path):
    data, _ = nvivo_mac_project()
    _, codings, _ = import_qdpx(_write(tmp_path, "mac.qdpx", data))
    report = codings.attrs["refiqda"]
    scores = report["offset_scores"]
    assert scores["utf16"]["matched_quotes"] == scores["codepoints"]["matched_quotes"] == 0  # no quotes to go by
    assert scores["utf16"]["boundaries"] == 16 > scores["codepoints"]["boundaries"]
    assert "word and line boundaries: 16 of 16" in report["offset_evidence"]
    # read as code points (what the standard says), the same file is shifted
    _, wrong, _ = import_qdpx(_write(tmp_path, "mac.qdpx", data), offsets="codepoints")
    assert wrong.loc[0, "quote"] != codings.loc[0, "quote"]


def test_nvivo_windows_sources_folder_is_found_whatever_its_case(tmp_path):
    data, _ = nvivo_windows_project()
    p = _write(tmp_path, "win.qdpx", data)
    corpus, _, _ = import_qdpx(p)
    assert corpus.doc("Comments 2").text.startswith("\U0001F489\U0001F489 Na mi van?")


def test_source_ambiguous_between_two_cases_of_the_folder_is_an_error(tmp_path):
    import zipfile

    data, _ = nvivo_windows_project()
    p = _write(tmp_path, "win.qdpx", data)
    with zipfile.ZipFile(p, "a") as zf:
        zf.writestr("SOURCES/70a540a6-08d4-4ce3-8a60-9f29ffd2b259.txt", "other")
    with pytest.raises(ExchangeError, match="several files that could be 'sources/70a540a6"):
        import_qdpx(p)


@pytest.mark.parametrize("vendor", sorted(PROJECTS))
def test_vendor_projects_are_valid_against_hsquals_schema(tmp_path, vendor):
    data, _ = PROJECTS[vendor]()
    assert schema_errors(_write(tmp_path, f"{vendor}.qdpx", data)) == []


def test_validate_a_maxqda_project_reports_no_problem(tmp_path, capsys):
    data, _ = maxqda_project()
    p = _write(tmp_path, "maxqda.qdpx", data)
    assert main(["validate", str(p)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{p}: ok (2 documents, 8 codings, 2 codes; offsets counted as codepoints)\n"


def test_import_cli_says_how_the_convention_was_decided(tmp_path, capsys):
    data, _ = nvivo_mac_project()
    p = _write(tmp_path, "mac.qdpx", data)
    assert main(["import", str(p), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "(8 codings; offsets counted as utf16, by selections on character boundaries" in out


@pytest.mark.parametrize("namespace", ["urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4",
                                       "urn:QDA-XML:codebook:1.0"])
def test_codebook_namespace_variants_are_read(tmp_path, namespace):
    p = _write(tmp_path, "nvivo.qdc", nvivo_mac_codebook(namespace))
    cb = import_qdc(p)
    assert cb.ids == ["attitude", "attitude.sceptical"]
    assert cb["attitude"].definition["en"] == "How the writer feels about vaccination"
    assert schema_errors(p) == []


def test_project_namespace_variant_is_read(tmp_path):
    data, expected = maxqda_project()
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info in src.infolist():
            payload = src.read(info)
            if info.filename == "project.qde":
                payload = payload.replace(b'xmlns="urn:QDA-XML:project:1.0"', b'xmlns="urn:QDA-XML:project:1:0"')
            zf.writestr(info.filename, payload)
    corpus, codings, _ = import_qdpx(_write(tmp_path, "p.qdpx", buf.getvalue()))
    assert list(zip(codings["doc_id"], codings["quote"])) == expected
    assert codings.attrs["refiqda"]["namespace"] == "urn:QDA-XML:project:1:0"


def test_other_namespace_versions_are_still_refused(tmp_path):
    p = _write(tmp_path, "x.qdc", nvivo_mac_codebook("urn:QDA-XML:codebook:2.0"))
    with pytest.raises(ExchangeError, match="found <CodeBook> in namespace 'urn:QDA-XML:codebook:2.0'"):
        import_qdc(p)


def test_atlas_code_groups_are_kept_and_written_back(tmp_path):
    p = _write(tmp_path, "atlas.qdc", atlas_codebook())
    cb = import_qdc(p)
    assert cb.ids == ["fear_of_side_effects", "distrust", "anger"]
    assert {c.id: c.groups for c in cb.codes} == {"fear_of_side_effects": ("Reasons",),
                                                   "distrust": ("Reasons", "Emotions"), "anger": ("Emotions",)}
    back = import_qdc(export_qdc(cb, tmp_path / "again.qdc"))
    assert {c.id: c.groups for c in back.codes} == {c.id: c.groups for c in cb.codes}
    text = (tmp_path / "again.qdc").read_text(encoding="utf-8")
    for group, members in ATLAS_GROUPS.items():
        assert f'name="{group}"' in text
    assert schema_errors(tmp_path / "again.qdc") == []


def test_code_groups_travel_in_a_project_too(tmp_path):
    from hsqual.codings import codings_frame
    from hsqual.corpus import Corpus, Document

    cb = import_qdc(_write(tmp_path, "atlas.qdc", atlas_codebook()))
    corpus = Corpus([Document("d1", "Distrust and anger.")])
    codings = codings_frame([{"doc_id": "d1", "segment_id": 1, "code": "distrust", "start": 0, "end": 8,
                              "quote": "Distrust", "coder": "me"}])
    p = export_qdpx(codings, corpus, cb, tmp_path / "p.qdpx")
    assert schema_errors(p) == []
    _, codings2, cb2 = import_qdpx(p)
    assert cb2["distrust"].groups == ("Reasons", "Emotions")
    assert codings2.loc[0, "quote"] == "Distrust"


def test_codebook_yaml_reads_an_optional_groups_list(tmp_path):
    p = tmp_path / "cb.yaml"
    p.write_text("id: cb\nversion: '1'\ntitle: {en: C, ja: C}\nsource: x\ncodes:\n"
                 "  - id: a\n    label: {en: A, ja: A}\n    definition: {en: d}\n    when_to_use: {en: w}\n"
                 "    when_not_to_use: {en: n}\n    examples: [{quote: q, source: s}]\n    groups: [Reasons, Emotions]\n",
                 encoding="utf-8")
    assert load_codebook(p)["a"].groups == ("Reasons", "Emotions")


# ---------------------------------------------------------------------------------------
# When nothing tells the conventions apart
# ---------------------------------------------------------------------------------------

def _tied_project(origin: str) -> bytes:
    from malicious.crafted import CODE_GUID, SOURCE_GUID, USER_GUID, zip_bytes

    text = "\U0001F642 x y z"  # code points: y at 4; UTF-16: a space at 4; UTF-8: a space at 1
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">'
           f'<Users><User guid="{USER_GUID}" name="A"/></Users>'
           f'<CodeBook><Codes><Code guid="{CODE_GUID}" name="C" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{SOURCE_GUID}" name="d" plainTextPath="internal://{SOURCE_GUID}.txt">'
           '<PlainTextSelection guid="9a9a9a9a-0000-4000-8000-000000000001" startPosition="4" endPosition="5">'
           f'<Coding guid="8b8b8b8b-0000-4000-8000-000000000001"><CodeRef targetGUID="{CODE_GUID}"/></Coding>'
           "</PlainTextSelection></TextSource></Sources></Project>")
    return zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": text})


def test_a_tie_is_reported_in_the_result_and_on_the_command_line(tmp_path, capsys):
    p = _write(tmp_path, "tied.qdpx", _tied_project("SomeTool 1"))
    _, codings, _ = import_qdpx(p)
    report = codings.attrs["refiqda"]
    assert report["offsets_tied"] == ["codepoints", "utf16", "utf8"]
    assert report["offsets"] == "codepoints" and codings.loc[0, "quote"] == "y"
    assert "cannot be told from this file: codepoints, utf16, utf8" in report["problems"][0]
    status = main(["import", str(p), "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert status == 1
    assert "give --offsets (codepoints or utf16 or utf8)" in out
    # choosing explicitly settles it
    assert main(["import", str(p), "--out", str(tmp_path / "out2"), "--offsets", "utf16"]) == 0
    assert "offsets counted as utf16, by the offsets option" in capsys.readouterr().out


def test_the_origin_breaks_a_tie_for_nvivo(tmp_path):
    p = _write(tmp_path, "tied.qdpx", _tied_project("NVivo for Windows 12.6"))
    _, codings, _ = import_qdpx(p)
    report = codings.attrs["refiqda"]
    assert report["offsets"] == "utf16" and report["offsets_tied"] == []
    assert "NVivo counts UTF-16 code units" in report["offset_evidence"]
    assert codings.loc[0, "quote"] == " "


def test_a_text_within_the_bmp_has_no_tie_between_code_points_and_utf16(tmp_path):
    from malicious.crafted import foreign_qdpx

    p = _write(tmp_path, "bmp.qdpx", foreign_qdpx("Q: 安全? A: dignity", [(3, 5, None)]))
    _, codings, _ = import_qdpx(p)
    report = codings.attrs["refiqda"]
    assert report["offsets_tied"] == [] and report["problems"] == []
    assert codings.loc[0, "quote"] == "安全"


# ---------------------------------------------------------------------------------------
# Checking against the official schemas kept outside the repository
# ---------------------------------------------------------------------------------------

# A stand-in for the standard's Codebook.xsd, stricter than hsqual's: every code needs a colour.
STRICT_CODEBOOK_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="urn:QDA-XML:codebook:1.0"
           targetNamespace="urn:QDA-XML:codebook:1.0" elementFormDefault="qualified">
  <xs:element name="CodeBook">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Codes">
          <xs:complexType><xs:sequence><xs:element name="Code" type="C" maxOccurs="unbounded"/></xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="origin" type="xs:string"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="C">
    <xs:sequence>
      <xs:element name="Description" type="xs:string" minOccurs="0"/>
      <xs:element name="Code" type="C" minOccurs="0" maxOccurs="unbounded"/>
    </xs:sequence>
    <xs:attribute name="guid" type="xs:string" use="required"/>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="isCodable" type="xs:boolean" use="required"/>
    <xs:attribute name="color" type="xs:string" use="required"/>
  </xs:complexType>
</xs:schema>
"""


def _schema_folder(tmp_path):
    folder = tmp_path / "refi-schemas"
    folder.mkdir()
    (folder / "Codebook.xsd").write_text(STRICT_CODEBOOK_XSD, encoding="utf-8")
    (folder / "notes.xsd").write_text("<not-a-schema/>", encoding="utf-8")  # skipped: another namespace
    return folder


def test_schema_dir_checks_against_the_schemas_given(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HSQUAL_REFIQDA_SCHEMAS", raising=False)
    p = _write(tmp_path, "nvivo.qdc", nvivo_mac_codebook())  # codes without a colour
    assert schema_errors(p) == []  # hsqual's schema: colour optional, as in the standard
    folder = _schema_folder(tmp_path)
    errors = schema_errors(p, schema_dir=folder)
    assert len(errors) == 2 and all("missing required attribute 'color'" in e for e in errors)
    assert main(["validate", str(p), "--schema-dir", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.startswith(f"{p}: /") and "'color'" in line for line in out[:2])
    assert out[2] == f"{p}: problems (codebook, 2 codes)"
    # the environment variable does the same
    monkeypatch.setenv("HSQUAL_REFIQDA_SCHEMAS", str(folder))
    assert len(schema_errors(p)) == 2
    assert main(["validate", str(p)]) == 1


def test_schema_dir_without_the_schema_needed_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("HSQUAL_REFIQDA_SCHEMAS", raising=False)
    data, _ = maxqda_project()
    p = _write(tmp_path, "m.qdpx", data)
    folder = _schema_folder(tmp_path)
    with pytest.raises(ExchangeError) as err:
        schema_errors(p, schema_dir=folder)
    assert str(err.value) == (f"{folder}: no schema with target namespace 'urn:QDA-XML:project:1.0' in this folder "
                              "(expected the standard's Project.xsd)")
    assert main(["validate", str(p), "--schema-dir", str(tmp_path / "none")]) == 1
    assert "the schema folder does not exist" in capsys.readouterr().out


def test_import_cli_never_drops_code_groups_silently(tmp_path, capsys):
    p = _write(tmp_path, "atlas.qdc", atlas_codebook())
    assert main(["import", str(p), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    back = load_codebook(tmp_path / "out" / "codebooks" / "atlas.yaml")
    in_yaml = back["distrust"].groups == ("Reasons", "Emotions")
    warned = "warning: the code groups of 3 code(s) (Emotions, Reasons) are not in the codebook YAML written" in err
    assert in_yaml != warned  # kept in the YAML, or said so: never both, never neither


def test_without_the_origin_word_boundaries_alone_find_utf16(tmp_path):
    import zipfile

    from refiqda_vendor import utf16_units, vendor_project

    data, expected = vendor_project("", units=utf16_units, named=False, folder="sources")
    _, codings, _ = import_qdpx(_write(tmp_path, "anon.qdpx", data))
    report = codings.attrs["refiqda"]
    assert report["offsets"] == "utf16" and report["offsets_tied"] == []
    assert "the file comes from" not in report["offset_evidence"]
    assert "word and line boundaries: 16 of 16 under utf16" in report["offset_evidence"]
    assert list(zip(codings["doc_id"], codings["quote"])) == expected
    assert zipfile.is_zipfile(tmp_path / "anon.qdpx")
