"""The XML, JSON and text helpers the REFI-QDA readers and writers share: safe parsing
with depth limits, namespaces, GUIDs, the labelled sections of a description, element builders.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET

from ..codebook import Example
from ..errors import ExchangeError

NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
NS_PROJECT = "urn:QDA-XML:project:1.0"

_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:hsqual:refi-qda")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_HEADING = re.compile(r"## ([^\n]{1,80})")
LANG_HEADING = re.compile(r"(Label|Definition|When to use|When not to use|Title|Description) \(([a-z]{2,3})\)")
RULE_HEADING = re.compile(r"Rule (\d{1,6}) \(([a-z]{2,3})\)")
EXAMPLE_HEADING = re.compile(r"Example (\d{1,6})( source)?")
#: ``Paraphrase 3 (ja)``: a sentence the code applies to; ``Paraphrase 4 (ja, not)``: one it must not.
PARAPHRASE_HEADING = re.compile(r"Paraphrase (\d{1,6}) \(([a-z]{2,3})(, not)?\)")
FIELD_OF = {"Definition": "definition", "When to use": "when_to_use", "When not to use": "when_not_to_use"}
_CODINGS_META = ("segment_id", "rule", "memo")
SEGMENTS_HEADING = "Segments"
MAX_XML_DEPTH = 256
"""Deepest element nesting read from a REFI-QDA file (a code tree is about as deep as its XML)."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of JSON read from a file's variables and descriptions."""
MAX_ID_LENGTH = 120
# the namespaces vendors write: the standard's 1.0, a colon for the dot (NVivo for Mac), draft 0.4
_NS_VARIANT = re.compile(r"urn:QDA-XML:(codebook|project):(?:1[.:]0|0[.:]4)")
_POSITION = re.compile(r"\s*\+?([0-9]+)\s*")


# ---------------------------------------------------------------------------------------
# Safe reading: zip archives and XML
# ---------------------------------------------------------------------------------------


def parse_xml(data: bytes, *, path, what: str) -> ET.Element:
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
                                f"<{split_tag(level[0].tag)[1]}> at depth {depth}); refusing a file no QDA tool writes",
                                path=path)
        level = [child for el in level for child in el]
        depth += 1


def json_depth(text: str) -> int:
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


def loads_json(text: str, *, what: str, path) -> Any:
    """``json.loads`` after refusing nesting deeper than :data:`MAX_JSON_DEPTH`."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ExchangeError(f"{what}: its JSON nests {depth} levels deep, more than the limit of {MAX_JSON_DEPTH}",
                            path=path)
    return json.loads(text)


def split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def check_root(root: ET.Element, names: Sequence[tuple[str, str]], *, path, what: str) -> str:
    ns, name = split_tag(root.tag)
    for want_ns, want_name in names:
        if name == want_name and (ns == want_ns or canonical_ns(ns) == want_ns):
            return ns
    expected = " or ".join(f"<{n}> in namespace {s!r}" for s, n in names)
    found = f"<{name}>" + (f" in namespace {ns!r}" if ns else " without a namespace")
    raise ExchangeError(f"{what}: expected a root element {expected}, found {found}", path=path)


def canonical_ns(ns: str) -> str | None:
    """The standard namespace a vendor's variant stands for (``urn:QDA-XML:codebook:1:0`` ->
    ``urn:QDA-XML:codebook:1.0``), or None."""
    m = _NS_VARIANT.fullmatch(ns)
    if not m:
        return None
    return NS_CODEBOOK if m.group(1) == "codebook" else NS_PROJECT


def read_position(sel: ET.Element, name: str, text_len: int, limit: int, doc_id: str, path) -> int:
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


def make_guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}:{key}"))


def code_guid(code_id: str) -> str:
    """The GUID hsqual gives a code in REFI-QDA files: a UUID 5 of its id (stable across exports).

    Example
    -------
    >>> code_guid("freedoms.fear") == code_guid("freedoms.fear") != code_guid("freedoms.want")
    True
    """
    return make_guid("code", code_id)


def _escape_block(text: str) -> str:
    return "\n".join("\\" + ln if ln.startswith(("## ", "\\")) else ln for ln in text.split("\n"))


def _unescape_block(text: str) -> str:
    return "\n".join(ln[1:] if ln.startswith("\\") else ln for ln in text.split("\n"))


def sections_text(sections: Iterable[tuple[str, str]]) -> str:
    parts = []
    for heading, body in sections:
        parts.append(f"## {heading}\n{_escape_block(str(body))}")
    return "\n".join(parts)


def parse_sections(text: str | None) -> tuple[str, list[tuple[str, str]]]:
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


def check_xml_text(value: str, what: str) -> str:
    m = XML_BAD.search(value)
    if m:
        raise ExchangeError(f"{what} holds the character U+{ord(m.group()):04X} at position {m.start()}, "
                            "which XML cannot carry; remove it before exporting")
    return value


def xml_safe_quote(value: str) -> str:
    """A quote for a selection's name attribute (informative only): characters XML cannot carry
    become U+FFFD."""
    return XML_BAD.sub("\ufffd", value)



def subelement(parent, tag: str, attrs: Mapping[str, str] | None = None):
    from lxml import etree

    return etree.SubElement(parent, tag, dict(attrs or {}))


def new_root(tag: str, ns: str, attrs: Mapping[str, str]):
    from lxml import etree

    return etree.Element(f"{{{ns}}}{tag}", dict(attrs), nsmap={None: ns})


def xml_bytes(root) -> bytes:
    from lxml import etree

    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)
