"""REFI-QDA exchange: codebooks (``.qdc``) and projects (``.qdpx``) shared with other QDA tools.

The REFI-QDA standard (QDA-XML 1.0, www.qdasoftware.org) is read by ATLAS.ti, MAXQDA, NVivo,
QualCoder, Quirkos, Transana and others. Two files:

* **Codebook Exchange** ``.qdc``: an XML ``CodeBook`` (namespace ``urn:QDA-XML:codebook:1.0``)
  holding nested ``Code`` elements (name, colour, description) and ``Set`` elements.
* **Project Exchange** ``.qdpx``: a zip holding ``project.qde`` (an XML ``Project``, namespace
  ``urn:QDA-XML:project:1.0``) and ``sources/`` with the documents as UTF-8 plain text.
  Codings are ``PlainTextSelection`` elements with ``startPosition``/``endPosition`` in
  Unicode code points, each holding a ``Coding`` with a ``CodeRef``; coders are ``User``
  elements; document metadata becomes typed ``Variable`` values and ``Case`` elements.

How hsqual's records map onto the standard
------------------------------------------
* A code is a ``Code`` whose ``name`` is its English label (the first language's when there
  is no English one) and whose GUID is derived from the code id (UUID 5), so exporting the
  same codebook twice gives the same file. The parent/child hierarchy is the nesting.
* REFI-QDA gives a code one ``Description``. hsqual writes there, as labelled sections a
  person can read in any tool, everything else a code holds::

      ## Code id
      freedoms.fear
      ## Label (ja)
      恐怖からの自由
      ## Definition (en)
      ...
      ## When to use (en) / ## When not to use (en) / ## Example 1 / ## Example 1 source
      ## Rule 1 (en)

  A line of the user's text starting ``## `` or ``\\`` is written with a ``\\`` in front, so
  the sections read back exactly. A description without sections (from another tool) becomes
  the English definition.
* A codebook is a ``Set`` (REFI-QDA's grouping of codes) whose description holds the
  codebook's id, version, title, source and languages, and whose members are its codes in
  file order; several codebooks loaded together become several sets.
* A coding is one ``PlainTextSelection`` (its ``name`` is the quoted text) with one
  ``Coding``; its segment, rule and extra columns go in the selection's description, its memo
  in a ``Note``.
* REFI-QDA has no element for segments (turns, paragraphs, ...). hsqual writes a document's
  segments in its ``TextSource``'s ``Description``, one segment a line as JSON
  ``[segment_id, kind, start, end, speaker]`` (offsets in code points) under a
  ``## Segments`` heading, so that segments and the codings' ``segment_id`` come back as they
  were. A source without that section (a file from another tool, or one whose text no longer
  fits the list) is cut again as :func:`hsqual.transcripts.load_corpus` does (speaker turns,
  else paragraphs) and each of its codings gets the segment its start offset lies in.

Importing is safe with files from anywhere: XML is parsed with defusedxml with DTDs refused
(no entity expansion, no external entities) and elements nested at most
:data:`MAX_XML_DEPTH` deep, JSON in variables at most :data:`MAX_JSON_DEPTH` deep; the zip
archive is checked by :mod:`hsqual.zipsafe` (entry names, count, total uncompressed size,
compression ratio per entry and for the whole archive). Sources are read from inside the
archive only, from ``sources/`` however the tool cased it (NVivo for Windows writes
``Sources/``). Selection positions must be whole numbers in ASCII digits within the text;
GUIDs used twice (codes: refused; sources, selections, users: reported) are named. Vendors'
namespace variants (``urn:QDA-XML:codebook:1:0`` from NVivo for Mac, draft ``0:4``) are read
as the standard's. Code groups (``Set`` elements that are not hsqual codebooks, as ATLAS.ti
and MAXQDA write them) become the codes' ``groups`` and are written back as sets.

Other tools count selection offsets differently (UTF-8 bytes, UTF-16 code units, or with
CRLF counted as one character; NVivo counts UTF-16 units and writes no quotes).
:func:`import_qdpx` converts explicitly (``offsets=``) or works out which convention the file
used, on the file's quotes, selections on word and line boundaries and the exporting tool,
and says which and why in ``codings.attrs["refiqda"]``; when nothing tells two readings
apart it lists them there and as a problem, never choosing silently.

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook, Example
>>> cb = Codebook("demo", [Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
...                             definition={"en": "Violent threats to people."},
...                             examples=(Example("fear of violence", "Kurusu 2015, §7"),))],
...               version="1", title={"en": "Demo"}, source="Kurusu 2015")
>>> path = export_qdc(cb, pathlib.Path(tempfile.mkdtemp()) / "demo.qdc")
>>> back = import_qdc(path)
>>> back["fear"].label["ja"], back["fear"].examples[0].source
('恐怖からの自由', 'Kurusu 2015, §7')
"""

from __future__ import annotations

import datetime as _dt
import json
import numbers
import os
import posixpath
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from .codebook import Code, Codebook, Example
from .codings import CODINGS_COLUMNS, codings_frame
from .corpus import SEGMENT_KINDS, Corpus, Document, Segment
from .errors import ExchangeError, TranscriptError
from .writers import atomic_write
from .zipsafe import ZipLimits, open_zip_safely, read_zip_member

__all__ = [
    "NS_CODEBOOK",
    "MAX_JSON_DEPTH",
    "MAX_XML_DEPTH",
    "NS_PROJECT",
    "OFFSET_CONVENTIONS",
    "ZipLimits",
    "code_guid",
    "export_qdc",
    "import_qdc",
    "export_qdpx",
    "import_qdpx",
    "open_zip_safely",
    "read_zip_member",
    "schema_errors",
    "schema_path",
    "SCHEMA_DIR_VARIABLE",
]

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
NS_PROJECT = "urn:QDA-XML:project:1.0"
OFFSET_CONVENTIONS = ("codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf")
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:hsqual:refi-qda")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_HEADING = re.compile(r"## ([^\n]{1,80})")
_LANG_HEADING = re.compile(r"(Label|Definition|When to use|When not to use|Title|Description) \(([a-z]{2,3})\)")
_RULE_HEADING = re.compile(r"Rule (\d{1,6}) \(([a-z]{2,3})\)")
_EXAMPLE_HEADING = re.compile(r"Example (\d{1,6})( source)?")
_FIELD_OF = {"Definition": "definition", "When to use": "when_to_use", "When not to use": "when_not_to_use"}
_CODINGS_META = ("segment_id", "rule", "memo")
_SEGMENTS_HEADING = "Segments"
MAX_XML_DEPTH = 256
"""Deepest element nesting read from a REFI-QDA file (a code tree is about as deep as its XML)."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of JSON read from a file's variables and descriptions."""
_MAX_ID_LENGTH = 120
# the namespaces vendors write: the standard's 1.0, a colon for the dot (NVivo for Mac), draft 0.4
_NS_VARIANT = re.compile(r"urn:QDA-XML:(codebook|project):(?:1[.:]0|0[.:]4)")
_POSITION = re.compile(r"\s*\+?([0-9]+)\s*")


# ---------------------------------------------------------------------------------------
# Safe reading: zip archives and XML
# ---------------------------------------------------------------------------------------


def _parse_xml(data: bytes, *, path, what: str) -> ET.Element:
    import defusedxml
    import defusedxml.ElementTree as DET

    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        _check_depth(root, path=path, what=what)
        return root
    except defusedxml.DTDForbidden:
        raise ExchangeError(f"{what}: refusing XML with a DTD (<!DOCTYPE ...>): REFI-QDA files have none, "
                            "and a DTD can expand entities or read local files", path=path) from None
    except defusedxml.EntitiesForbidden as exc:
        raise ExchangeError(f"{what}: refusing XML that declares entities ({exc.name!r})", path=path) from None
    except defusedxml.ExternalReferenceForbidden as exc:
        raise ExchangeError(f"{what}: refusing XML with an external reference ({exc.sysid!r})", path=path) from None
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        msg = str(exc).split(":")[0]
        raise ExchangeError(f"{what}: not well-formed XML ({msg})", path=path, line=line,
                            column=None if col is None else col + 1) from None


def _check_depth(root: ET.Element, *, path, what: str) -> None:
    """Refuse elements nested deeper than :data:`MAX_XML_DEPTH` (checked without recursion)."""
    level, depth = [root], 1
    while level:  # one level of the tree at a time
        if depth > MAX_XML_DEPTH:
            raise ExchangeError(f"{what}: elements are nested more than {MAX_XML_DEPTH} levels deep (a "
                                f"<{_local(level[0].tag)[1]}> at depth {depth}); refusing a file no QDA tool writes",
                                path=path)
        level = [child for el in level for child in el]
        depth += 1


def _json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _loads_json(text: str, *, what: str, path) -> Any:
    """``json.loads`` after refusing nesting deeper than :data:`MAX_JSON_DEPTH`."""
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ExchangeError(f"{what}: its JSON nests {depth} levels deep, more than the limit of {MAX_JSON_DEPTH}",
                            path=path)
    return json.loads(text)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _check_root(root: ET.Element, names: Sequence[tuple[str, str]], *, path, what: str) -> str:
    ns, name = _local(root.tag)
    for want_ns, want_name in names:
        if name == want_name and (ns == want_ns or _canonical_ns(ns) == want_ns):
            return ns
    expected = " or ".join(f"<{n}> in namespace {s!r}" for s, n in names)
    found = f"<{name}>" + (f" in namespace {ns!r}" if ns else " without a namespace")
    raise ExchangeError(f"{what}: expected a root element {expected}, found {found}", path=path)


def _canonical_ns(ns: str) -> str | None:
    """The standard namespace a vendor's variant stands for (``urn:QDA-XML:codebook:1:0`` ->
    ``urn:QDA-XML:codebook:1.0``), or None."""
    m = _NS_VARIANT.fullmatch(ns)
    if not m:
        return None
    return NS_CODEBOOK if m.group(1) == "codebook" else NS_PROJECT


def _position(sel: ET.Element, name: str, text_len: int, limit: int, doc_id: str, path) -> int:
    """A selection's position: ASCII digits (an optional ``+``), at most ``limit`` (the text's
    length in UTF-8 bytes, the largest unit any tool counts in)."""
    value = sel.get(name)
    m = _POSITION.fullmatch(value or "")
    guid = sel.get("guid") or "without a guid"
    if not m or not m.group(1).isascii():
        raise ExchangeError(f"source {doc_id!r}: selection {guid} has {name}={value!r}; expected a whole number "
                            "written in ASCII digits", path=path)
    digits = m.group(1).lstrip("0") or "0"
    n = int(digits) if len(digits) <= 20 else limit + 1
    if n > limit:
        raise ExchangeError(f"source {doc_id!r}: selection {guid} has {name}={m.group(1)[:40]}, beyond the end of "
                            f"its text ({text_len} characters, {limit} UTF-8 bytes)", path=path)
    return n


# ---------------------------------------------------------------------------------------
# GUIDs and descriptions
# ---------------------------------------------------------------------------------------


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def code_guid(code_id: str) -> str:
    """The GUID hsqual gives a code in REFI-QDA files: a UUID 5 of its id (stable across exports).

    Example
    -------
    >>> code_guid("freedoms.fear") == code_guid("freedoms.fear") != code_guid("freedoms.want")
    True
    """
    return _guid("code", code_id)


def _escape_block(text: str) -> str:
    return "\n".join("\\" + ln if ln.startswith(("## ", "\\")) else ln for ln in text.split("\n"))


def _unescape_block(text: str) -> str:
    return "\n".join(ln[1:] if ln.startswith("\\") else ln for ln in text.split("\n"))


def _sections_text(sections: Iterable[tuple[str, str]]) -> str:
    parts = []
    for heading, body in sections:
        parts.append(f"## {heading}\n{_escape_block(str(body))}")
    return "\n".join(parts)


def _parse_sections(text: str | None) -> tuple[str, list[tuple[str, str]]]:
    """Split a description into the text before any heading and ``(heading, body)`` pairs."""
    if not text:
        return "", []
    lines = text.split("\n")
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for ln in lines:
        m = _HEADING.fullmatch(ln)
        if m:
            sections.append((m.group(1).strip(), []))
        elif sections:
            sections[-1][1].append(ln)
        else:
            preamble.append(ln)
    return (_unescape_block("\n".join(preamble)).strip(),
            [(h, _unescape_block("\n".join(b))) for h, b in sections])


def _check_xml_text(value: str, what: str) -> str:
    m = _XML_BAD.search(value)
    if m:
        raise ExchangeError(f"{what} holds the character U+{ord(m.group()):04X} at position {m.start()}, "
                            "which XML cannot carry; remove it before exporting")
    return value


def _xml_safe_quote(value: str) -> str:
    """A quote for a selection's name attribute (informative only): characters XML cannot carry
    become U+FFFD."""
    return _XML_BAD.sub("\ufffd", value)


# ---------------------------------------------------------------------------------------
# Codebook <-> XML
# ---------------------------------------------------------------------------------------


def _name_language(code: Code, languages: Sequence[str]) -> str | None:
    if "en" in code.label:
        return "en"
    for lang in languages:
        if lang in code.label:
            return lang
    return next(iter(code.label), None)


def _code_description(code: Code, languages: Sequence[str]) -> str:
    sections: list[tuple[str, str]] = [("Code id", code.id)]
    langs = list(languages) + [x for x in _all_langs(code) if x not in languages]
    for lang in langs:
        if lang in code.label:
            sections.append((f"Label ({lang})", code.label[lang]))
    for heading, fld in _FIELD_OF.items():
        values = getattr(code, fld)
        for lang in langs:
            if lang in values:
                sections.append((f"{heading} ({lang})", values[lang]))
    for i, ex in enumerate(code.examples, 1):
        sections.append((f"Example {i}", ex.quote))
        sections.append((f"Example {i} source", ex.source))
    for lang in langs:
        for i, rule in enumerate(code.rules.get(lang, ()), 1):
            sections.append((f"Rule {i} ({lang})", rule))
    text = _sections_text(sections)
    return _check_xml_text(text, f"code {code.id!r}")


def _all_langs(code: Code) -> list[str]:
    out: list[str] = []
    for m in (code.label, code.definition, code.when_to_use, code.when_not_to_use, code.rules):
        out.extend(k for k in m if k not in out)
    return out


def _codebook_parts(codebook: Codebook) -> list[tuple[str, Codebook, list[Code]]]:
    """(id, codebook, its codes in order) for each codebook a (possibly merged) codebook holds."""
    parts = {p.id: p for p in codebook.parts}
    groups: dict[str, list[Code]] = {}
    for code in codebook.codes:
        groups.setdefault(code.codebook or codebook.id, []).append(code)
    return [(cb_id, parts.get(cb_id, codebook), codes) for cb_id, codes in groups.items()]


def _set_description(part: Codebook, cb_id: str) -> str:
    sections: list[tuple[str, str]] = [("Codebook id", cb_id)]
    if part.version:
        sections.append(("Version", part.version))
    for lang, text in part.title.items():
        sections.append((f"Title ({lang})", text))
    if part.source:
        sections.append(("Source", part.source))
    for lang, text in part.description.items():
        sections.append((f"Description ({lang})", text))
    sections.append(("Languages", " ".join(part.languages)))
    return _check_xml_text(_sections_text(sections), f"codebook {cb_id!r}")


def _codes_element(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    codes_el = _sub(parent, f"{{{ns}}}Codes")
    elements: dict[str, ET.Element] = {}
    langs = codebook.languages
    for code in codebook.codes:
        container = codes_el if code.parent is None else elements[code.parent]
        lang = _name_language(code, langs)
        name = code.label[lang] if lang else code.id
        attrs = {"guid": code_guid(code.id), "name": _check_xml_text(name, f"label of code {code.id!r}"),
                 "isCodable": "true"}
        if code.color:
            attrs["color"] = code.color
        el = _sub(container, f"{{{ns}}}Code", attrs)
        _sub(el, f"{{{ns}}}Description").text = _code_description(code, langs)
        elements[code.id] = el
    # the standard orders a Code's children after its Description: already so


def _sets_element(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    sets_el = _sub(parent, f"{{{ns}}}Sets")
    for cb_id, part, codes in _codebook_parts(codebook):
        title = part.title.get("en") or next(iter(part.title.values()), None) or cb_id
        s = _sub(sets_el, f"{{{ns}}}Set", {"guid": _guid("codebook", cb_id), "name": title})
        _sub(s, f"{{{ns}}}Description").text = _set_description(part, cb_id)
        for code in codes:
            _sub(s, f"{{{ns}}}MemberCode", {"guid" if ns == NS_CODEBOOK else "targetGUID": code_guid(code.id)})
    members: dict[str, list[Code]] = {}
    for code in codebook.codes:
        for group in code.groups:
            members.setdefault(group, []).append(code)
    for group, codes in members.items():  # code groups: one set each, as ATLAS.ti and MAXQDA write them
        s = _sub(sets_el, f"{{{ns}}}Set", {"guid": _guid("group", group),
                                            "name": _check_xml_text(group, f"code group {group!r}")})
        for code in codes:
            _sub(s, f"{{{ns}}}MemberCode", {"guid" if ns == NS_CODEBOOK else "targetGUID": code_guid(code.id)})


def _sub(parent, tag: str, attrs: Mapping[str, str] | None = None):
    from lxml import etree

    return etree.SubElement(parent, tag, dict(attrs or {}))


def _new_root(tag: str, ns: str, attrs: Mapping[str, str]):
    from lxml import etree

    return etree.Element(f"{{{ns}}}{tag}", dict(attrs), nsmap={None: ns})


def _xml_bytes(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _check_codebook(codebook) -> None:
    if not isinstance(codebook, Codebook):
        raise TypeError(f"expected a Codebook, not {type(codebook).__name__}")
    if len(codebook) == 0:
        raise ExchangeError(f"codebook {codebook.id!r} has no codes; REFI-QDA needs at least one")
    position = {cid: i for i, cid in enumerate(codebook.ids)}
    depth: dict[str, int] = {}
    for code in codebook.codes:
        if code.parent is not None and position[code.parent] > position[code.id]:
            raise ExchangeError(f"code {code.id!r} comes before its parent {code.parent!r}")
        depth[code.id] = 1 if code.parent is None else depth[code.parent] + 1
        if depth[code.id] > MAX_XML_DEPTH - 4:  # Project > CodeBook > Codes > Code ... > Description
            raise ExchangeError(f"code {code.id!r} is nested {depth[code.id]} levels deep; REFI-QDA files read by "
                                f"hsqual hold code trees at most {MAX_XML_DEPTH - 4} levels deep")


def export_qdc(codebook: Codebook, path: str | os.PathLike) -> Path:
    """Write a codebook as a REFI-QDA Codebook Exchange file (``.qdc``).

    Parameters
    ----------
    codebook : Codebook
        One codebook, or several loaded together (each becomes a ``Set``).
    path : str or PathLike
        The ``.qdc`` file to write. It is written atomically (a temporary file renamed into
        place) and an existing file at ``path`` is replaced without asking: a script decides.
        The ``hsqual export`` command refuses to replace a file unless given ``--force``.

    Returns
    -------
    Path

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="want", label={"en": "Freedom from want"}, color="#ff7f0e"),
    ...                        Code(id="want.food", label={"en": "Food"}, parent="want")],
    ...               version="1", title={"en": "Demo"}, source="Kurusu 2015")
    >>> p = export_qdc(cb, pathlib.Path(tempfile.mkdtemp()) / "demo.qdc")
    >>> print(p.read_text(encoding="utf-8").splitlines()[1])
    <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="hsqual ...">
    """
    _check_codebook(codebook)
    from . import __version__

    root = _new_root("CodeBook", NS_CODEBOOK, {"origin": f"hsqual {__version__}"})
    _codes_element(root, NS_CODEBOOK, codebook)
    _sets_element(root, NS_CODEBOOK, codebook)
    data = _xml_bytes(root)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def _slug(name: str) -> str:
    s = unicodedata.normalize("NFKC", name).lower()
    s = re.sub(r"[^a-z0-9_]+", "_", s).strip("_")
    return s[:60] or "code"


@dataclass
class _RawCode:
    guid: str
    name: str
    color: str | None
    description: str
    parent_guid: str | None


def _read_codes(codes_el: ET.Element | None, ns: str, *, path) -> list[_RawCode]:
    out: list[_RawCode] = []
    if codes_el is None:
        return out
    stack = [(child, None) for child in reversed(list(codes_el)) if child.tag == f"{{{ns}}}Code"]
    seen: set[str] = set()
    while stack:
        el, parent = stack.pop()
        guid = (el.get("guid") or "").strip("{}").lower()
        if not guid:
            raise ExchangeError("a <Code> has no guid attribute", path=path)
        if guid in seen:
            raise ExchangeError(f"two codes have the guid {guid}", path=path)
        seen.add(guid)
        color = el.get("color")
        if color and re.fullmatch(r"#[0-9A-Fa-f]{3}", color):
            color = "#" + "".join(ch * 2 for ch in color[1:])
        if color and not re.fullmatch(r"#[0-9A-Fa-f]{6}", color):
            color = None
        desc_el = el.find(f"{{{ns}}}Description")
        out.append(_RawCode(guid, el.get("name") or "", color, desc_el.text or "" if desc_el is not None else "",
                            parent))
        children = [c for c in el if c.tag == f"{{{ns}}}Code"]
        stack.extend((c, guid) for c in reversed(children))
    return out


@dataclass
class _RawSet:
    guid: str
    name: str
    description: str
    members: list[str]


def _read_sets(sets_el: ET.Element | None, ns: str) -> list[_RawSet]:
    out = []
    if sets_el is None:
        return out
    for s in sets_el.findall(f"{{{ns}}}Set"):
        d = s.find(f"{{{ns}}}Description")
        members = [(m.get("guid") or m.get("targetGUID") or "").strip("{}").lower()
                   for m in s.findall(f"{{{ns}}}MemberCode")]
        out.append(_RawSet((s.get("guid") or "").lower(), s.get("name") or "",
                           d.text or "" if d is not None else "", members))
    return out


def _build_codebook(raw_codes: list[_RawCode], raw_sets: list[_RawSet], *, fallback_id: str,
                    fallback_title: str, path) -> tuple[Codebook, dict[str, str]]:
    """Codes and sets read from XML -> a Codebook (merged when several) and guid -> code id."""
    by_guid = {c.guid: c for c in raw_codes}
    # hsqual sections
    parsed = {c.guid: _parse_sections(c.description) for c in raw_codes}
    ids: dict[str, str] = {}
    used: set[str] = set()
    for c in raw_codes:  # parents come before children here
        _, sections = parsed[c.guid]
        given = next((b.strip() for h, b in sections if h == "Code id"), None)
        if given and re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*", given) and given not in used:
            code_id = given
        else:
            base = _slug(c.name)
            if c.parent_guid is not None:
                parent_id = ids[c.parent_guid]
                # a deep tree would make ids as long as the tree is deep: past a length, the id
                # starts afresh (the hierarchy stays in ``parent``)
                base = f"{parent_id}.{base}" if len(parent_id) < _MAX_ID_LENGTH else f"{base}_{c.guid[:8]}"
            code_id, n = base, 2
            while code_id in used:
                code_id, n = f"{base}_{n}", n + 1
        ids[c.guid] = code_id
        used.add(code_id)
    # sets that are hsqual codebooks
    membership: dict[str, str] = {}
    books: list[tuple[str, dict[str, Any], list[str]]] = []
    groups: dict[str, list[str]] = {}
    for s in raw_sets:
        _, sections = _parse_sections(s.description)
        d = dict(sections)
        cb_id = (d.get("Codebook id") or "").strip()
        if not cb_id or not re.fullmatch(r"[a-z0-9_]+", cb_id):
            # another tool's set (an ATLAS.ti code group, a MAXQDA set): a group its codes belong to
            name = s.name.strip() or s.guid
            for g in s.members:
                if g in by_guid and name not in groups.setdefault(g, []):
                    groups[g].append(name)
            continue
        meta: dict[str, Any] = {"version": (d.get("Version") or "").strip(), "source": (d.get("Source") or "").strip(),
                                "title": {}, "description": {}}
        for h, b in sections:
            m = _LANG_HEADING.fullmatch(h)
            if m and m.group(1) in ("Title", "Description"):
                meta[m.group(1).lower()][m.group(2)] = b.strip()
        if d.get("Languages", "").split():
            meta["languages"] = tuple(d["Languages"].split())
        members = [g for g in s.members if g in by_guid and g not in membership]
        for g in members:
            membership[g] = cb_id
        books.append((cb_id, meta, members))
    fid = fallback_id
    taken = {b[0] for b in books}
    n = 2
    while fid in taken:
        fid, n = f"{fallback_id}_{n}", n + 1
    book_of = {b[0]: b for b in books}
    orphans = []
    for c in raw_codes:  # pre-order: a parent is placed before its children
        if c.guid in membership:
            continue
        if c.parent_guid is not None and membership.get(c.parent_guid) in book_of:
            membership[c.guid] = membership[c.parent_guid]
            book_of[membership[c.guid]][2].append(c.guid)
        else:
            membership[c.guid] = fid
            orphans.append(c.guid)
    if orphans:
        books.append((fid, {"version": "", "source": "", "title": {"en": fallback_title}, "description": {},
                            "languages": ("en",)}, orphans))
    parts = []
    for cb_id, meta, members in books:
        if not members:
            continue
        languages = meta.get("languages") or ("en", "ja")
        codes = []
        # order: members as listed, but a parent always before its children (one pass: a code
        # whose parent is not placed yet waits for it)
        placed: set[str] = set()
        waiting: dict[str, list[str]] = {}
        for first in members:
            parent = by_guid[first].parent_guid
            if parent is not None and parent not in placed and membership.get(parent) == cb_id:
                waiting.setdefault(parent, []).append(first)
                continue
            todo = [first]
            while todo:
                g = todo.pop()
                codes.append(_code_from_raw(by_guid[g], parsed[g], ids, cb_id, languages, groups.get(g, ())))
                placed.add(g)
                todo.extend(reversed(waiting.pop(g, [])))
        if waiting:  # a parent in this set never placed: cannot happen for a tree
            raise ExchangeError("the code hierarchy has a cycle", path=path)
        parts.append(Codebook(cb_id, codes, version=meta["version"], title=meta["title"], source=meta["source"],
                              description=meta["description"], languages=languages))
    # a code whose parent lives in another set: the parent must exist in the merged codebook
    book = parts[0] if len(parts) == 1 else parts[0].merged_with(*parts[1:])
    return book, ids


def _code_from_raw(raw: _RawCode, parsed, ids: dict[str, str], cb_id: str, languages, groups=()) -> Code:
    preamble, sections = parsed
    label: dict[str, str] = {}
    fields: dict[str, dict[str, str]] = {f: {} for f in _FIELD_OF.values()}
    examples: dict[int, list[str]] = {}
    rules: dict[str, dict[int, str]] = {}
    for h, body in sections:
        m = _LANG_HEADING.fullmatch(h)
        if m and m.group(1) == "Label":
            label[m.group(2)] = body.strip()
        elif m and m.group(1) in _FIELD_OF:
            fields[_FIELD_OF[m.group(1)]][m.group(2)] = body.strip()
        elif (m := _EXAMPLE_HEADING.fullmatch(h)):
            slot = examples.setdefault(int(m.group(1)), ["", ""])
            slot[1 if m.group(2) else 0] = body.strip()
        elif (m := _RULE_HEADING.fullmatch(h)):
            rules.setdefault(m.group(2), {})[int(m.group(1))] = body.strip()
    name = raw.name.strip()
    if label:
        lang = "en" if "en" in label else next(iter(label))
        if name and label.get(lang) != name:  # renamed in another tool: the name wins
            label[lang] = name
    elif name:
        label = {"en": name}
    if preamble and "en" not in fields["definition"]:
        fields["definition"]["en"] = preamble
    return Code(
        id=ids[raw.guid],
        label=MappingProxyType({k: v for k, v in label.items() if v}),
        examples=tuple(Example(q, s) for _, (q, s) in sorted(examples.items())),
        rules=MappingProxyType({lang: tuple(r for _, r in sorted(rs.items())) for lang, rs in rules.items()}),
        parent=None if raw.parent_guid is None else ids[raw.parent_guid],
        color=raw.color,
        codebook=cb_id,
        groups=tuple(groups),
        **{f: MappingProxyType({k: v for k, v in vals.items() if v}) for f, vals in fields.items()},
    )


def _read_limited(path: Path, limit: int) -> bytes:
    from .textio import read_bytes

    return read_bytes(path, limit=limit, error=ExchangeError)


def import_qdc(path: str | os.PathLike, *, max_bytes: int = 256 << 20) -> Codebook:
    """Read a REFI-QDA Codebook Exchange file (``.qdc``) into a :class:`Codebook`.

    Codes written by hsqual come back whole (id, labels, definitions, examples, rules,
    colour, hierarchy, codebook). Codes from another tool get an id made from their name
    (``Food security`` under ``want`` becomes ``want.food_security``), their name as English
    label and their description as English definition; the rest is left empty for the team
    to fill in (see :func:`hsqual.export.write_codebook_yaml`).

    Parameters
    ----------
    path : str or PathLike
    max_bytes : int, keyword-only
        Refuse larger files.

    Raises
    ------
    ExchangeError
        Malformed or unsafe XML, wrong root element or namespace.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "nvivo.qdc"
    >>> _ = p.write_text('<?xml version="1.0" encoding="utf-8"?>'
    ...     '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    ...     '<Code guid="d1b3c7a4-0c1e-4c52-9a57-7a1f7f3d6e01" name="Want" isCodable="true">'
    ...     '<Code guid="d1b3c7a4-0c1e-4c52-9a57-7a1f7f3d6e02" name="Food security" isCodable="true">'
    ...     '<Description>Access to enough food.</Description></Code></Code></Codes></CodeBook>',
    ...     encoding="utf-8")
    >>> cb = import_qdc(p)
    >>> cb.ids, cb["want.food_security"].definition["en"]
    (['want', 'want.food_security'], 'Access to enough food.')
    """
    p = Path(path)
    data = _read_limited(p, max_bytes)
    root = _parse_xml(data, path=p, what="codebook")
    ns = _check_root(root, [(NS_CODEBOOK, "CodeBook"), (NS_PROJECT, "CodeBook")], path=p, what="codebook")
    raw_codes = _read_codes(root.find(f"{{{ns}}}Codes"), ns, path=p)
    if not raw_codes:
        raise ExchangeError("the codebook holds no <Code> elements", path=p)
    raw_sets = _read_sets(root.find(f"{{{ns}}}Sets"), ns)
    book, _ = _build_codebook(raw_codes, raw_sets, fallback_id=_slug(p.stem) or "imported",
                              fallback_title=p.stem, path=p)
    return book


# ---------------------------------------------------------------------------------------
# Offsets
# ---------------------------------------------------------------------------------------


class _OffsetMap:
    """Convert offsets counted in some unit (UTF-8 bytes, UTF-16 units, ...) to code points."""

    def __init__(self, text: str, convention: str) -> None:
        import numpy as np

        self.n = len(text)
        base, _, lf = convention.partition("-")
        if base == "codepoints" and not lf:
            self.units = None
            return
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        if base == "codepoints":
            widths = np.ones(len(cps), dtype=np.int64)
        elif base == "utf16":
            widths = 1 + (cps > 0xFFFF).astype(np.int64)
        else:
            widths = 1 + (cps >= 0x80).astype(np.int64) + (cps >= 0x800) + (cps >= 0x10000)
        if lf and len(cps) > 1:
            crlf = (cps[:-1] == 13) & (cps[1:] == 10)
            widths[:-1][crlf] = 0
        self.units = np.concatenate([[0], np.cumsum(widths)])
        self._np = np

    def to_codepoint(self, unit: int) -> int | None:
        if self.units is None:
            return unit if 0 <= unit <= self.n else None
        if unit < 0 or unit > int(self.units[-1]):
            return None
        k = int(self._np.searchsorted(self.units, unit, side="left"))
        return k if k <= self.n and int(self.units[k]) == unit else None

    def to_codepoints(self, units):
        """Many offsets at once: an int64 array of code points, -1 where an offset fits none."""
        import numpy as np

        v = np.asarray(units, dtype=np.int64)
        if self.units is None:
            return np.where((v >= 0) & (v <= self.n), v, -1)
        top = int(self.units[-1])
        k = np.searchsorted(self.units, np.clip(v, 0, top), side="left")
        ok = (v >= 0) & (v <= top) & (k <= self.n) & (self.units[np.minimum(k, self.n)] == v)
        return np.where(ok, k, -1)


def _same_text(a: str, b: str) -> bool:
    return a == b or a.replace("\r\n", "\n") == b.replace("\r\n", "\n") or " ".join(a.split()) == " ".join(b.split())


# ---------------------------------------------------------------------------------------
# Variables
# ---------------------------------------------------------------------------------------


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(isinstance(v, float) and v != v) or (not isinstance(v, (list, tuple, str)) and pd.isna(v) is True)
    except (TypeError, ValueError):
        return False


def _variable_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "Boolean"
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        return "Integer"
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        return "Float"
    if all(isinstance(v, _dt.datetime) for v in values):
        return "DateTime"
    if all(isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) for v in values):
        return "Date"
    if all(isinstance(v, (list, tuple)) for v in values):
        return "List"
    return "Text"


def _variable_value(kind: str, v: Any) -> tuple[str, str]:
    if kind == "Boolean":
        return "BooleanValue", "true" if v else "false"
    if kind == "Integer":
        return "IntegerValue", str(int(v))
    if kind == "Float":
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            return "TextValue", str(f)
        return "FloatValue", format(Decimal(repr(f)), "f")
    if kind == "DateTime":
        return "DateTimeValue", v.isoformat()
    if kind == "Date":
        return "DateValue", v.isoformat()
    if kind == "List":
        return "TextValue", json.dumps([x if isinstance(x, (str, int, float, bool)) or x is None else str(x)
                                        for x in v], ensure_ascii=False)
    return "TextValue", str(v)


def _parse_variable_value(el: ET.Element, ns: str, kind: str, *, path=None, what: str = "a variable value") -> Any:
    for tag in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
        v = el.find(f"{{{ns}}}{tag}")
        if v is None:
            continue
        text = v.text or ""
        try:
            if tag == "BooleanValue":
                return text.strip() in ("true", "1")
            if tag == "IntegerValue":
                return int(text.strip())
            if tag == "FloatValue":
                return float(text.strip())
            if tag == "DateValue":
                return _dt.date.fromisoformat(text.strip()[:10])
            if tag == "DateTimeValue":
                return _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return text
        if kind == "List":
            try:
                value = _loads_json(text, what=what, path=path)
                if isinstance(value, list):
                    return value
            except json.JSONDecodeError:
                pass
        return text
    return None


# ---------------------------------------------------------------------------------------
# Project export
# ---------------------------------------------------------------------------------------


def export_qdpx(
    corpus: Corpus,
    codings: pd.DataFrame,
    codebook: Codebook,
    path: str | os.PathLike,
    *,
    users: Mapping[str, str] | None = None,
    cases: str | None = "interviewee",
    name: str | None = None,
) -> Path:
    """Write a REFI-QDA Project Exchange file (``.qdpx``): documents, codebook, codings, coders.

    Parameters
    ----------
    corpus : Corpus
        The documents; each becomes a text source in ``sources/`` (UTF-8, text as it is).
        Their metadata becomes typed variables (Text, Integer, Float, Boolean, Date, DateTime),
        their segments a list in the source's description (see the module documentation).
    codings : DataFrame
        A codings table (see :mod:`hsqual.codings`). Every row's document must be in the
        corpus, its code in the codebook and its offsets inside the text.
    codebook : Codebook
    path : str or PathLike
        The ``.qdpx`` file to write. It is written atomically (a temporary file renamed into
        place) and an existing file at ``path`` is replaced without asking: a script decides.
        The ``hsqual export`` command refuses to replace a file unless given ``--force``.
    users : mapping, optional, keyword-only
        Display name per coder (``{"kurusu2015": "Kaoru Kurusu"}``); every coder becomes a
        ``User`` and each coding names its ``creatingUser``.
    cases : str or None, keyword-only
        The metadata column whose values are the cases (default ``"interviewee"``; a list value
        puts a document in several cases). ``None``: no cases.
    name : str, optional, keyword-only
        The project's name (default: the codebook's English title).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"})], title={"en": "Demo"})
    >>> corpus = Corpus([Document("int04", "A: 尊厳 matters 🙂.", {"interviewee": 4, "sector": "NGO"})])
    >>> codings = codings_frame([{"doc_id": "int04", "segment_id": 1, "code": "dignity",
    ...                           "start": 3, "end": 5, "quote": "尊厳", "coder": "kurusu2015"}])
    >>> p = export_qdpx(corpus, codings, cb, pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx")
    >>> corpus2, codings2, cb2 = import_qdpx(p)
    >>> codings2[["doc_id", "code", "start", "end", "quote", "coder"]].values.tolist()
    [['int04', 'dignity', 3, 5, '尊厳', 'kurusu2015']]
    >>> corpus2.doc("int04").meta["interviewee"], codings2.attrs["refiqda"]["offsets"]
    (4, 'codepoints')
    """
    if not isinstance(corpus, Corpus):
        raise TypeError(f"export_qdpx: corpus must be a Corpus, not {type(corpus).__name__}")
    _check_codebook(codebook)
    if users is not None and not isinstance(users, Mapping):
        raise TypeError("export_qdpx: users must be a mapping of coder to display name")
    df = codings_frame(codings)
    problems = []
    for i, row in df.iterrows():
        if row["doc_id"] not in corpus:
            problems.append(f"row {i}: document {row['doc_id']!r} is not in the corpus")
        elif not (0 <= row["start"] <= row["end"] <= len(corpus.doc(row["doc_id"]).text)):
            problems.append(f"row {i}: offsets {row['start']}-{row['end']} lie outside document {row['doc_id']!r}")
        if row["code"] not in codebook:
            problems.append(f"row {i}: code {row['code']!r} is not in the codebook")
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ExchangeError("cannot export codings that do not fit the corpus and codebook: "
                            + "; ".join(problems[:10]) + more + " (run hsqual validate)", path=path)
    from . import __version__

    ns = NS_PROJECT
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    title = name or codebook.title.get("en") or next(iter(codebook.title.values()), None) or codebook.id
    root = _new_root("Project", ns, {"name": _check_xml_text(title, "the project name"), "origin": f"hsqual {__version__}"})
    # users
    coders = list(dict.fromkeys(df["coder"].tolist()))
    for extra in (users or {}):
        if extra not in coders:
            coders.append(extra)
    if coders:
        users_el = _sub(root, q("Users"))
        for c in coders:
            _sub(users_el, q("User"), {"guid": _guid("user", c), "name": str((users or {}).get(c, c)), "id": c})
    cb_el = _sub(root, q("CodeBook"))
    _codes_element(cb_el, ns, codebook)
    # variables
    docs = corpus.documents
    keys: list[str] = []
    for d in docs:
        keys.extend(k for k in d.meta if k not in keys)
    kinds: dict[str, str] = {}
    for k in keys:
        values = [d.meta[k] for d in docs if k in d.meta and not _is_missing(d.meta[k])]
        if values:
            kinds[k] = _variable_type(values)
    if kinds:
        vars_el = _sub(root, q("Variables"))
        for k, kind in kinds.items():
            v = _sub(vars_el, q("Variable"), {"guid": _guid("variable", k), "name": k,
                                                       "typeOfVariable": "Text" if kind == "List" else kind})
            if kind == "List":
                _sub(v, q("Description")).text = "## Kind\nlist (JSON)"
    # cases
    if cases is not None:
        members: dict[str, list[Document]] = {}
        for d in docs:
            value = d.meta.get(cases)
            if not isinstance(value, (list, tuple)) and _is_missing(value):
                continue
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                if not _is_missing(v):
                    members.setdefault(str(v), []).append(d)
        if members:
            cases_el = _sub(root, q("Cases"))
            for case_name, case_docs in members.items():
                c = _sub(cases_el, q("Case"), {"guid": _guid("case", f"{cases}={case_name}"),
                                                        "name": _xml_safe_quote(case_name)})
                _sub(c, q("Description")).text = _check_xml_text(
                    _sections_text([("Metadata key", cases)]), "the cases column")
                for k, kind in kinds.items():
                    if k == cases or kind == "List":
                        continue
                    vals = [d.meta.get(k) for d in case_docs]
                    if any(_is_missing(v) for v in vals) or len({repr(v) for v in vals}) != 1:
                        continue
                    _variable_value_el(c, q, k, kind, vals[0])
                for d in case_docs:
                    _sub(c, q("SourceRef"), {"targetGUID": _guid("source", d.doc_id)})
    # sources and codings
    sources_el = _sub(root, q("Sources"))
    notes: list[tuple[str, str]] = []
    files: list[tuple[str, bytes]] = []
    extras = [c for c in df.columns if c not in CODINGS_COLUMNS]
    if (df["speaker"] != "").any():
        extras.append("speaker")  # no REFI-QDA field for it: a column section, read back on import
    by_doc = {doc_id: g for doc_id, g in df.groupby("doc_id", sort=False)}
    segments_of: dict[str, list[Segment]] = {d.doc_id: [] for d in docs}
    for s in corpus.segments:
        segments_of[s.doc_id].append(s)
    for d in docs:
        sguid = _guid("source", d.doc_id)
        fname = f"{sguid}.txt"
        src = _sub(sources_el, q("TextSource"), {"guid": sguid, "name": _check_xml_text(d.doc_id, "a document id"),
                                                         "plainTextPath": f"internal://{fname}"})
        _sub(src, q("Description")).text = _segments_description(segments_of[d.doc_id])
        files.append((f"sources/{fname}", d.text.encode("utf-8", "surrogatepass")))
        seen: dict[str, int] = {}
        for _, row in (by_doc[d.doc_id].iterrows() if d.doc_id in by_doc else ()):
            key = f"{d.doc_id}:{row['start']}:{row['end']}:{row['code']}:{row['coder']}"
            seen[key] = seen.get(key, 0) + 1
            selguid = _guid("selection", f"{key}:{seen[key]}")
            uguid = _guid("user", row["coder"])
            sel = _sub(src, q("PlainTextSelection"), {
                "guid": selguid, "name": _xml_safe_quote(row["quote"]),
                "startPosition": str(int(row["start"])), "endPosition": str(int(row["end"])),
                "creatingUser": uguid})
            sections = [("Segment", str(int(row["segment_id"])))]
            if row["rule"]:
                sections.append(("Rule", row["rule"]))
            for c in extras:
                v = row[c]
                if not _is_missing(v):
                    sections.append((f"Column {c}", json.dumps(v.item() if hasattr(v, "item") else v,
                                                               ensure_ascii=False, default=str)))
            _sub(sel, q("Description")).text = _check_xml_text(_sections_text(sections),
                                                                       f"coding row of {d.doc_id!r}")
            coding = _sub(sel, q("Coding"), {"guid": _guid("coding", selguid), "creatingUser": uguid})
            _sub(coding, q("CodeRef"), {"targetGUID": code_guid(row["code"])})
            if row["memo"]:
                nguid = _guid("note", selguid)
                notes.append((nguid, _check_xml_text(row["memo"], f"memo of a coding of {d.doc_id!r}")))
                _sub(sel, q("NoteRef"), {"targetGUID": nguid})
        for k, kind in kinds.items():
            if k in d.meta and not _is_missing(d.meta[k]):
                _variable_value_el(src, q, k, kind, d.meta[k])
    if notes:
        notes_el = _sub(root, q("Notes"))
        for nguid, text in notes:
            n = _sub(notes_el, q("Note"), {"guid": nguid, "name": "memo"})
            _sub(n, q("PlainTextContent")).text = text
    _sets_element(root, ns, codebook)
    data = _xml_bytes(root)
    with atomic_write(path, "wb") as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, payload in [("project.qde", data), *files]:
                info = zipfile.ZipInfo(member, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, payload)
    return Path(path)


def _segments_description(segments: Sequence[Segment]) -> str:
    """A source's description: its segments, one JSON line ``[id, kind, start, end, speaker]`` each.

    Characters XML cannot carry (they can only occur inside a JSON string here) are written as
    JSON escapes, so the list reads back exactly.
    """
    lines = [json.dumps([s.segment_id, s.kind, s.start, s.end, s.speaker], ensure_ascii=False) for s in segments]
    body = _XML_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", "\n".join(lines))
    return _sections_text([(_SEGMENTS_HEADING, body)])


def _parse_segments(body: str, doc: Document) -> list[Segment]:
    """The segments a source's description lists; ``ValueError`` saying why when they do not fit."""
    out: list[Segment] = []
    seen: set[int] = set()
    for n, line in enumerate(body.split("\n"), 1):
        if not line.strip():
            continue
        if _json_depth(line) > 2:
            raise ValueError(f"line {n} nests lists or objects (expected [segment_id, kind, start, end, speaker])")
        try:
            item = json.loads(line)
        except ValueError:
            raise ValueError(f"line {n} is not a JSON list") from None
        if not isinstance(item, list) or len(item) != 5:
            raise ValueError(f"line {n} is not a list [segment_id, kind, start, end, speaker]")
        sid, kind, start, end, speaker = item
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (sid, start, end)):
            raise ValueError(f"line {n}: segment_id, start and end must be whole numbers")
        if kind not in SEGMENT_KINDS:
            raise ValueError(f"line {n}: unknown segment kind {kind!r}")
        if speaker is not None and not isinstance(speaker, str):
            raise ValueError(f"line {n}: the speaker must be text or null")
        if not 0 <= start <= end <= len(doc.text):
            raise ValueError(f"line {n}: offsets {start}-{end} lie outside the text (0-{len(doc.text)})")
        if sid in seen:
            raise ValueError(f"line {n}: segment id {sid} appears twice")
        seen.add(sid)
        out.append(Segment(doc.doc_id, sid, start, end, doc.text[start:end], speaker, kind))
    return out


def _detect_segments(doc: Document) -> list[Segment]:
    """Segments of a document as :func:`hsqual.transcripts.load_corpus` cuts them: speaker turns,
    else paragraphs; one ``document`` segment when the text has neither."""
    from .segment import segment_text

    language = doc.meta.get("language")
    language = language if language in ("en", "ja") else "en"  # turns and paragraphs do not depend on it
    try:
        spans = segment_text(doc.text, "turn", language=language, speakers=doc.meta.get("speakers"))
    except TranscriptError:  # a 'speakers' variable that is not a list of names
        spans = segment_text(doc.text, "turn", language=language)
    if not spans:
        spans = [(0, len(doc.text), None, "document")]
    return [Segment(doc.doc_id, i, s, e, doc.text[s:e], who, kind) for i, (s, e, who, kind) in enumerate(spans, 1)]


class _SegmentFinder:
    """The segment a character offset lies in (else the next one, else the last one)."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segs = sorted(segments, key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.segs]

    def at(self, offset: int) -> int | None:
        import bisect

        if not self.segs:
            return None
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.segs[i].end:
            return self.segs[i].segment_id
        if i + 1 < len(self.segs):
            return self.segs[i + 1].segment_id
        return self.segs[max(i, 0)].segment_id


def _variable_value_el(parent: ET.Element, q, key: str, kind: str, value: Any) -> None:
    vv = _sub(parent, q("VariableValue"))
    _sub(vv, q("VariableRef"), {"targetGUID": _guid("variable", key)})
    tag, text = _variable_value(kind, value)
    _sub(vv, q(tag)).text = _check_xml_text(text, f"metadata {key!r}")


# ---------------------------------------------------------------------------------------
# Project import
# ---------------------------------------------------------------------------------------


def import_qdpx(
    path: str | os.PathLike,
    *,
    offsets: str = "auto",
    limits: ZipLimits | None = None,
) -> tuple[Corpus, pd.DataFrame, Codebook]:
    """Read a REFI-QDA Project Exchange file (``.qdpx``): documents, codings and codebook.

    Parameters
    ----------
    path : str or PathLike
    offsets : {"auto", "codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf"}, keyword-only
        How the file counts selection positions: Unicode code points (the standard's rule),
        UTF-16 code units, or UTF-8 bytes; ``-lf``: with CRLF counted as one. ``"auto"``
        (default) tries each and decides on evidence, in order: selections matching the
        file's own quotes (``name``), selections falling on character boundaries, the
        exporting tool (``origin``: hsqual counts code points, NVivo UTF-16 units), and
        selection ends on word and line boundaries. Conventions that read every selection alike (a text without
        characters outside the BMP or CRLF) are one reading. When several readings still tie,
        code points (the standard's rule) are used and the tie is reported.
    limits : ZipLimits, optional, keyword-only
        Limits on the archive (entries, total size, compression ratio).

    Returns
    -------
    corpus : Corpus
        One document per text source (``doc_id`` = the source's name), metadata from its
        variables (typed as in the file) and, for another tool's cases, ``case``. Segments:
        those hsqual listed in the source's description when it wrote the file; otherwise
        (another tool's file) speaker turns, else paragraphs, as
        :func:`hsqual.transcripts.load_corpus` cuts a transcript.
    codings : DataFrame
        A codings table with offsets in code points, grouped by document (in the file's order
        of sources, each source's codings in the file's order). A coding keeps the
        ``segment_id`` hsqual wrote when its source's segments came from the file; otherwise
        it gets the segment its start offset lies in (or, in a gap, the next segment), so
        that the codings fit the corpus. ``codings.attrs["refiqda"]`` reports
        the offset convention used (``"offsets"``), the evidence that decided it
        (``"offset_evidence"``), the conventions left tied (``"offsets_tied"``, empty when
        decided; a tie is also a problem saying how to choose), how each convention fared
        (``"offset_scores"``: selections valid, matching quotes, ends on boundaries), how
        many selections carry a quote (``"quoted_selections"``), the file's ``"origin"`` and
        ``"namespace"``, GUIDs used twice (in ``"problems"``), the coders (``"users"``), sources that are not text
        (``"skipped_sources"``), where segments came from (``"segments"``: ``{"from_file":
        [doc ids], "detected": [doc ids], "changed_rows": [rows whose segment_id in the file
        was replaced]}``) and selections that fit no convention (``"problems"``; those
        rows are kept with the file's numbers, and :func:`hsqual.codings.check_codings`
        lists them; a segment list that does not fit its text is reported there too).
    codebook : Codebook

    Raises
    ------
    ExchangeError
        Unsafe or malformed archive or XML (too deeply nested, zip bomb, ...), a missing
        source file, a selection position that is not a whole number within its text, an
        unknown convention.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> text = "Q: 安全?\\r\\nA: 𠮷野家 🙂 dignity"
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"})], title={"en": "Demo"})
    >>> start = text.index("dignity")
    >>> codings = codings_frame([{"doc_id": "i1", "segment_id": 1, "code": "dignity", "start": start,
    ...                           "end": start + 7, "quote": "dignity", "coder": "me"}])
    >>> p = export_qdpx(Corpus([Document("i1", text)]), codings, cb,
    ...                 pathlib.Path(tempfile.mkdtemp()) / "p.qdpx")
    >>> _, back, _ = import_qdpx(p)
    >>> int(back.loc[0, "start"]) == start, back.attrs["refiqda"]["offsets"]
    (True, 'codepoints')
    """
    if offsets != "auto" and offsets not in OFFSET_CONVENTIONS:
        raise ExchangeError(f"offsets must be 'auto' or one of {', '.join(OFFSET_CONVENTIONS)}, not {offsets!r}")
    p = Path(path)
    if p.is_dir():
        raise ExchangeError("expected a .qdpx file, found a folder", path=p)
    limits = limits or ZipLimits()
    with open_zip_safely(p, path=p, limits=limits) as zf:
        names = {i.filename for i in zf.infolist()}
        qde = next((n for n in ("project.qde",) if n in names), None)
        if qde is None:
            candidates = [n for n in names if n.lower().endswith(".qde") and "/" not in n]
            if len(candidates) != 1:
                raise ExchangeError("the archive has no project.qde (is this a REFI-QDA project file?)", path=p)
            qde = candidates[0]
        budget = limits.max_total_bytes
        data = read_zip_member(zf, qde, path=p, budget=budget)
        root = _parse_xml(data, path=f"{p}!{qde}", what="project.qde")
        ns = _check_root(root, [(NS_PROJECT, "Project")], path=p, what="project.qde")
        return _read_project(root, ns, zf, names, p, offsets, budget - len(data))


def _read_project(root, ns, zf, names, p, offsets, budget):
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    report: dict[str, Any] = {"path": str(p), "origin": root.get("origin") or "", "namespace": ns,
                              "offsets": None, "offset_scores": {}, "offset_evidence": "",
                              "offsets_tied": [], "users": {},
                              "skipped_sources": [], "problems": [],
                              "segments": {"from_file": [], "detected": [], "changed_rows": []}}
    # users
    users: dict[str, str] = {}
    for u in root.iterfind(f"{q('Users')}/{q('User')}"):
        guid = (u.get("guid") or "").strip("{}").lower()
        if guid in users:
            report["problems"].append(f"two users have the guid {guid} ({report['users'][users[guid]]!r} and "
                                      f"{u.get('name') or u.get('id')!r}); the first is kept as the coder")
            continue
        users[guid] = u.get("id") or u.get("name") or f"user:{guid}"
        report["users"][users[guid]] = u.get("name") or users[guid]
    # codebook
    raw_codes = _read_codes(root.find(f"{q('CodeBook')}/{q('Codes')}"), ns, path=p)
    raw_sets = _read_sets(root.find(q("Sets")), ns)
    project_name = root.get("name") or p.stem
    codebook, code_ids = (None, {})
    if raw_codes:
        codebook, code_ids = _build_codebook(raw_codes, raw_sets, fallback_id=_slug(project_name),
                                             fallback_title=project_name, path=p)
    # variables
    variables: dict[str, tuple[str, str]] = {}
    for v in root.iterfind(f"{q('Variables')}/{q('Variable')}"):
        d = v.find(q("Description"))
        kind = v.get("typeOfVariable") or "Text"
        if d is not None and d.text and "list (JSON)" in d.text:
            kind = "List"
        variables[(v.get("guid") or "").strip("{}").lower()] = (v.get("name") or "variable", kind)

    def values_of(el) -> dict[str, Any]:
        out = {}
        for vv in el.findall(q("VariableValue")):
            ref = vv.find(q("VariableRef"))
            g = ((ref.get("targetGUID") if ref is not None else None) or "").strip("{}").lower()
            if g in variables:
                name, kind = variables[g]
                value = _parse_variable_value(vv, ns, kind, path=p, what=f"the value of variable {name!r}")
                if value is not None:
                    out[name] = value
        return out

    # notes
    notes: dict[str, str] = {}
    for n in root.iterfind(f"{q('Notes')}/{q('Note')}"):
        content = n.find(q("PlainTextContent"))
        text = content.text if content is not None and content.text else ""
        if not text and n.get("plainTextPath"):
            text, budget = _source_text(zf, names, n.get("plainTextPath"), p, budget, what="note")
        notes[(n.get("guid") or "").strip("{}").lower()] = text
    # cases (membership for sources without their own variables)
    case_of: dict[str, list[tuple[str, str, dict]]] = {}
    for c in root.iterfind(f"{q('Cases')}/{q('Case')}"):
        d = c.find(q("Description"))
        _, sections = _parse_sections(d.text if d is not None else "")
        key = dict(sections).get("Metadata key", "").strip() or "case"
        cvals = values_of(c)
        for ref in c.findall(q("SourceRef")):
            case_of.setdefault((ref.get("targetGUID") or "").strip("{}").lower(), []).append(
                (key, c.get("name") or "", cvals))
    # sources
    sources_el = root.find(q("Sources"))
    docs: list[Document] = []
    pending: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    listed_segments: dict[str, str | None] = {}
    seen_sources: dict[str, str] = {}
    seen_selections: dict[str, str] = {}
    for src in (list(sources_el) if sources_el is not None else []):
        _, kind = _local(src.tag)
        if kind != "TextSource":
            report["skipped_sources"].append(f"{kind} {src.get('name') or src.get('guid')}")
            continue
        sguid = (src.get("guid") or "").strip("{}").lower()
        if sguid and sguid in seen_sources:
            report["problems"].append(f"two sources have the guid {sguid} ({seen_sources[sguid]!r} and "
                                      f"{src.get('name')!r}); cases and sets refer to the first")
        doc_id = src.get("name") or sguid or f"source{len(docs) + 1}"
        base, n = doc_id, 2
        while doc_id in used_ids:
            doc_id, n = f"{base} ({n})", n + 1
        used_ids.add(doc_id)
        if sguid:
            seen_sources.setdefault(sguid, doc_id)
        content = src.find(q("PlainTextContent"))
        if src.get("plainTextPath"):
            text, budget = _source_text(zf, names, src.get("plainTextPath"), p, budget, what=f"source {doc_id!r}")
        elif content is not None:
            text = content.text or ""
        else:
            raise ExchangeError(f"source {doc_id!r} has neither plainTextPath nor PlainTextContent", path=p)
        sdesc = src.find(q("Description"))
        listed_segments[doc_id] = dict(_parse_sections(sdesc.text if sdesc is not None else "")[1]).get(
            _SEGMENTS_HEADING)
        meta = values_of(src)
        for key, case_name, cvals in case_of.get(sguid, []):
            for k, v in cvals.items():
                meta.setdefault(k, v)
            if key not in meta:
                meta[key] = case_name
            elif meta[key] != case_name and str(meta[key]) != case_name and not (
                    isinstance(meta[key], list) and case_name in map(str, meta[key])):
                prev = meta[key] if isinstance(meta[key], list) else [meta[key]]
                meta[key] = [*prev, case_name]
        if not meta.get("language"):
            from .transcripts import detect_language

            meta["language"] = detect_language(text)  # other tools record no language
        docs.append(Document(doc_id, text, meta))
        selections = [(sel, sel) for sel in src.findall(q("PlainTextSelection"))]
        whole = [(c, None) for c in src.findall(q("Coding"))]
        for sel, _ in selections:
            selguid = (sel.get("guid") or "").strip("{}").lower()
            if selguid in seen_selections:
                report["problems"].append(f"source {doc_id!r}: two selections have the guid {selguid} (the other in "
                                          f"{seen_selections[selguid]!r}); both are kept")
            seen_selections.setdefault(selguid, doc_id)
            pending.append({"doc": docs[-1], "sel": sel})
        for coding, _ in whole:
            pending.append({"doc": docs[-1], "sel": None, "coding": coding})
    # segments: as listed by hsqual, else detected as load_corpus does
    doc_segments: dict[str, list[Segment]] = {}
    for doc in docs:
        body = listed_segments.get(doc.doc_id)
        if body is not None:
            try:
                doc_segments[doc.doc_id] = _parse_segments(body, doc)
                report["segments"]["from_file"].append(doc.doc_id)
                continue
            except ValueError as exc:
                report["problems"].append(f"source {doc.doc_id!r}: its segment list does not fit its text ({exc}); "
                                          "segments detected again (speaker turns, else paragraphs)")
        doc_segments[doc.doc_id] = _detect_segments(doc)
        report["segments"]["detected"].append(doc.doc_id)
    from_file = set(report["segments"]["from_file"])
    finders = {doc_id: _SegmentFinder(segs) for doc_id, segs in doc_segments.items()}
    # offsets: converted one document at a time, so that only one document's maps are in memory
    sels = [x for x in pending if x["sel"] is not None]
    limits: dict[str, int] = {}
    for item in sels:
        doc = item["doc"]
        if doc.doc_id not in limits:
            limits[doc.doc_id] = len(doc.text.encode("utf-8", "surrogatepass"))
        limit = limits[doc.doc_id]
        item["raw"] = (_position(item["sel"], "startPosition", len(doc.text), limit, doc.doc_id, p),
                       _position(item["sel"], "endPosition", len(doc.text), limit, doc.doc_id, p))
    report["quoted_selections"] = sum(1 for item in sels if item["sel"].get("name"))
    if offsets == "auto":
        decision = _detect_offsets(sels, origin=report["origin"])
        chosen = decision["offsets"]
        report.update({k: v for k, v in decision.items() if k != "converted"})
        converted = decision["converted"][chosen]
        if decision["offsets_tied"]:
            tied = decision["offsets_tied"]
            report["problems"].append(
                f"the offset convention cannot be told from this file: {', '.join(tied)} fit its selections "
                f"equally well ({decision['offset_evidence']}); {chosen} was used. Check a few quotes and give "
                f"--offsets ({' or '.join(tied)}) (offsets= in Python) to choose")
    else:
        chosen = offsets
        report["offset_evidence"] = "the offsets option"
        converted = _convert_all(sels, chosen)
    report["offsets"] = chosen
    for item, pair in zip(sels, converted):
        item["cp"] = pair
    rows = []
    for item in pending:
        doc: Document = item["doc"]
        if item["sel"] is None:
            codings_el, start, end, sel_user, desc = [item["coding"]], 0, len(doc.text), None, ""
            quote_attr, note_refs = doc.text, []
        else:
            sel = item["sel"]
            codings_el = sel.findall(q("Coding"))
            sel_user = (sel.get("creatingUser") or "").strip("{}").lower()
            d = sel.find(q("Description"))
            desc = d.text if d is not None and d.text else ""
            quote_attr = sel.get("name")
            note_refs = [(r.get("targetGUID") or "").strip("{}").lower() for r in sel.findall(q("NoteRef"))]
            raw_s, raw_e = item["raw"]
            if item["cp"] is None:
                report["problems"].append(
                    f"source {doc.doc_id!r}: selection {raw_s}-{raw_e} ({quote_attr or ''!r:.40}) does not fall on "
                    f"character boundaries under the {chosen} convention; kept with the file's numbers")
                start, end = raw_s, raw_e
            else:
                start, end = item["cp"]
        _, sections = _parse_sections(desc)
        sd = dict(sections)
        recorded = int(sd["Segment"].strip()) if sd.get("Segment", "").strip().isdigit() else None
        if recorded is not None and doc.doc_id in from_file:
            segment_id, changed = recorded, False
        else:
            found = finders[doc.doc_id].at(start)
            segment_id = found if found is not None else (recorded or 1)
            changed = recorded is not None and recorded != segment_id
        quote = doc.text[start:end] if 0 <= start <= end <= len(doc.text) else (quote_attr or "")
        memo = "\n\n".join(notes[g] for g in note_refs if g in notes)
        extra = {}
        for h, b in sections:
            if h.startswith("Column "):
                try:
                    extra[h[7:]] = _loads_json(b, what=f"source {doc.doc_id!r}: the {h!r} of a selection", path=p)
                except json.JSONDecodeError:
                    extra[h[7:]] = b
        for c in codings_el:
            ref = c.find(q("CodeRef"))
            g = (ref.get("targetGUID") if ref is not None else "") or ""
            g = g.strip("{}").lower()
            code = code_ids.get(g)
            if code is None:
                report["problems"].append(f"source {doc.doc_id!r}: a coding refers to no code of the codebook "
                                          f"(guid {g or 'missing'}); kept with code {('refi:' + g)!r}")
                code = "refi:" + g
            ug = (c.get("creatingUser") or sel_user or "").strip("{}").lower()
            coder = users.get(ug) or (f"user:{ug}" if ug else "imported")
            cnotes = [notes[(r.get("targetGUID") or "").strip("{}").lower()] for r in c.findall(q("NoteRef"))
                      if (r.get("targetGUID") or "").strip("{}").lower() in notes]
            if changed:
                report["segments"]["changed_rows"].append(len(rows))
            rows.append({"doc_id": doc.doc_id, "segment_id": segment_id, "code": code, "start": start, "end": end,
                         "quote": quote, "coder": coder, "rule": sd.get("Rule", ""),
                         "memo": "\n\n".join([m for m in [memo, *cnotes] if m]), **extra})
    corpus = Corpus(docs, [s for d in docs for s in doc_segments[d.doc_id]])
    codings = codings_frame(rows) if rows else codings_frame()
    codings.attrs["refiqda"] = report
    if codebook is None:
        raise ExchangeError("the project holds no codebook (<CodeBook><Codes>)", path=p)
    return corpus, codings, codebook


def _source_text(zf, names, ref: str, p: Path, budget: int, *, what: str) -> tuple[str, int]:
    if not ref.startswith("internal://"):
        raise ExchangeError(f"{what} points at {ref!r}, outside the archive; hsqual reads only sources stored in "
                            "the project file (internal://...)", path=p)
    rel = ref[len("internal://"):]
    member = posixpath.join("sources", rel)
    if "/" in rel or "\\" in rel or rel in ("", ".", ".."):
        raise ExchangeError(f"{what} points at {ref!r}; expected a file name inside sources/", path=p)
    if member not in names:
        # tools case the folder differently (NVivo for Windows writes Sources/)
        found = sorted(n for n in names if n.lower() == member.lower())
        if not found:
            raise ExchangeError(f"{what}: its text file {member!r} is missing from the archive", path=p)
        exact = [n for n in found if n.split("/", 1)[1] == rel]
        if len(exact) > 1 or (not exact and len(found) > 1):
            raise ExchangeError(f"{what}: the archive holds several files that could be {member!r} "
                                f"({', '.join(found)})", path=p)
        member = (exact or found)[0]
    data = read_zip_member(zf, member, path=p, budget=budget)
    from .textio import decode_bytes
    from .errors import TranscriptError

    try:
        text = decode_bytes(data, path=f"{p}!{member}")
    except TranscriptError as exc:
        raise ExchangeError(exc.message, path=f"{p}!{member}") from None
    return text, budget - len(data)


def _by_document(items: list[dict[str, Any]]):
    """Runs of consecutive selections of one document: ``(doc, [(index, item), ...])``."""
    run: list[tuple[int, dict[str, Any]]] = []
    for i, item in enumerate(items):
        if run and item["doc"] is not run[-1][1]["doc"]:
            yield run[-1][1]["doc"], run
            run = []
        run.append((i, item))
    if run:
        yield run[-1][1]["doc"], run


def _convert_run(omap: "_OffsetMap", run) -> list[tuple[int, int] | None]:
    """The code points of one document's selections (None where a selection fits no boundary)."""
    starts = omap.to_codepoints([item["raw"][0] for _, item in run]).tolist()
    ends = omap.to_codepoints([item["raw"][1] for _, item in run]).tolist()
    return [(s, e) if s >= 0 and e >= 0 and s <= e else None for s, e in zip(starts, ends)]


def _convert_all(items: list[dict[str, Any]], convention: str) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = [None] * len(items)
    for doc, run in _by_document(items):
        for (i, _), pair in zip(run, _convert_run(_OffsetMap(doc.text, convention), run)):
            out[i] = pair
    return out


def _is_word_char(ch: str) -> bool:
    # letters and digits of scripts that separate words; CJK text has a boundary between any two
    return ch.isalnum() and ord(ch) < 0x2E80


def _on_boundary(text: str, k: int) -> bool:
    """Whether offset ``k`` lies between words or lines (not inside a word, not inside CRLF)."""
    if k <= 0 or k >= len(text):
        return True
    before, after = text[k - 1], text[k]
    if before == "\r" and after == "\n":
        return False
    return not (_is_word_char(before) and _is_word_char(after))


def _detect_offsets(items: list[dict[str, Any]], *, origin: str = "") -> dict[str, Any]:
    """Decide the offset convention of a file's selections, on evidence, and say which.

    Evidence, in order: selections whose text equals the file's own quote (``name``);
    selections falling on character boundaries at all; the exporting tool (``origin``: hsqual
    counts code points, NVivo UTF-16 code units, CRLF included or not); selection ends on
    word and line boundaries. Conventions
    that give every selection the same code points are the same for this file (a text without
    characters outside the BMP reads alike in code points and UTF-16). When the evidence leaves
    several different readings tied, ``offsets_tied`` lists them and the standard's code points
    (or the first tied one) is used.
    """
    scores = {c: {"valid": 0, "matched_quotes": 0, "exact_quotes": 0, "boundaries": 0, "selections": len(items)}
              for c in OFFSET_CONVENTIONS}
    converted = {c: [None] * len(items) for c in OFFSET_CONVENTIONS}
    for doc, run in _by_document(items):  # one document's maps at a time
        seen: dict[tuple[int, int, int], tuple[int, int, int]] = {}  # readings shared by conventions
        for conv in OFFSET_CONVENTIONS:
            omap = _OffsetMap(doc.text, conv)
            sc, out = scores[conv], converted[conv]
            for (i, item), pair in zip(run, _convert_run(omap, run)):
                out[i] = pair
                if pair is None:
                    continue
                s, e = pair
                if (i, s, e) not in seen:
                    quote = item["sel"].get("name")
                    matched = bool(quote) and _same_text(doc.text[s:e], quote)
                    seen[i, s, e] = (_on_boundary(doc.text, s) + _on_boundary(doc.text, e), matched,
                                     matched and doc.text[s:e] == quote)
                ends, matched, exact = seen[i, s, e]
                sc["valid"] += 1
                sc["boundaries"] += ends
                sc["matched_quotes"] += matched
                sc["exact_quotes"] += exact
            del omap
    # conventions reading every selection alike are one reading
    readings: dict[tuple, list[str]] = {}
    for conv in OFFSET_CONVENTIONS:
        readings.setdefault(tuple(converted[conv]), []).append(conv)
    groups = list(readings.values())
    decision: dict[str, Any] = {"offset_scores": scores, "converted": converted, "offsets_tied": []}
    if len(groups) == 1:
        decision.update(offsets="codepoints", offset_evidence="every convention reads these selections alike")
        return decision
    candidates = groups
    evidence: list[str] = []

    def narrow(key: str, what: str) -> None:
        nonlocal candidates
        best = max(scores[g[0]][key] for g in candidates)
        kept = [g for g in candidates if scores[g[0]][key] == best]
        if len(kept) < len(candidates):
            others = max(scores[g[0]][key] for g in candidates if g not in kept)
            of = 2 * len(items) if key == "boundaries" else len(items)
            evidence.append(f"{what}: {best} of {of} under {', '.join(g[0] for g in kept)}, at most {others} otherwise")
        candidates = kept

    narrow("matched_quotes", "selections matching the file's quotes")
    if len(candidates) > 1:
        narrow("exact_quotes", "selections matching the file's quotes character for character")
    if len(candidates) > 1:
        narrow("valid", "selections on character boundaries")
    if len(candidates) > 1:  # the tool that wrote the file, where its counting is known
        known = [(r"^hsqual\b", ("codepoints",), "hsqual counts code points"),
                 (r"nvivo", ("utf16", "utf16-lf"), "NVivo counts UTF-16 code units")]
        for pattern, family, why in known:
            if re.search(pattern, origin, re.IGNORECASE):
                kept = [g for g in candidates if any(c in family for c in g)]
                if kept and len(kept) < len(candidates):
                    candidates = kept
                    evidence.append(f"the file comes from {origin!r}, and {why}")
                break
    if len(candidates) > 1:
        narrow("boundaries", "selection ends on word and line boundaries")
    if len(candidates) == 1:
        decision.update(offsets=candidates[0][0], offset_evidence="; ".join(evidence))
        return decision
    tied = [g[0] for g in candidates]
    chosen = "codepoints" if "codepoints" in tied else tied[0]
    decision.update(offsets=chosen, offsets_tied=tied,
                    offset_evidence="; ".join(evidence) or "no selection quotes or boundaries tell them apart")
    return decision


# ---------------------------------------------------------------------------------------
# Schema check
# ---------------------------------------------------------------------------------------

_SCHEMAS = {"qdc": "hsqual-qdc.xsd", "qde": "hsqual-qde.xsd"}


def schema_path(kind: str) -> Path:
    """The XML schema of what hsqual writes: ``"qdc"`` (codebook) or ``"qde"`` (project).

    Example
    -------
    >>> schema_path("qde").name
    'hsqual-qde.xsd'
    """
    if kind not in _SCHEMAS:
        raise ValueError(f"schema_path: kind must be 'qdc' or 'qde', not {kind!r}")
    return Path(__file__).resolve().parent / "schemas" / _SCHEMAS[kind]


SCHEMA_DIR_VARIABLE = "HSQUAL_REFIQDA_SCHEMAS"
"""Environment variable naming a folder with the official REFI-QDA schemas (used by :func:`schema_errors`)."""


def schema_errors(path: str | os.PathLike, *, limits: ZipLimits | None = None,
                  schema_dir: str | os.PathLike | None = None) -> list[str]:
    """Check a ``.qdc`` or ``.qdpx`` file against a REFI-QDA schema.

    The file is parsed safely first (see :func:`import_qdpx`); returns one message per
    problem, empty when the file is valid. A vendor's namespace variant
    (``urn:QDA-XML:project:1:0``) is read as the standard's.

    Parameters
    ----------
    path : str or PathLike
    limits : ZipLimits, optional, keyword-only
    schema_dir : str or PathLike, optional, keyword-only
        A folder holding the official schemas (the standard's ``Project.xsd`` and
        ``Codebook.xsd``, recognised by their target namespace). Default: the folder in the
        ``HSQUAL_REFIQDA_SCHEMAS`` environment variable, else hsqual's own schemas
        (:func:`schema_path`), which accept everything the standard allows on the elements
        hsqual reads and leave pictures, PDF, audio, video, links and graphs unchecked.

    Raises
    ------
    ExchangeError
        The file cannot be read safely, or ``schema_dir`` holds no schema for its kind.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> p = export_qdc(Codebook("demo", [Code(id="fear", label={"en": "Fear"})], title={"en": "Demo"}),
    ...                pathlib.Path(tempfile.mkdtemp()) / "demo.qdc")
    >>> schema_errors(p)
    []
    """
    p = Path(path)
    if p.suffix.lower() == ".qdpx":
        with open_zip_safely(p, path=p, limits=limits) as zf:
            data = read_zip_member(zf, "project.qde", path=p, budget=(limits or ZipLimits()).max_total_bytes)
        kind, root = "qde", _parse_xml(data, path=p, what="project.qde")
    else:
        kind, root = "qdc", _parse_xml(_read_limited(p, 256 << 20), path=p, what="codebook")
    ns = _local(root.tag)[0]
    canonical = _canonical_ns(ns)
    if canonical and canonical != ns:  # a vendor's variant: check it as the standard's namespace
        prefix, new = f"{{{ns}}}", f"{{{canonical}}}"
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith(prefix):
                el.tag = new + el.tag[len(prefix):]
    if schema_dir is None:
        schema_dir = os.environ.get(SCHEMA_DIR_VARIABLE) or None
    schema = _schema(kind) if schema_dir is None else _official_schema(kind, Path(schema_dir))
    return [f"{e.path or '/'}: {e.reason}" for e in schema.iter_errors(root)]


_schema_cache: dict[Any, Any] = {}


def _schema(kind: str):
    import xmlschema

    if kind not in _schema_cache:
        _schema_cache[kind] = xmlschema.XMLSchema(str(schema_path(kind)))
    return _schema_cache[kind]


def _official_schema(kind: str, folder: Path):
    """The schema in ``folder`` whose target namespace is the standard's for ``kind``."""
    import xmlschema

    want = NS_PROJECT if kind == "qde" else NS_CODEBOOK
    if not folder.is_dir():
        raise ExchangeError(f"the schema folder does not exist; expected a folder with the REFI-QDA schemas "
                            f"(Project.xsd, Codebook.xsd)", path=folder)
    for xsd in sorted(folder.iterdir(), key=lambda f: (f.stem.lower() not in ("project", "codebook"), f.name)):
        if xsd.suffix.lower() != ".xsd" or not xsd.is_file():
            continue
        try:
            head = _parse_xml(_read_limited(xsd, 16 << 20), path=xsd, what="schema")
        except ExchangeError:
            continue
        if head.get("targetNamespace") != want:
            continue
        key = (str(xsd.resolve()), xsd.stat().st_mtime_ns)
        if key not in _schema_cache:
            try:
                _schema_cache[key] = xmlschema.XMLSchema(str(xsd), allow="local")
            except (xmlschema.XMLSchemaException, OSError) as exc:
                raise ExchangeError(f"not a usable XML schema ({str(exc).splitlines()[0]})", path=xsd) from None
        return _schema_cache[key]
    raise ExchangeError(f"no schema with target namespace {want!r} in this folder (expected the standard's "
                        f"{'Project' if kind == 'qde' else 'Codebook'}.xsd)", path=folder)
