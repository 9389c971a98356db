"""Parsed rules and codebooks: :class:`Rule`, :func:`parse_rule`, the order of ``code:`` references.

Example
-------
>>> parse_rule("恐怖 AND 暴力", language="ja").match("暴力の恐怖")
[(0, 2), (3, 5)]
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as _dc_field
from typing import Any

import numpy as np

from ..errors import ArgumentError, RuleSyntaxError
from ..params import validate_params
from .index import DocIndex
from .match import UnitSet, evidence
from .syntax import LANGUAGES, CodeRef, Node, caret_error, parse_tree

__all__ = ["Rule", "parse_rule", "check_codebook_rules", "code_order", "parse_codebook_rules", "dependency_order"]


# =========================================================================================
# Rules
# =========================================================================================


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its syntax tree, ready to match units of text.

    Build one with :func:`parse_rule`. ``str(rule)`` is the rule in canonical form;
    ``rule.text`` is the rule as written.

    Example
    -------
    >>> r = parse_rule("NEAR((fear|threat*), violen*, 5) AND NOT meta:sector=government", language="en")
    >>> str(r)
    'NEAR((fear | threat*), violen*, 5) AND NOT meta:sector=government'
    >>> r.match("They live in fear of violence.", meta={"sector": "NGO"})
    [(13, 17), (21, 29)]
    """

    text: str
    root: Node
    language: str
    code: str | None = _dc_field(default=None, compare=False)
    path: str | None = _dc_field(default=None, compare=False, repr=False)
    line: int | None = _dc_field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return str(self.root)

    @property
    def code_refs(self) -> list[str]:
        """Ids of the codes this rule refers to with ``code:``."""
        return list(dict.fromkeys(r.code for r in self.root.code_refs()))

    def match(self, text: str, *, meta: Mapping[str, Any] | None = None, speaker: str | None = None,
              codes: Mapping[str, Iterable[tuple[int, int]]] | Iterable[str] | None = None) -> list[tuple[int, int]] | None:
        """Match the rule against one unit of text.

        Parameters
        ----------
        text : str
            The unit (a sentence, a turn, a document).
        meta : mapping, optional
            Document metadata for ``meta:`` terms.
        speaker : str, optional
            The unit's speaker for ``meta:speaker=``.
        codes : mapping or iterable, optional
            Codes already applied to the unit for ``code:`` terms: ids, or ids mapped to their
            evidence spans.

        Returns
        -------
        list of (start, end) or None
            ``None`` when the rule does not match; otherwise the evidence, the character spans
            of the words that made it match, sorted (empty when only ``NOT``, ``meta:`` or
            ``code:`` terms matched).

        Example
        -------
        >>> parse_rule("守る", language="ja").match("人権が守られる社会")
        [(3, 5)]
        >>> parse_rule("code:freedoms.fear AND 暴力", language="ja").match("暴力の恐怖", codes=["freedoms.fear"])
        [(0, 2)]
        """
        if not isinstance(text, str):
            raise ArgumentError(f"Rule.match: text must be a string, not {type(text).__name__}")
        index = DocIndex(text, self.language)
        units = UnitSet(index, [0], [len(text)], meta=meta or {}, speakers=[speaker])
        if codes is not None:
            spans = codes.items() if isinstance(codes, Mapping) else ((c, ()) for c in codes)
            for code_id, sp in spans:
                units.set_code(code_id, np.array([True]), {0: sorted(tuple(s) for s in sp)})
        return evidence(self.root, units, 0)


@validate_params(choices={"language": LANGUAGES})
def parse_rule(text: str, *, language: str, code: str | None = None, path: str | os.PathLike[str] | None = None,
               line: int | None = None) -> Rule:
    """Parse one coding rule.

    Parameters
    ----------
    text : str
        The rule, e.g. ``'NEAR(fear, violen*, 5)'`` or ``'人間の安全保障 AND 尊厳'``.
    language : {"en", "ja"}, keyword-only
        The language of the texts the rule is for (how words are tokenised and matched).
    code, path, line : optional, keyword-only
        The code id, the codebook file and its line, for error messages.

    Returns
    -------
    Rule

    Raises
    ------
    RuleSyntaxError
        With the file, line and code, the rule, and a caret under the offending position.
    OptionError
        A rule that is not a string, or a language other than ``"en"`` and ``"ja"``.

    Example
    -------
    >>> str(parse_rule("恐怖&!暴力|欠乏>=2", language="ja"))
    '恐怖 AND NOT 暴力 OR 欠乏 >= 2'
    >>> parse_rule("(fear OR want", language="en")
    Traceback (most recent call last):
    ...
    hsqual.errors.RuleSyntaxError: rule syntax error: expected ')' to close the '(' at column 1
      (fear OR want
                   ^
    """
    return _parse(text, language, code, path, line)


def _parse(text, language: str, code: str | None, path, line: int | None) -> Rule:
    """:func:`parse_rule` for a codebook's rules: a rule that is not a string or a language
    hsqual cannot tokenise is a :class:`RuleSyntaxError` naming the codebook's file and line."""
    if not isinstance(text, str):
        raise RuleSyntaxError(f"the rule must be a string, not {type(text).__name__}", path=path, line=line, code=code)
    if language not in LANGUAGES:
        raise RuleSyntaxError(f"rules for language {language!r} cannot be tokenised; supported: {', '.join(LANGUAGES)}",
                              path=path, line=line, code=code)
    root = parse_tree(text, language, code=code, path=None if path is None else str(path), line=line)
    return Rule(text, root, language, code, None if path is None else str(path), line)


def _codebook_path(codebook, code_id: str):
    for part in getattr(codebook, "parts", ()) or ():
        if code_id in part:
            return part.path
    return codebook.path


_PARSED: dict[tuple, Rule] = {}


def _parse_cached(text, language: str, code: str, path, line) -> Rule:
    """:func:`parse_rule`, remembered (a Rule is immutable): a codebook is parsed on every call
    of ``apply_codebook``. Rules that fail to parse are not remembered."""
    key = (text, language, code, None if path is None else str(path), line)
    try:
        got = _PARSED.get(key)
    except TypeError:  # an unhashable rule: parse_rule reports it
        return _parse(text, language, code, path, line)
    if got is None:
        got = _parse(text, language, code, path, line)
        if len(_PARSED) > 20_000:
            _PARSED.clear()
        _PARSED[key] = got
    return got


def parse_codebook_rules(codebook) -> dict[str, dict[str, list[Rule]]]:
    """Every rule of every code, parsed: ``{code_id: {lang: [Rule, ...]}}``.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="a", label={"en": "A"}, rules={"en": ("fear", "want|need")})])
    >>> [str(r) for r in parse_codebook_rules(cb)["a"]["en"]]
    ['fear', 'want OR need']
    """
    out: dict[str, dict[str, list[Rule]]] = {}
    for c in codebook.codes:
        path = _codebook_path(codebook, c.id)
        per_lang = {}
        for lang, texts in c.rules.items():
            lines = tuple(c.rule_lines.get(lang, ())) if c.rule_lines else ()
            per_lang[lang] = [
                _parse_cached(t, lang, c.id, path, lines[i] if i < len(lines) else c.line)
                for i, t in enumerate(texts)
            ]
        out[c.id] = per_lang
    return out


def _ref_error(rule: Rule, ref: CodeRef, message: str) -> RuleSyntaxError:
    return caret_error(message, rule.text, ref.offset, code=rule.code, path=rule.path, line=rule.line)


def dependency_order(codebook, parsed: dict[str, dict[str, list[Rule]]]) -> list[str]:
    """Code ids in an order where every ``code:`` reference comes before its user.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="both", label={}, rules={"en": ("code:fear AND code:want",)}),
    ...                        Code(id="fear", label={}, rules={"en": ("fear",)}),
    ...                        Code(id="want", label={}, rules={"en": ("want",)})])
    >>> dependency_order(cb, parse_codebook_rules(cb))
    ['fear', 'want', 'both']
    """
    ids = list(codebook.ids)
    known = set(ids)
    deps: dict[str, list[tuple[str, Rule, CodeRef]]] = {}
    for cid in ids:
        deps[cid] = []
        for rules in parsed[cid].values():
            for rule in rules:
                for ref in rule.root.code_refs():
                    if ref.code not in known:
                        close = difflib.get_close_matches(ref.code, ids, n=1)
                        hint = f" (did you mean {close[0]}?)" if close else ""
                        raise _ref_error(rule, ref, f"unknown code {ref.code!r} in code:{ref.code}{hint}; "
                                                    "code: refers to a code of the same codebook")
                    deps[cid].append((ref.code, rule, ref))
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    for start in ids:  # depth-first, with a stack of its own: a chain of references may be long
        if state.get(start) is not None:
            continue
        state[start] = 1
        path = [start]
        stack = [iter(deps[start])]
        while stack:
            for dep, rule, ref in stack[-1]:
                if state.get(dep) == 1:
                    cycle = path[path.index(dep):] + [dep]
                    cycle = list(dict.fromkeys(cycle[:-1])) + [dep]
                    raise _ref_error(rule, ref, "code references form a cycle: " + " → ".join(cycle)
                                     + "; a code cannot depend on itself through code:")
                if state.get(dep) is None:
                    state[dep] = 1
                    path.append(dep)
                    stack.append(iter(deps[dep]))
                    break
            else:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
    return order


def check_codebook_rules(codebook) -> None:
    """Parse every rule of every code, and check ``code:`` references.

    Raises :class:`~hsqual.errors.RuleSyntaxError` for the first rule that does not parse,
    refers to an unknown code or closes a cycle of references, naming the codebook file (for
    a merged codebook, the file the code comes from), the rule's line and the code.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="a", label={"en": "A"}, rules={"en": ("code:b",)}),
    ...                        Code(id="b", label={"en": "B"}, rules={"en": ("fear AND code:a",)})],
    ...               path="codebooks/demo.yaml")
    >>> check_codebook_rules(cb)
    Traceback (most recent call last):
    ...
    hsqual.errors.RuleSyntaxError: codebooks/demo.yaml: code 'b': rule syntax error: code references form a cycle: a → b → a; ...
      fear AND code:a
               ^
    """
    dependency_order(codebook, parse_codebook_rules(codebook))


def code_order(codebook) -> list[str]:
    """The codebook's code ids, each after every code its rules refer to with ``code:``.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="both", label={}, rules={"en": ("code:fear AND code:want",)}),
    ...                        Code(id="fear", label={}, rules={"en": ("fear",)}),
    ...                        Code(id="want", label={}, rules={"en": ("want",)})])
    >>> code_order(cb)
    ['fear', 'want', 'both']
    """
    return dependency_order(codebook, parse_codebook_rules(codebook))
