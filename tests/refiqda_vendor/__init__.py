"""Synthetic REFI-QDA files written the way NVivo, MAXQDA and ATLAS.ti write them.

Each builder reproduces one vendor's quirks as seen in their exports (none of their files is
copied here): NVivo counts selection positions in UTF-16 code units, CR of CRLF included, and
leaves the selections' ``name`` empty; NVivo for Windows stores sources under ``Sources/``
next to a ``.docx`` copy; NVivo for Mac adds an empty ``sources/.root`` and writes codebooks in
the namespace ``urn:QDA-XML:codebook:1:0``; MAXQDA and NVivo put ``modifyingUser`` and
``modifiedDateTime`` on sources and selections; ATLAS.ti keeps code groups as ``<Set>``.

Every builder returns the file's bytes and what an import must give: ``(doc name, quote)`` for
each selection, in file order.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

NS_P = "urn:QDA-XML:project:1.0"

USER_A = "f93ad076-5ca1-4f46-abf4-b4b67130a6e2"
USER_B = "0f77948d-768a-4665-b7c3-fb9aaa3cdf08"
CODES = [("0ede5bd6-e64e-4536-aee6-8663227dacb5", "Attitude"), ("5067d381-1dc9-4816-81dd-ae1dbfea2ad7", "Vaccine type")]
STAMP = 'creationDateTime="2025-06-16T17:13:37Z" modifiedDateTime="2025-06-16T17:13:37Z"'

# Interview-like text with what trips converters: emoji outside the BMP before the selections,
# CRLF line ends, accented letters (2 UTF-8 bytes), Japanese (3 UTF-8 bytes).
TEXTS = {
    "Comments 1": ("Page 1 \U0001F600\U0001F44D\r\nA Politikusoknak kötelező, ja leszavazták maguknak!\r\n1\r\n20\r\n"
                   "Senkit nem lehet kötelezni oltásra \U0001F621 ilyet csak ostoba korlát.\r\n"
                   "人間の安全保障 \U0001F30F matters to people.\r\nKöszönöm a figyelmet, szép napot!\r\n"),
    "Comments 2": ("\U0001F489\U0001F489 Na mi van? Nem mertétek kötelezővé tenni?\r\n"
                   "Adtam volna a harmadikat \U0001F92E is.\r\nSzülők, Nevelők!!!\r\nKöszönöm, szép napot!\r\n"),
}
QUOTES = {
    "Comments 1": ["A Politikusoknak kötelező, ja leszavazták maguknak!", "Senkit nem lehet kötelezni oltásra",
                   "ostoba korlát", "人間の安全保障", "matters to people"],
    "Comments 2": ["Na mi van?", "Adtam volna a harmadikat \U0001F92E is.", "Szülők, Nevelők!!!"],
}
DOC_GUIDS = {"Comments 1": "70a540a6-08d4-4ce3-8a60-9f29ffd2b259", "Comments 2": "0a47de65-c207-4521-8a66-9a6d9ffa5f8d"}


def utf16_units(text: str, k: int) -> int:
    """The position NVivo writes for code point ``k``: UTF-16 code units before it."""
    return len(text[:k].encode("utf-16-le")) // 2


def _zip(members: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def _codebook_xml(*, sets: str = "") -> str:
    codes = "".join(f'<Code guid="{g}" name={quoteattr(n)} isCodable="true" color="#A0C4FF"/>' for g, n in CODES)
    return f"<CodeBook><Codes>{codes}</Codes></CodeBook>"


def _selections(doc: str, *, units, named: bool, modified: bool) -> tuple[str, list[tuple[str, str]]]:
    text = TEXTS[doc]
    out, expected = [], []
    for i, quote in enumerate(QUOTES[doc]):
        k = text.index(quote)
        s, e = units(text, k), units(text, k + len(quote))
        guid = f"29823243-1af4-4cd8-a7e9-{DOC_GUIDS[doc][-6:]}{i:06d}"
        name = f"name={quoteattr(quote)}" if named else 'name=""'
        mod = f' modifyingUser="{USER_B}" {STAMP}' if modified else ""
        code = CODES[i % len(CODES)][0]
        out.append(f'<PlainTextSelection guid="{guid}" {name} startPosition="{s}" endPosition="{e}" '
                   f'creatingUser="{USER_A}"{mod}><Coding guid="{guid[:-6]}c{i:05d}" creatingUser="{USER_A}">'
                   f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')
        expected.append((doc, quote))
    return "".join(out), expected


def vendor_project(origin: str, *, units, named: bool, folder: str, extra: dict[str, bytes | str] | None = None,
                   modified: bool = True) -> tuple[bytes, list[tuple[str, str]]]:
    """A two-source project from ``origin``: positions from ``units(text, k)``, quotes in ``name`` or
    empty, sources in ``folder``, ``modifyingUser``/``modifiedDateTime`` on sources and selections."""
    sources, expected = [], []
    for doc, guid in DOC_GUIDS.items():
        sels, exp = _selections(doc, units=units, named=named, modified=modified)
        mod = f' modifyingUser="{USER_B}" {STAMP}' if modified else ""
        sources.append(f'<TextSource guid="{guid}" name={quoteattr(doc)} richTextPath="internal://{guid}.docx" '
                       f'plainTextPath="internal://{guid}.txt" creatingUser="{USER_A}"{mod}>{sels}</TextSource>')
        expected += exp
    qde = (f'<?xml version="1.0" encoding="UTF-8" standalone="no" ?><Project basePath="" '
           f'creatingUserGUID="{USER_A}" creationDateTime="2025-02-21T15:09:07Z" modifiedDateTime="2025-06-17T10:31:00Z" '
           f'modifyingUserGUID="{USER_A}" name="Untitled" origin={quoteattr(origin)} xmlns="{NS_P}" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
           f'<Users><User guid="{USER_A}" id="SF" name="Sipos"/><User guid="{USER_B}" id="GP" name="Gergo"/></Users>'
           f"{_codebook_xml()}<Sources>{''.join(sources)}</Sources></Project>")
    members: dict[str, bytes | str] = {"project.qde": qde}
    for doc, guid in DOC_GUIDS.items():
        members[f"{folder}/{guid}.txt"] = TEXTS[doc].encode("utf-8")
        members[f"{folder}/{guid}.docx"] = b"PK\x05\x06" + b"\x00" * 18  # an (empty) rich-text copy
    members.update(extra or {})
    return _zip(members), expected


def nvivo_mac_project() -> tuple[bytes, list[tuple[str, str]]]:
    """NVivo 12 for Mac: UTF-16 positions, empty ``name`` quotes, ``sources/`` with ``.root``."""
    return vendor_project("NVivo for Mac 12.7.0", units=utf16_units, named=False, folder="sources",
                    extra={"sources/.root": b""})


def nvivo_windows_project() -> tuple[bytes, list[tuple[str, str]]]:
    """NVivo 12 for Windows: UTF-16 positions, empty ``name`` quotes, sources under ``Sources/``."""
    return vendor_project("NVivo for Windows 12.6", units=utf16_units, named=False, folder="Sources")


def maxqda_project() -> tuple[bytes, list[tuple[str, str]]]:
    """MAXQDA 24: code-point positions, quotes in ``name``, ``modifyingUser``/``modifiedDateTime``."""
    return vendor_project("MAXQDA 24 (Release 24.4.0)", units=lambda text, k: k, named=True, folder="sources")


def nvivo_mac_codebook(namespace: str = "urn:QDA-XML:codebook:1:0") -> bytes:
    """A codebook as NVivo for Mac writes it (namespace with a colon for the dot)."""
    return (f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{namespace}" origin="NVivo for Mac 12.7.0">'
            '<Codes><Code guid="0ede5bd6-e64e-4536-aee6-8663227dacb5" name="Attitude" isCodable="true">'
            '<Description>How the writer feels about vaccination</Description>'
            '<Code guid="e8811e5d-feb6-458a-b0dd-ae1dbfef84b8" name="Sceptical" isCodable="true"/></Code>'
            "</Codes></CodeBook>").encode("utf-8")


ATLAS_GROUPS = {"Reasons": ["Fear of side effects", "Distrust"], "Emotions": ["Distrust", "Anger"]}


def atlas_codebook() -> bytes:
    """ATLAS.ti 23: a flat code list and code groups as ``<Set>`` elements listing ``MemberCode``."""
    names = ["Fear of side effects", "Distrust", "Anger"]
    guid = {n: f"A182CD3A-D83C-4D8C-BC80-26D9103EC6D{i}" for i, n in enumerate(names)}
    codes = "".join(f'<Code guid="{guid[n]}" name="{escape(n)}" isCodable="true" color="#FF0000"/>' for n in names)
    sets = "".join(f'<Set guid="2D2466F0-D77F-4F8C-BDF9-628966B6B74{i}" name="{g}">'
                   + "".join(f'<MemberCode guid="{guid[m]}"/>' for m in members) + "</Set>"
                   for i, (g, members) in enumerate(ATLAS_GROUPS.items()))
    return ('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" '
            f'origin="ATLAS.ti for Windows 23.2.3.27778"><Codes>{codes}</Codes><Sets>{sets}</Sets></CodeBook>'
            ).encode("utf-8")
