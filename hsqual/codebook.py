"""Codebooks: the codes a team applies, with their definitions and rules.

A codebook is a YAML file (see ``docs/architecture.md`` and the bundled ``codebooks/``) read
by :func:`load_codebook` into an immutable :class:`Codebook` of :class:`Code` records. Several
codebooks load together with :func:`load_codebooks` as long as their code ids are distinct.

Every problem in a codebook file is reported as a :class:`~hsqual.errors.CodebookError`
naming the file, the line and the code.

Example
-------
>>> from hsqual.resources import bundled_path
>>> cb = load_codebook(bundled_path("codebooks") / "three_freedoms.yaml")
>>> cb["freedoms.dignity"].label["ja"]
'尊厳をもって生きる自由'
>>> cb.parent("freedoms.fear")
'freedoms'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .errors import CodebookError
from .paraphrases import Paraphrase
from .yamlio import collection_paused, compose_yaml
from .params import validate_params

__all__ = ["Example", "Paraphrase", "Code", "Codebook", "load_codebook", "load_codebooks", "parse_codebook"]

_ID = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")
_CODEBOOK_ID = re.compile(r"^[a-z0-9_]+$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

_TOP_KEYS = {
    "id": True, "version": True, "title": True, "source": True, "codes": True,
    "description": False, "languages": False,
}
_CODE_KEYS = {
    "id": True, "label": True, "definition": True, "when_to_use": True,
    "when_not_to_use": True, "examples": True, "parent": False, "rules": False, "color": False,
    "groups": False,
}
_TEXT_FIELDS = ("definition", "when_to_use", "when_not_to_use")


@dataclass(frozen=True)
class Example:
    """A quotation that shows a code in use, with where it comes from.

    Example
    -------
    >>> Example("the final purpose of human security amounts to dignity", "Kurusu 2015, §7").source
    'Kurusu 2015, §7'
    """

    quote: str
    source: str


@dataclass(frozen=True)
class Code:
    """One code of a codebook.

    Attributes
    ----------
    id : str
        Stable dotted id, e.g. ``"freedoms.dignity"``.
    label, definition, when_to_use, when_not_to_use : Mapping[str, str]
        Text per language (``"en"``, ``"ja"``).
    examples : tuple of Example
    paraphrases : tuple of Paraphrase
        Sentences written from the definition as a speaker might say them, read from the
        codebook's paraphrase file (:mod:`hsqual.paraphrases`); the review loop ranks with them.
    rules : Mapping[str, tuple of str]
        Coding rules per language (see the rule language in ``hsqual.rules``).
    parent : str or None
    color : str or None
        ``#RRGGBB``.
    codebook : str
        Id of the codebook the code belongs to.
    groups : tuple of str
        Names of the code groups it belongs to (REFI-QDA sets, e.g. an ATLAS.ti code group).
    line : int or None
        Line of the code in its file (for messages).
    rule_lines : Mapping[str, tuple of int]
        Line of each rule, per language (for messages).

    Example
    -------
    >>> c = Code(id="freedoms.fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"})
    >>> c.label_for("ja")
    '恐怖からの自由'
    """

    id: str
    label: Mapping[str, str]
    definition: Mapping[str, str] = field(default_factory=dict)
    when_to_use: Mapping[str, str] = field(default_factory=dict)
    when_not_to_use: Mapping[str, str] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    paraphrases: tuple[Paraphrase, ...] = ()
    rules: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parent: str | None = None
    color: str | None = None
    codebook: str = ""
    groups: tuple[str, ...] = ()
    line: int | None = None
    rule_lines: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # a code is immutable: its mappings are copied, so that a dict the caller goes on
        # editing cannot change a codebook (or what was compiled from it) behind its back
        for name in ("label", "definition", "when_to_use", "when_not_to_use", "rules"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise CodebookError(f"{name} must be a mapping of language to text, e.g. {{'en': ...}}, "
                                    f"not {type(value).__name__}", code=self.id)
        for name in ("label", "definition", "when_to_use", "when_not_to_use"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "rules", MappingProxyType({k: tuple(v) for k, v in self.rules.items()}))
        object.__setattr__(self, "rule_lines", MappingProxyType({k: tuple(v) for k, v in self.rule_lines.items()}))
        object.__setattr__(self, "examples", tuple(self.examples))
        object.__setattr__(self, "paraphrases", tuple(self.paraphrases))
        object.__setattr__(self, "groups", tuple(self.groups))

    def label_for(self, lang: str = "en") -> str:
        """The label in ``lang``, falling back to English, then to the id.

        Example
        -------
        >>> Code(id="x", label={"en": "X"}).label_for("ja")
        'X'
        """
        return self.label.get(lang) or self.label.get("en") or self.id


class Codebook:
    """An ordered, immutable collection of codes with a parent/child hierarchy.

    Build one with :func:`load_codebook` / :func:`load_codebooks`, or from :class:`Code` records.

    Example
    -------
    >>> cb = Codebook("demo", [Code(id="a", label={"en": "A"}),
    ...                        Code(id="a.b", label={"en": "A-B"}, parent="a")])
    >>> list(cb)
    ['a', 'a.b']
    >>> cb.children("a")
    ['a.b']
    >>> cb.to_frame()[["code", "parent", "label_en", "depth"]]
      code parent label_en  depth
    0    a   <NA>        A      0
    1  a.b      a      A-B      1
    """

    def __init__(
        self,
        id: str,
        codes: Iterable[Code],
        *,
        version: str = "",
        title: Mapping[str, str] | None = None,
        source: str = "",
        description: Mapping[str, str] | None = None,
        languages: Sequence[str] = ("en", "ja"),
        path: str | os.PathLike | None = None,
        parts: Sequence[Codebook] = (),
    ) -> None:
        self.id = id
        self.version = version
        self.title = MappingProxyType(dict(title or {}))
        self.source = source
        self.description = MappingProxyType(dict(description or {}))
        self.languages = tuple(languages)
        self.path = None if path is None else Path(path)
        self.parts = tuple(parts)
        codes = tuple(codes)
        by_id: dict[str, Code] = {}
        for code in codes:
            if code.id in by_id:
                raise CodebookError("duplicate code id", path=self.path, line=code.line, code=code.id)
            by_id[code.id] = code
        for code in codes:
            if code.parent is not None and code.parent not in by_id:
                raise CodebookError(f"parent {code.parent!r} is not a code of this codebook",
                                    path=self.path, line=code.line, code=code.id)
        self._codes = codes
        self._by_id = MappingProxyType(by_id)

    # -- mapping-like access -------------------------------------------------------------
    def __getitem__(self, code_id: str) -> Code:
        try:
            return self._by_id[code_id]
        except KeyError:
            raise KeyError(f"no code {code_id!r} in codebook {self.id!r}") from None

    def __contains__(self, code_id: object) -> bool:
        return code_id in self._by_id

    def __iter__(self) -> Iterator[str]:
        return iter(c.id for c in self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def __repr__(self) -> str:
        return f"<Codebook {self.id!r} v{self.version or '?'}: {len(self)} codes>"

    @property
    def codes(self) -> tuple[Code, ...]:
        """The codes, in file order."""
        return self._codes

    @property
    def ids(self) -> list[str]:
        """The code ids, in file order."""
        return [c.id for c in self._codes]

    # -- hierarchy -----------------------------------------------------------------------
    def parent(self, code_id: str) -> str | None:
        """The parent id of a code (``None`` for a top-level code)."""
        return self[code_id].parent

    def children(self, code_id: str) -> list[str]:
        """The direct children of a code, in file order."""
        self[code_id]
        return [c.id for c in self._codes if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent, ... of a code (nearest first).

        Example
        -------
        >>> cb = Codebook("d", [Code(id="a", label={}), Code(id="a.b", label={}, parent="a"),
        ...                     Code(id="a.b.c", label={}, parent="a.b")])
        >>> cb.ancestors("a.b.c")
        ['a.b', 'a']
        """
        out, seen = [], {code_id}
        parent = self[code_id].parent
        while parent is not None:
            if parent in seen:
                raise CodebookError(f"the parents form a cycle through {parent!r}",
                                    path=self.path, code=code_id)
            out.append(parent)
            seen.add(parent)
            parent = self[parent].parent
        return out

    def descendants(self, code_id: str) -> list[str]:
        """Children, grandchildren, ... of a code, in file order."""
        self[code_id]
        return [c.id for c in self._codes if code_id in self.ancestors(c.id)]

    def root(self, code_id: str) -> str:
        """The top-level ancestor of a code (the code itself when it has no parent)."""
        anc = self.ancestors(code_id)
        return anc[-1] if anc else code_id

    def depth(self, code_id: str) -> int:
        """0 for a top-level code, 1 for its children, ... (remembered: a deep tree stays fast)."""
        known = self.__dict__.setdefault("_depths", {})
        got = known.get(code_id)
        if got is None:
            chain, seen = [code_id], {code_id}
            parent = self[code_id].parent
            while parent is not None and parent not in known:  # up to the first code whose depth is known
                if parent in seen:
                    raise CodebookError(f"the parents form a cycle through {parent!r}", path=self.path, code=code_id)
                chain.append(parent)
                seen.add(parent)
                parent = self[parent].parent
            d = -1 if parent is None else known[parent]
            for cid in reversed(chain):
                d += 1
                known[cid] = d
            got = known[code_id]
        return got

    def label(self, code_id: str, lang: str = "en") -> str:
        """The label of a code in ``lang`` (English, then the id, when missing)."""
        return self[code_id].label_for(lang)

    def codebook_of(self, code_id: str) -> str:
        """Id of the codebook file a code came from (useful after :func:`load_codebooks`)."""
        return self[code_id].codebook

    # -- tables --------------------------------------------------------------------------
    def to_frame(self):
        """One row per code: id, codebook, parent, depth, labels, definitions, n_rules.

        Example
        -------
        >>> from hsqual.resources import bundled_codebooks
        >>> df = load_codebooks(bundled_codebooks()).to_frame()
        >>> {"code", "label_en", "label_ja", "definition_en", "n_rules_ja"} <= set(df.columns)
        True
        """
        import pandas as pd

        rows = []
        for c in self._codes:
            row: dict[str, Any] = {
                "code": c.id,
                "codebook": c.codebook or self.id,
                "parent": c.parent,
                "depth": self.depth(c.id),
            }
            for lang in self.languages:
                row[f"label_{lang}"] = c.label.get(lang, "")
            for fld in _TEXT_FIELDS:
                for lang in self.languages:
                    row[f"{fld}_{lang}"] = getattr(c, fld).get(lang, "")
            row["n_examples"] = len(c.examples)
            for lang in self.languages:
                row[f"n_rules_{lang}"] = len(c.rules.get(lang, ()))
            row["color"] = c.color
            rows.append(row)
        df = pd.DataFrame(rows)
        if "parent" in df:
            df["parent"] = df["parent"].astype("string")
        return df

    def merged_with(self, *others: Codebook) -> Codebook:
        """One codebook holding the codes of this and ``others`` (ids must not clash)."""
        return _merge((self, *others))


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Reader:
    def __init__(self, path: Path | None, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, message: str, node: yaml.Node | None = None, code: str | None = None) -> CodebookError:
        line = col = None
        if node is not None:
            line, col = node.start_mark.line + 1, node.start_mark.column + 1
        return CodebookError(message, path=self.path, line=line, column=col, code=code)

    # -- YAML nodes to Python values, checking types ------------------------------------
    def mapping(self, node: yaml.Node, what: str, code: str | None = None) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(f"{what} must be a mapping (key: value lines)", node, code)
        out: dict[str, yaml.Node] = {}
        keys: dict[str, yaml.Node] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise self.fail(f"{what}: keys must be plain words", knode, code)
            key = knode.value
            if key in out:
                raise self.fail(f"{what}: key {key!r} appears twice (first on line {_line(keys[key])})", knode, code)
            out[key] = vnode
            keys[key] = knode
        out["__keys__"] = keys  # type: ignore[assignment]
        return out

    def check_keys(self, m: dict, allowed: dict[str, bool], what: str, node: yaml.Node, code: str | None = None) -> None:
        keys = m["__keys__"]
        for key, knode in keys.items():
            if key not in allowed:
                raise self.fail(
                    f"unknown key {key!r} in {what}; expected one of: {', '.join(sorted(allowed))}", knode, code
                )
        for key, required in allowed.items():
            if required and key not in keys:
                raise self.fail(f"{what} is missing the required key {key!r}", node, code)

    def scalar(self, node: yaml.Node, what: str, code: str | None = None) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(f"{what} must be text, not a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}", node, code)
        value = node.value
        text = str(value).strip()
        if node.tag == "tag:yaml.org,2002:null" or value is None or text == "":
            raise self.fail(f"{what} is empty", node, code)
        return text

    def per_language(self, node: yaml.Node, what: str, languages: Sequence[str], code: str | None,
                     *, required: Sequence[str]) -> dict[str, str]:
        m = self.mapping(node, f"{what} (a mapping of language to text, e.g. en: ..., ja: ...)", code)
        out = {}
        for lang, knode in m["__keys__"].items():
            if not _LANG.match(lang):
                raise self.fail(f"{what}: {lang!r} is not a language code (expected e.g. en, ja)", knode, code)
            out[lang] = self.scalar(m[lang], f"{what} [{lang}]", code)
        for lang in required:
            if lang not in out:
                raise self.fail(f"{what} has no {lang!r} text (languages of this codebook: {', '.join(languages)})", node, code)
        return out

    # -- the document ---------------------------------------------------------------------
    def read(self) -> Codebook:
        root = compose_yaml(self.text, path=self.path, error=CodebookError)  # no aliases, depth and size bounded
        if root is None:
            raise CodebookError("the file is empty; expected a codebook (id, version, title, source, codes)", path=self.path)
        top = self.mapping(root, "the codebook")
        self.check_keys(top, _TOP_KEYS, "the codebook", root)
        cb_id = self.scalar(top["id"], "id")
        if not _CODEBOOK_ID.match(cb_id):
            raise self.fail(f"codebook id {cb_id!r} must be lower-case letters, digits and _", top["id"])
        languages: list[str] = ["en", "ja"]
        if "languages" in top:
            lnode = top["languages"]
            if not isinstance(lnode, yaml.SequenceNode) or not lnode.value:
                raise self.fail("languages must be a non-empty list such as [en, ja]", lnode)
            languages = [self.scalar(n, "a language") for n in lnode.value]
            for n, lang in zip(lnode.value, languages):
                if not _LANG.match(lang):
                    raise self.fail(f"{lang!r} is not a language code (expected e.g. en, ja)", n)
        version = self.scalar(top["version"], "version")
        title = self.per_language(top["title"], "title", languages, None, required=languages)
        source = self.scalar(top["source"], "source")
        description = (self.per_language(top["description"], "description", languages, None, required=())
                       if "description" in top else {})
        cnode = top["codes"]
        if not isinstance(cnode, yaml.SequenceNode) or not cnode.value:
            raise self.fail("codes must be a non-empty list of codes (each item starting with '- id: ...')", cnode)
        codes: list[Code] = []
        seen: dict[str, int] = {}
        for item in cnode.value:
            code = self.code(item, cb_id, languages)
            if code.id in seen:
                raise self.fail(f"duplicate code id (first defined on line {seen[code.id]})", item, code.id)
            if code.parent is not None:
                if code.parent == code.id:
                    raise self.fail("a code cannot be its own parent", item, code.id)
                if code.parent not in seen:
                    raise self.fail(
                        f"parent {code.parent!r} is not a code defined above it in this codebook"
                        " (define parents before their children)", item, code.id)
            seen[code.id] = _line(item)
            codes.append(code)
        return Codebook(cb_id, codes, version=version, title=title, source=source,
                        description=description, languages=languages, path=self.path)

    def code(self, node: yaml.Node, cb_id: str, languages: Sequence[str]) -> Code:
        m = self.mapping(node, "a code")
        code_id = None
        if "id" in m:
            code_id = self.scalar(m["id"], "id")
            if not _ID.match(code_id):
                raise self.fail(f"code id {code_id!r} must be lower-case words of letters, digits and _"
                                " joined by dots (e.g. freedoms.dignity)", m["id"], code_id)
        self.check_keys(m, _CODE_KEYS, "the code" if code_id is None else "this code", node, code_id)
        assert code_id is not None
        label = self.per_language(m["label"], "label", languages, code_id, required=languages)
        texts = {f: self.per_language(m[f], f, languages, code_id, required=("en",)) for f in _TEXT_FIELDS}
        examples = self.examples(m["examples"], code_id)
        rules, rule_lines = ({}, {})
        if "rules" in m:
            rules, rule_lines = self.rules(m["rules"], code_id)
        parent = self.scalar(m["parent"], "parent", code_id) if "parent" in m else None
        color = None
        if "color" in m:
            color = self.scalar(m["color"], "color", code_id)
            if not _COLOR.match(color):
                raise self.fail(f"color {color!r} must be #RRGGBB", m["color"], code_id)
        groups: tuple[str, ...] = ()
        if "groups" in m:
            gnode = m["groups"]
            items = gnode.value if isinstance(gnode, yaml.SequenceNode) else [gnode]
            groups = tuple(self.scalar(n, "a group", code_id) for n in items)
        return Code(id=code_id, label=label, examples=examples, rules=rules, parent=parent, color=color,
                    codebook=cb_id, groups=groups, line=_line(node), rule_lines=rule_lines,
                    definition=texts["definition"], when_to_use=texts["when_to_use"],
                    when_not_to_use=texts["when_not_to_use"])  # made read-only by Code

    def examples(self, node: yaml.Node, code_id: str) -> tuple[Example, ...]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail("examples must be a non-empty list of {quote: ..., source: ...}", node, code_id)
        out = []
        for item in node.value:
            m = self.mapping(item, "an example", code_id)
            self.check_keys(m, {"quote": True, "source": True}, "an example", item, code_id)
            out.append(Example(self.scalar(m["quote"], "example quote", code_id),
                               self.scalar(m["source"], "example source", code_id)))
        return tuple(out)

    def rules(self, node: yaml.Node, code_id: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[int, ...]]]:
        m = self.mapping(node, "rules (a mapping of language to a list of rules)", code_id)
        rules, lines = {}, {}
        for lang, knode in m["__keys__"].items():
            if not _LANG.match(lang):
                raise self.fail(f"rules: {lang!r} is not a language code (expected e.g. en, ja)", knode, code_id)
            vnode = m[lang]
            items = vnode.value if isinstance(vnode, yaml.SequenceNode) else [vnode]
            texts = tuple(self.scalar(n, f"a rule [{lang}]", code_id) for n in items)
            rules[lang] = texts
            lines[lang] = tuple(_line(n) for n in items)
        return rules, lines


@validate_params()
def parse_codebook(text: str, *, path: str | os.PathLike | None = None, check_rules: bool = True) -> Codebook:
    """Read a codebook from YAML text (``path`` is only used in messages).

    Example
    -------
    >>> parse_codebook("id: demo\\nversion: '1'\\ntitle: {en: Demo}\\nsource: none\\n"
    ...                "languages: [en]\\ncodes:\\n  - id: a\\n    lable: {en: A}\\n",
    ...                path="demo.yaml")
    Traceback (most recent call last):
    ...
    hsqual.errors.CodebookError: demo.yaml:8:5: code 'a': unknown key 'lable' in this code; expected one of: ...
    """
    with collection_paused():  # a large codebook is a large tree without cycles
        cb = _Reader(None if path is None else Path(path), text).read()
        if check_rules:
            _check_rules(cb)
    return cb


@validate_params()
def load_codebook(path: str | os.PathLike, *, check_rules: bool = True) -> Codebook:
    """Read one codebook file.

    Parameters
    ----------
    path : str or PathLike
        A YAML codebook. Its paraphrases, when the file ``paraphrases/<name>.tsv`` beside it
        exists, are read into the codes (:mod:`hsqual.paraphrases`).
    check_rules : bool, keyword-only
        Parse every coding rule now, so a syntax error is reported with the file, line and code
        (default ``True``).

    Example
    -------
    >>> from hsqual.resources import bundled_path
    >>> cb = load_codebook(bundled_path("codebooks") / "protection_empowerment.yaml")
    >>> cb.id, "protection.national_framework" in cb
    ('protection_empowerment', True)
    >>> themes = load_codebook(bundled_path("codebooks") / "kurusu2015_themes.yaml")
    >>> themes["understanding.government_policy"].paraphrases[0].language
    'en'
    """
    p = Path(path)
    from .textio import read_text

    try:
        text = read_text(p)
    except Exception as exc:
        raise CodebookError(getattr(exc, "message", str(exc)), path=p) from None
    cb = parse_codebook(text, path=p, check_rules=check_rules)
    return _with_paraphrases(cb, p)


def _with_paraphrases(cb: Codebook, path: Path) -> Codebook:
    """The codebook with the paraphrases of its file (when it has a paraphrase file)."""
    from .paraphrases import paraphrases_path, read_paraphrases

    tsv = paraphrases_path(path)
    if not tsv.is_file():
        return cb
    found = read_paraphrases(tsv, codes=set(cb.ids), languages=cb.languages)
    import dataclasses

    codes = [dataclasses.replace(c, paraphrases=found[c.id]) if c.id in found else c for c in cb.codes]
    return Codebook(cb.id, codes, version=cb.version, title=cb.title, source=cb.source, description=cb.description,
                    languages=cb.languages, path=cb.path, parts=cb.parts)


@validate_params()
def load_codebooks(paths: Iterable[str | os.PathLike] | str | os.PathLike, *, check_rules: bool = True) -> Codebook:
    """Read several codebooks and return them as one (code ids must be distinct).

    A folder stands for every ``*.yaml`` file in it.

    Example
    -------
    >>> from hsqual.resources import bundled_path
    >>> cb = load_codebooks(bundled_path("codebooks"))
    >>> cb.codebook_of("risk.interstate"), cb.codebook_of("freedoms.fear")
    ('kurusu2015_themes', 'three_freedoms')
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    if not files:
        raise CodebookError("no codebook files given (a folder must hold *.yaml files)")
    books = [load_codebook(f, check_rules=check_rules) for f in files]
    return books[0] if len(books) == 1 else _merge(books)


def _merge(books: Sequence[Codebook]) -> Codebook:
    owner: dict[str, Codebook] = {}
    codes: list[Code] = []
    for book in books:
        for code in book.codes:
            if code.id in owner:
                first = owner[code.id]
                raise CodebookError(
                    f"code id also defined in {first.path or first.id}; ids must be unique across codebooks loaded together",
                    path=book.path, line=code.line, code=code.id)
            owner[code.id] = book
            codes.append(code)
    langs: list[str] = []
    for b in books:
        langs.extend(lang for lang in b.languages if lang not in langs)
    return Codebook(
        "+".join(b.id for b in books), codes,
        version="+".join(b.version for b in books),
        title={lang: " + ".join(b.title.get(lang, b.id) for b in books) for lang in langs},
        source="; ".join(dict.fromkeys(b.source for b in books)),
        languages=langs, parts=books,
    )


def _check_rules(cb: Codebook) -> None:
    """Parse every rule so that a syntax error names the file, line and code."""
    from .rules import check_codebook_rules

    check_codebook_rules(cb)
