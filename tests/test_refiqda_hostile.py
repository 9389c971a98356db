"""No REFI-QDA or zip input can hang, bomb or crash hsqual.

Each hostile input below is refused (or read) with a message naming the file and what is
wrong; none raises RecursionError, OverflowError or MemoryError.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from malicious.crafted import CODE_GUID, SOURCE_GUID, USER_GUID, foreign_project, zip_bytes

from hsqual.cli import main
from hsqual.docx import read_docx
from hsqual.errors import ExchangeError, TranscriptError
from hsqual.refiqda import MAX_JSON_DEPTH, MAX_XML_DEPTH, import_qdc, import_qdpx, schema_errors
from hsqual.zipsafe import ZipLimits, open_zip_safely

TEXT = "Q: 安全?\r\nA: dignity 🙂 and fear"


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


def _chain(depth: int, ns: str = "urn:QDA-XML:codebook:1.0") -> str:
    opens = "".join(f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="level {i}" isCodable="true">'
                    for i in range(depth))
    return f'<CodeBook xmlns="{ns}"><Codes>{opens}{"</Code>" * depth}</Codes></CodeBook>'


# ---------------------------------------------------------------------------------------
# Deep nesting
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_XML_DEPTH, 10_000])
def test_a_code_tree_deeper_than_the_limit_is_refused_by_name(tmp_path, depth):
    p = _write(tmp_path, "deep.qdc", _chain(depth))
    with pytest.raises(ExchangeError) as err:
        import_qdc(p)
    assert str(err.value).startswith(f"{p}: codebook: elements are nested more than {MAX_XML_DEPTH} levels deep")
    with pytest.raises(ExchangeError, match="nested more than"):
        schema_errors(p)


def test_a_deep_code_tree_in_a_project_is_refused(tmp_path):
    qde = foreign_project(TEXT, []).replace(
        "</Code></Codes>", "".join(f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="x" isCodable="true">'
                                   for i in range(5000)) + "</Code>" * 5000 + "</Code></Codes>")
    p = _write(tmp_path, "deep.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    with pytest.raises(ExchangeError, match=r"deep\.qdpx!project\.qde: project\.qde: elements are nested more"):
        import_qdpx(p)


def test_the_deepest_allowed_code_tree_builds_with_short_ids(tmp_path):
    depth = MAX_XML_DEPTH - 3  # CodeBook > Codes > Code ... > Code
    cb = import_qdc(_write(tmp_path, "deep.qdc", _chain(depth)))
    assert len(cb) == depth
    assert max(len(c) for c in cb.ids) < 140  # ids do not grow with the depth
    code, steps = cb.codes[-1], 0
    while code.parent is not None:  # the hierarchy is whole
        code, steps = cb[code.parent], steps + 1
    assert steps == depth - 1


def test_deep_json_in_a_list_variable_is_refused_by_name(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    qde = foreign_project(TEXT, []).replace(
        "</Sources>", "</Sources>").replace(
        "<Sources>", '<Variables><Variable guid="5a5a5a5a-0000-4000-8000-000000000001" name="topics" '
        'typeOfVariable="Text"><Description>## Kind\nlist (JSON)</Description></Variable></Variables><Sources>').replace(
        "</TextSource>", '<VariableValue><VariableRef targetGUID="5a5a5a5a-0000-4000-8000-000000000001"/>'
        f"<TextValue>{deep}</TextValue></VariableValue></TextSource>")
    members = {"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}
    p = _write(tmp_path, "json.qdpx", zip_bytes(members, compression=zipfile.ZIP_STORED))
    with pytest.raises(ExchangeError) as err:
        import_qdpx(p)
    assert str(err.value) == (f"{p}: the value of variable 'topics': its JSON nests 100000 levels deep, "
                              f"more than the limit of {MAX_JSON_DEPTH}")


def test_shallow_json_in_a_list_variable_is_read(tmp_path):
    qde = foreign_project(TEXT, []).replace(
        "<Sources>", '<Variables><Variable guid="5a5a5a5a-0000-4000-8000-000000000001" name="topics" '
        'typeOfVariable="Text"><Description>## Kind\nlist (JSON)</Description></Variable></Variables><Sources>').replace(
        "</TextSource>", '<VariableValue><VariableRef targetGUID="5a5a5a5a-0000-4000-8000-000000000001"/>'
        f"<TextValue>{json.dumps(['fear', ['want']])}</TextValue></VariableValue></TextSource>")
    p = _write(tmp_path, "json.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    corpus, _, _ = import_qdpx(p)
    assert corpus.doc("Interview 1").meta["topics"] == ["fear", ["want"]]


# ---------------------------------------------------------------------------------------
# Zip bombs, one or many
# ---------------------------------------------------------------------------------------

def test_many_members_just_under_1_mib_are_refused_together(tmp_path):
    members = {"project.qde": foreign_project(TEXT, []), f"sources/{SOURCE_GUID}.txt": TEXT}
    members.update({f"sources/pad{i}.txt": b"\0" * ((1 << 20) - 1) for i in range(40)})
    p = _write(tmp_path, "many.qdpx", zip_bytes(members))
    assert p.stat().st_size < 200_000  # 40 MiB of text in under 200 kB
    with pytest.raises(ExchangeError) as err:
        import_qdpx(p)
    assert str(err.value).startswith(f"{p}: zip entry 'sources/pad0.txt' expands")
    # and with the per-entry check raised, the archive as a whole is still refused
    with pytest.raises(ExchangeError, match=r"the archive's 42 entries expand \d+ times together"):
        import_qdpx(p, limits=ZipLimits(ratio_from=1 << 30))


def test_a_docx_bomb_is_refused_by_the_same_checks(tmp_path):
    p = _write(tmp_path, "bomb.docx", zip_bytes({"word/document.xml": b" " * (8 << 20)}))
    with pytest.raises(TranscriptError, match=r"bomb\.docx: not a readable \.docx file: zip entry 'word/document\.xml' "
                                              r"expands \d+ times"):
        read_docx(p)


def test_open_zip_safely_lives_in_one_module():
    import hsqual.refiqda

    assert hsqual.refiqda.open_zip_safely is open_zip_safely  # the same function, not a copy


# ---------------------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------------------

BAD_POSITIONS = {
    "10^30": ("1" + "0" * 30, "startPosition=1000000000000000000000000000000, beyond the end of its text"),
    "past the end": ("99999", "startPosition=99999, beyond the end of its text (29 characters, 36 UTF-8 bytes)"),
    "underscore": ("1_0", "startPosition='1_0'; expected a whole number written in ASCII digits"),
    "Arabic-Indic digit": ("٣", "startPosition='٣'; expected a whole number written in ASCII digits"),
    "fullwidth digit": ("３", "startPosition='３'; expected a whole number written in ASCII digits"),
    "negative": ("-4", "startPosition='-4'; expected a whole number"),
    "decimal": ("4.0", "startPosition='4.0'; expected a whole number"),
    "empty": ("", "startPosition=''; expected a whole number"),
    "exponent": ("1e3", "startPosition='1e3'; expected a whole number"),
}


@pytest.mark.parametrize("case", sorted(BAD_POSITIONS))
def test_a_bad_position_is_an_error_naming_the_selection_and_the_value(tmp_path, case):
    value, message = BAD_POSITIONS[case]
    qde = foreign_project(TEXT, [(0, 5, None)]).replace('startPosition="0"', f'startPosition="{value}"')
    p = _write(tmp_path, "pos.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    with pytest.raises(ExchangeError) as err:
        import_qdpx(p)
    assert str(err.value).startswith(f"{p}: source 'Interview 1': selection 9a9a9a9a-0000-4000-8000-000000000000 has ")
    assert message in str(err.value)
    with pytest.raises(ExchangeError, match="selection 9a9a9a9a"):
        import_qdpx(p, offsets="utf16")


def test_a_position_with_a_plus_sign_and_spaces_is_a_valid_xml_integer(tmp_path):
    qde = foreign_project(TEXT, [(0, 1, "Q")]).replace('startPosition="0"', 'startPosition=" +0 "')
    data = zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT})
    _, codings, _ = import_qdpx(_write(tmp_path, "pos.qdpx", data))
    assert codings.loc[0, "quote"] == "Q"


# ---------------------------------------------------------------------------------------
# Duplicate GUIDs
# ---------------------------------------------------------------------------------------

def test_a_duplicate_user_guid_keeps_the_first_coder_and_is_reported(tmp_path):
    qde = foreign_project(TEXT, [(0, 1, "Q")]).replace(
        "</Users>", f'<User guid="{USER_GUID.upper()}" name="Impostor"/></Users>')
    p = _write(tmp_path, "u.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    _, codings, _ = import_qdpx(p)
    assert codings.loc[0, "coder"] == "Aiko Sato"
    assert codings.attrs["refiqda"]["problems"] == [
        f"two users have the guid {USER_GUID} ('Aiko Sato' and 'Impostor'); the first is kept as the coder"]


def test_duplicate_source_and_selection_guids_are_reported(tmp_path):
    qde = foreign_project(TEXT, [(0, 1, "Q"), (3, 5, "安全")])
    qde = qde.replace("9a9a9a9a-0000-4000-8000-000000000001", "9a9a9a9a-0000-4000-8000-000000000000")
    second = (f'<TextSource guid="{SOURCE_GUID}" name="Copy"><PlainTextContent>again</PlainTextContent>'
              "</TextSource>")
    qde = qde.replace("</Sources>", second + "</Sources>")
    p = _write(tmp_path, "d.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    _, codings, _ = import_qdpx(p)
    problems = codings.attrs["refiqda"]["problems"]
    assert ("source 'Interview 1': two selections have the guid 9a9a9a9a-0000-4000-8000-000000000000 "
            "(the other in 'Interview 1'); both are kept") in problems
    assert (f"two sources have the guid {SOURCE_GUID} ('Interview 1' and 'Copy'); cases and sets refer to "
            "the first") in problems
    assert codings["quote"].tolist() == ["Q", "安全"]
    assert main(["validate", str(p)]) == 1


def test_duplicate_code_guids_are_refused(tmp_path):
    qde = foreign_project(TEXT, []).replace("0d3b3a0c0002", "0d3b3a0c0001")
    p = _write(tmp_path, "c.qdpx", zip_bytes({"project.qde": qde, f"sources/{SOURCE_GUID}.txt": TEXT}))
    with pytest.raises(ExchangeError, match=f"two codes have the guid {CODE_GUID}"):
        import_qdpx(p)


# ---------------------------------------------------------------------------------------
# Many documents: offset maps one document at a time
# ---------------------------------------------------------------------------------------

def test_many_documents_in_every_convention_convert_right(tmp_path):
    n = 60
    text = "Q: 安全?\r\nA: 𠮷野家 🙂 dignity\r\n" * 20
    sources, members = [], {}
    k = text.index("dignity")
    s, e = len(text[:k].encode("utf-8")), len(text[:k + 7].encode("utf-8"))
    for i in range(n):
        guid = f"7f0e2a57-7a44-4f0c-9a55-{i:012d}"
        sources.append(f'<TextSource guid="{guid}" name="d{i}" plainTextPath="internal://{guid}.txt">'
                       f'<PlainTextSelection guid="9a9a9a9a-0000-4000-8000-{i:012d}" name="dignity" startPosition="{s}" '
                       f'endPosition="{e}"><Coding guid="8b8b8b8b-0000-4000-8000-{i:012d}">'
                       f'<CodeRef targetGUID="{CODE_GUID}"/></Coding></PlainTextSelection></TextSource>')
        members[f"sources/{guid}.txt"] = text
    qde = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="m"><CodeBook><Codes><Code guid="{CODE_GUID}" name="C" '
           f'isCodable="true"/></Codes></CodeBook><Sources>{"".join(sources)}</Sources></Project>')
    p = _write(tmp_path, "many.qdpx", zip_bytes({"project.qde": qde, **members}))
    _, codings, _ = import_qdpx(p)
    assert codings.attrs["refiqda"]["offsets"] == "utf8"
    assert codings["quote"].tolist() == ["dignity"] * n


def test_buffer_of_zeros_is_not_a_zip(tmp_path):
    with pytest.raises(ExchangeError, match="not a zip archive"):
        open_zip_safely(io.BytesIO(b"\0" * 100), path="x.qdpx")
    with pytest.raises(ExchangeError, match="x.qdpx: refusing zip entry 'C:/evil.txt': an absolute path"):
        open_zip_safely(zip_bytes({"C:/evil.txt": "x"}), path="x.qdpx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sources\\a.txt", "x")
    with pytest.raises(ExchangeError, match="a backslash in its path"):
        open_zip_safely(buf.getvalue(), path="x.qdpx")


def test_export_refuses_a_code_tree_too_deep_to_read_back(tmp_path):
    from hsqual.codebook import Code, Codebook
    from hsqual.refiqda import export_qdc

    def chain(n):
        return Codebook("deep", [Code(id=f"c{i}", label={"en": f"C{i}"}, parent=None if i == 0 else f"c{i - 1}")
                                 for i in range(n)], title={"en": "Deep"})

    limit = MAX_XML_DEPTH - 4
    back = import_qdc(export_qdc(chain(limit), tmp_path / "ok.qdc"))
    assert len(back) == limit
    with pytest.raises(ExchangeError, match=f"code 'c{limit}' is nested {limit + 1} levels deep"):
        export_qdc(chain(5000), tmp_path / "deep.qdc")
    assert not (tmp_path / "deep.qdc").exists()
