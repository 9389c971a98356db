"""REFI-QDA Codebook Exchange (``.qdc``): :func:`export_qdc` and :func:`import_qdc`.

A code's labels, definitions, examples, rules and paraphrases travel as labelled sections of
its ``Description`` (see :mod:`hsqual.refiqda`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..codebook import Code, Codebook, Example, Paraphrase
from ..errors import ArgumentError, ExchangeError
from ..writers import atomic_write
from ..params import validate_params
from .xmltools import (
    EXAMPLE_HEADING, FIELD_OF, LANG_HEADING, MAX_ID_LENGTH, MAX_XML_DEPTH, NS_CODEBOOK, NS_PROJECT,
    PARAPHRASE_HEADING, RULE_HEADING, check_root, check_xml_text, code_guid, make_guid, new_root, parse_sections, parse_xml,
    sections_text, subelement, xml_bytes,
)

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
    for heading, fld in FIELD_OF.items():
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
    for i, p in enumerate(code.paraphrases, 1):
        sections.append((f"Paraphrase {i} ({p.language}{'' if p.applies else ', not'})", p.text))
    text = sections_text(sections)
    return check_xml_text(text, f"code {code.id!r}")


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
    return check_xml_text(sections_text(sections), f"codebook {cb_id!r}")


def codes_element(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    codes_el = subelement(parent, f"{{{ns}}}Codes")
    elements: dict[str, ET.Element] = {}
    langs = codebook.languages
    for code in codebook.codes:
        container = codes_el if code.parent is None else elements[code.parent]
        lang = _name_language(code, langs)
        name = code.label[lang] if lang else code.id
        attrs = {"guid": code_guid(code.id), "name": check_xml_text(name, f"label of code {code.id!r}"),
                 "isCodable": "true"}
        if code.color:
            attrs["color"] = code.color
        el = subelement(container, f"{{{ns}}}Code", attrs)
        subelement(el, f"{{{ns}}}Description").text = _code_description(code, langs)
        elements[code.id] = el
    # the standard orders a Code's children after its Description: already so


def sets_element(parent: ET.Element, ns: str, codebook: Codebook) -> None:
    sets_el = subelement(parent, f"{{{ns}}}Sets")
    for cb_id, part, codes in _codebook_parts(codebook):
        title = part.title.get("en") or next(iter(part.title.values()), None) or cb_id
        s = subelement(sets_el, f"{{{ns}}}Set", {"guid": make_guid("codebook", cb_id), "name": title})
        subelement(s, f"{{{ns}}}Description").text = _set_description(part, cb_id)
        for code in codes:
            subelement(s, f"{{{ns}}}MemberCode", {"guid" if ns == NS_CODEBOOK else "targetGUID": code_guid(code.id)})
    members: dict[str, list[Code]] = {}
    for code in codebook.codes:
        for group in code.groups:
            members.setdefault(group, []).append(code)
    for group, codes in members.items():  # code groups: one set each, as ATLAS.ti and MAXQDA write them
        s = subelement(sets_el, f"{{{ns}}}Set", {"guid": make_guid("group", group),
                                            "name": check_xml_text(group, f"code group {group!r}")})
        for code in codes:
            subelement(s, f"{{{ns}}}MemberCode", {"guid" if ns == NS_CODEBOOK else "targetGUID": code_guid(code.id)})



def check_codebook(codebook) -> None:
    if not isinstance(codebook, Codebook):
        raise ArgumentError(f"expected a Codebook, not {type(codebook).__name__}")
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


@validate_params()
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
    check_codebook(codebook)
    from .. import __version__

    root = new_root("CodeBook", NS_CODEBOOK, {"origin": f"hsqual {__version__}"})
    codes_element(root, NS_CODEBOOK, codebook)
    sets_element(root, NS_CODEBOOK, codebook)
    data = xml_bytes(root)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def slug(name: str) -> str:
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


def read_codes(codes_el: ET.Element | None, ns: str, *, path) -> list[_RawCode]:
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


def read_sets(sets_el: ET.Element | None, ns: str) -> list[_RawSet]:
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


def build_codebook(raw_codes: list[_RawCode], raw_sets: list[_RawSet], *, fallback_id: str,
                    fallback_title: str, path) -> tuple[Codebook, dict[str, str]]:
    """Codes and sets read from XML -> a Codebook (merged when several) and guid -> code id."""
    by_guid = {c.guid: c for c in raw_codes}
    # hsqual sections
    parsed = {c.guid: parse_sections(c.description) for c in raw_codes}
    ids: dict[str, str] = {}
    used: set[str] = set()
    for c in raw_codes:  # parents come before children here
        _, sections = parsed[c.guid]
        given = next((b.strip() for h, b in sections if h == "Code id"), None)
        if given and re.fullmatch(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*", given) and given not in used:
            code_id = given
        else:
            base = slug(c.name)
            if c.parent_guid is not None:
                parent_id = ids[c.parent_guid]
                # a deep tree would make ids as long as the tree is deep: past a length, the id
                # starts afresh (the hierarchy stays in ``parent``)
                base = f"{parent_id}.{base}" if len(parent_id) < MAX_ID_LENGTH else f"{base}_{c.guid[:8]}"
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
        _, sections = parse_sections(s.description)
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
            m = LANG_HEADING.fullmatch(h)
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
    fields: dict[str, dict[str, str]] = {f: {} for f in FIELD_OF.values()}
    examples: dict[int, list[str]] = {}
    rules: dict[str, dict[int, str]] = {}
    paraphrases: list[Paraphrase] = []  # in the order of their sections (numbered per language elsewhere)
    for h, body in sections:
        m = LANG_HEADING.fullmatch(h)
        if m and m.group(1) == "Label":
            label[m.group(2)] = body.strip()
        elif m and m.group(1) in FIELD_OF:
            fields[FIELD_OF[m.group(1)]][m.group(2)] = body.strip()
        elif (m := EXAMPLE_HEADING.fullmatch(h)):
            slot = examples.setdefault(int(m.group(1)), ["", ""])
            slot[1 if m.group(2) else 0] = body.strip()
        elif (m := RULE_HEADING.fullmatch(h)):
            rules.setdefault(m.group(2), {})[int(m.group(1))] = body.strip()
        elif (m := PARAPHRASE_HEADING.fullmatch(h)) and body.strip():
            paraphrases.append(Paraphrase(m.group(2), body.strip(), not m.group(3)))
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
        label={k: v for k, v in label.items() if v},  # Code makes its mappings read-only
        examples=tuple(Example(q, s) for _, (q, s) in sorted(examples.items())),
        paraphrases=tuple(paraphrases),
        rules={lang: tuple(r for _, r in sorted(rs.items())) for lang, rs in rules.items()},
        parent=None if raw.parent_guid is None else ids[raw.parent_guid],
        color=raw.color,
        codebook=cb_id,
        groups=tuple(groups),
        **{f: {k: v for k, v in vals.items() if v} for f, vals in fields.items()},
    )


def read_limited(path: Path, limit: int) -> bytes:
    from ..textio import read_bytes

    return read_bytes(path, limit=limit, error=ExchangeError)


@validate_params()
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
    data = read_limited(p, max_bytes)
    root = parse_xml(data, path=p, what="codebook")
    ns = check_root(root, [(NS_CODEBOOK, "CodeBook"), (NS_PROJECT, "CodeBook")], path=p, what="codebook")
    raw_codes = read_codes(root.find(f"{{{ns}}}Codes"), ns, path=p)
    if not raw_codes:
        raise ExchangeError("the codebook holds no <Code> elements", path=p)
    raw_sets = read_sets(root.find(f"{{{ns}}}Sets"), ns)
    book, _ = build_codebook(raw_codes, raw_sets, fallback_id=slug(p.stem) or "imported",
                              fallback_title=p.stem, path=p)
    return book
