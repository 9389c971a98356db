"""Crafted REFI-QDA and zip files: foreign projects with other offset conventions, and attacks.

Each builder writes the file the way another tool (or an attacker) would, without going
through hsqual's writer.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import quoteattr

NS_P = "urn:QDA-XML:project:1.0"
NS_C = "urn:QDA-XML:codebook:1.0"
CODE_GUID = "1b6a2e57-7a44-4f0c-9a55-0d3b3a0c0001"
CODE2_GUID = "1b6a2e57-7a44-4f0c-9a55-0d3b3a0c0002"
USER_GUID = "4c1d2a57-7a44-4f0c-9a55-0d3b3a0c0009"
SOURCE_GUID = "7f0e2a57-7a44-4f0c-9a55-0d3b3a0c0003"


def zip_bytes(members: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def foreign_project(text: str, selections: list[tuple[int, int, str | None]], *,
                    source_name: str = "Interview 1", code_guid: str = CODE_GUID,
                    plain_text_path: str | None = None, ns: str = NS_P, extra_sources: str = "") -> str:
    """project.qde as another tool writes it: one code, one user, one text source."""
    path = plain_text_path or f"internal://{SOURCE_GUID}.txt"
    sels = []
    for i, (s, e, quote) in enumerate(selections):
        name = f" name={quoteattr(quote)}" if quote is not None else ""
        sels.append(
            f'<PlainTextSelection guid="9a9a9a9a-0000-4000-8000-{i:012d}"{name} startPosition="{s}" '
            f'endPosition="{e}" creatingUser="{USER_GUID}"><Coding guid="8b8b8b8b-0000-4000-8000-{i:012d}" '
            f'creatingUser="{USER_GUID}"><CodeRef targetGUID="{code_guid}"/></Coding></PlainTextSelection>')
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{ns}" name="Foreign" origin="OtherTool 12">'
            f'<Users><User guid="{USER_GUID}" name="Aiko Sato"/></Users>'
            f'<CodeBook><Codes><Code guid="{CODE_GUID}" name="Dignity" isCodable="true" color="#F00">'
            f'<Code guid="{CODE2_GUID}" name="Freedom to live in dignity" isCodable="true"/></Code></Codes></CodeBook>'
            f'<Sources><TextSource guid="{SOURCE_GUID}" name={quoteattr(source_name)} plainTextPath="{path}">'
            + "".join(sels) + f"</TextSource>{extra_sources}</Sources></Project>")


def foreign_qdpx(text: str, selections, **kwargs) -> bytes:
    return zip_bytes({"project.qde": foreign_project(text, selections, **kwargs),
                      f"sources/{SOURCE_GUID}.txt": text.encode("utf-8")})


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="' + CODE_GUID
    + '" name="&lol9;" isCodable="true"/></Codes></CodeBook>')

QUADRATIC_BLOWUP = (
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "' + "x" * 50_000 + '">]>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="' + CODE_GUID + '" name="'
    + "&a;" * 2000 + '" isCodable="true"/></Codes></CodeBook>')

EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="' + CODE_GUID
    + '" name="x" isCodable="true"><Description>&xxe;</Description></Code></Codes></CodeBook>')

EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE c SYSTEM "http://example.invalid/evil.dtd">\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="' + CODE_GUID
    + '" name="x" isCodable="true"/></Codes></CodeBook>')

PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]>\n'
    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>')


def project_with_doctype(doctype: str) -> str:
    text = "Dignity matters."
    body = foreign_project(text, [(0, 7, "Dignity")])
    return body.replace('<?xml version="1.0" encoding="utf-8"?>\n', '<?xml version="1.0" encoding="utf-8"?>\n' + doctype)
