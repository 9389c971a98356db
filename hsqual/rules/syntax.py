"""The rule language's syntax: the lexer, the parser, the syntax tree and caret messages.

:func:`hsqual.rules.parse_rule` turns a rule into a tree of the node classes here; the
matcher (:mod:`hsqual.rules.match`) evaluates the tree over token indexes
(:mod:`hsqual.rules.index`). This module holds no matching and tokenises nothing except
``/regex/`` patterns, which it compiles to check them.

Example
-------
>>> from hsqual.rules import parse_rule
>>> node = parse_rule("fear AND NOT want", language="en").root
>>> type(node).__name__, [type(n).__name__ for n in node.items]
('And', ['Term', 'Not'])
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as _dc_field
from typing import Any

from ..errors import RuleSyntaxError
from ..patterns import PatternError, compile_regex

__all__ = [
    "LANGUAGES", "MAX_DEPTH", "Node", "Term", "Regex", "CodeRef", "Meta", "Count", "Near", "Not", "And", "Or",
    "parse_tree", "caret_error", "compile_rule_regex",
]

#: Languages the rule language can tokenise.
LANGUAGES = ("en", "ja")
#: How deep parentheses (and NOTs) may nest in one rule.
MAX_DEPTH = 32

_FIELDS = ("lemma", "base", "surface", "code", "meta")
_CODE_ID = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")


# =========================================================================================
# The syntax tree
# =========================================================================================


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Node:
    """Base of the syntax-tree nodes.

    Example
    -------
    >>> isinstance(parse_tree("fear", "en"), Node)
    True
    """

    prec = 4  # binding strength when printed: Or 1, And 2, Not 3, atoms 4

    def code_refs(self) -> list[CodeRef]:
        return [n for n in self.nodes() if isinstance(n, CodeRef)]

    def nodes(self) -> tuple[Node, ...]:
        """The node and every node below it, in :meth:`walk` order; worked out once (nodes
        are frozen), since every call to code a corpus looks through them.

        Example
        -------
        >>> [type(n).__name__ for n in parse_tree("fear AND NOT want", "en").nodes()]
        ['And', 'Term', 'Not', 'Term']
        """
        got = self.__dict__.get("_nodes")
        if got is None:
            got = tuple(self.walk())
            object.__setattr__(self, "_nodes", got)
        return got

    def walk(self):
        yield self


@dataclass(frozen=True)
class Term(Node):
    """A word, a glob, a quoted phrase or one field of a token.

    ``text`` is the word as written (without ``*``, field and filter); ``field`` is ``word``
    (lemma or base form), ``lemma``, ``base`` or ``surface``; ``prefix`` means ``text*``,
    ``suffix`` means ``*text``; ``quoted`` marks a quoted phrase.

    Example
    -------
    >>> t = parse_tree("violen*", "en")
    >>> t.text, t.field, t.prefix
    ('violen', 'word', True)
    """

    text: str
    field: str = "word"
    prefix: bool = False
    suffix: bool = False
    pos: str | None = None
    quoted: bool = False
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __hash__(self) -> int:  # terms key every lookup cache: hash once
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.text, self.field, self.prefix, self.suffix, self.pos, self.quoted))
            object.__setattr__(self, "_hash", h)
        return h

    def __str__(self) -> str:
        head = "" if self.field == "word" else f"{self.field}:"
        if self.quoted:
            body = _quote(self.text)
        else:
            body = ("*" if self.suffix else "") + self.text + ("*" if self.prefix else "")
        return head + body + (f"[pos={self.pos}]" if self.pos else "")


@dataclass(frozen=True)
class Regex(Node):
    """``/pattern/flags`` over the unit's NFKC-normalised text.

    Example
    -------
    >>> parse_tree("/ab+c/i", "en").flags
    'i'
    """

    pattern: str
    flags: str = ""
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return f"/{self.pattern}/{self.flags}"

    @property
    def compiled(self):
        """The pattern compiled for RE2 (see :mod:`hsqual.patterns`)."""
        return compile_rule_regex(self.pattern, self.flags)


@dataclass(frozen=True)
class CodeRef(Node):
    """``code:ID``: another code applied to the same unit.

    Example
    -------
    >>> parse_tree("code:freedoms.fear", "en").code
    'freedoms.fear'
    """

    code: str
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return f"code:{self.code}"


@dataclass(frozen=True)
class Meta(Node):
    """``meta:COLUMN=VALUE`` on the document's metadata (``speaker``: the segment's speaker).

    Example
    -------
    >>> m = parse_tree("meta:sector=NGO", "en")
    >>> m.column, m.value
    ('sector', 'NGO')
    """

    column: str
    value: str
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        value = self.value
        if not value or any(c.isspace() or c in '()[],&|!"<>=*/' for c in value):
            value = _quote(value)
        return f"meta:{self.column}={value}"


@dataclass(frozen=True)
class Count(Node):
    """``term >= n`` / ``term > n`` / ``term == n``: occurrences of a term in the unit.

    Example
    -------
    >>> c = parse_tree("fear >= 2", "en")
    >>> c.op, c.n, str(c.term)
    ('>=', 2, 'fear')
    """

    term: Term | Regex
    op: str
    n: int

    def walk(self):
        yield self
        yield self.term

    def __str__(self) -> str:
        return f"{self.term} {self.op} {self.n}"


@dataclass(frozen=True)
class Near(Node):
    """``NEAR(a, b, n)`` (either order) or ``SEQ(a, b, n)`` (a first), optionally in one sentence.

    Example
    -------
    >>> n = parse_tree("SEQ(fear, (want | need), 3, sentence)", "en")
    >>> n.kind, len(n.b), n.n, n.sentence
    ('SEQ', 2, 3, True)
    """

    kind: str  # "NEAR" or "SEQ"
    a: tuple[Term, ...]
    b: tuple[Term, ...]
    n: int
    sentence: bool = False

    def walk(self):
        yield self
        yield from self.a
        yield from self.b

    def __str__(self) -> str:
        def group(g):
            return str(g[0]) if len(g) == 1 else "(" + " | ".join(map(str, g)) + ")"

        tail = ", sentence" if self.sentence else ""
        return f"{self.kind}({group(self.a)}, {group(self.b)}, {self.n}{tail})"


@dataclass(frozen=True)
class Not(Node):
    """``NOT x``: the unit does not match ``x`` (no evidence).

    Example
    -------
    >>> str(parse_tree("!fear", "en"))
    'NOT fear'
    """

    item: Node
    prec = 3

    def walk(self):
        yield self
        yield from self.item.walk()

    def __str__(self) -> str:
        inner = str(self.item)
        return f"NOT ({inner})" if self.item.prec < 3 else f"NOT {inner}"


@dataclass(frozen=True)
class And(Node):
    """All items match; the evidence is every item's evidence.

    Example
    -------
    >>> len(parse_tree("a AND b & c", "en").items)
    3
    """

    items: tuple[Node, ...]
    prec = 2

    def walk(self):
        yield self
        for i in self.items:
            yield from i.walk()

    def __str__(self) -> str:
        return " AND ".join(f"({i})" if i.prec <= 2 else str(i) for i in self.items)


@dataclass(frozen=True)
class Or(Node):
    """Any item matches; the evidence is the evidence of every item that matches.

    Example
    -------
    >>> len(parse_tree("a OR b | c", "en").items)
    3
    """

    items: tuple[Node, ...]
    prec = 1

    def walk(self):
        yield self
        for i in self.items:
            yield from i.walk()

    def __str__(self) -> str:
        return " OR ".join(f"({i})" if i.prec <= 1 else str(i) for i in self.items)


# =========================================================================================
# Lexer
# =========================================================================================

# Full-width ASCII and the ideographic space are read as their ASCII forms for the syntax
# (one character for one, so caret positions stay right); words keep what was written.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SPECIAL = set('()[],&|!"<>=')
_OPWORDS = {"and": "AND", "or": "OR", "not": "NOT"}
_EMBEDDED_OP = re.compile(r"(?<![A-Za-z0-9])(and|or|not)(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass
class _Tok:
    kind: str  # LP RP COMMA LB RB AND OR NOT CMP EQ WORD FIELD PHRASE REGEX FUNC EOF
    value: Any
    start: int
    end: int

    def describe(self) -> str:
        if self.kind == "EOF":
            return "the end of the rule"
        if self.kind in ("WORD", "FIELD", "PHRASE", "REGEX"):
            return repr(self.value if self.kind == "WORD" else self.value[0] if self.kind == "FIELD" else str(self.value))
        return f"'{self.value}'"


class _Syntax(Exception):
    """An internal parse failure: a message and an offset into the rule text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _lex(src: str) -> list[_Tok]:
    s = src.translate(_FULLWIDTH)
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c in "()[],":
            kind = {"(": "LP", ")": "RP", "[": "LB", "]": "RB", ",": "COMMA"}[c]
            toks.append(_Tok(kind, c, i, i + 1))
            i += 1
        elif c in "&|":
            j = i + 2 if s.startswith(c * 2, i) else i + 1
            toks.append(_Tok("AND" if c == "&" else "OR", s[i:j], i, j))
            i = j
        elif c == "!":
            if s.startswith("!=", i):
                raise _Syntax("'!=' is not a comparison; a count takes >=, > or == (to exclude a word, write NOT word)", i)
            toks.append(_Tok("NOT", "!", i, i + 1))
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(src[j])
                j += 1
            if j >= n:
                raise _Syntax("unterminated phrase: no closing '\"'", i)
            toks.append(_Tok("PHRASE", "".join(buf), i, j + 1))
            i = j + 1
        elif c == "/":
            j = i + 1
            while j < n and s[j] != "/":
                j += 2 if s[j] == "\\" else 1
            if j >= n:
                raise _Syntax("unterminated regular expression: no closing '/'", i)
            k = j + 1
            while k < n and s[k].isascii() and s[k].isalpha():
                k += 1
            flags = s[j + 1 : k]
            bad = sorted(set(flags) - {"i"})
            if bad:
                raise _Syntax(f"unknown regular-expression flag {bad[0]!r}; the only flag is 'i' (ignore case)", j + 1)
            toks.append(_Tok("REGEX", (src[i + 1 : j], flags), i, k))
            i = k
        elif c in "<>=":
            two = s[i : i + 2]
            if two in (">=", "=="):
                toks.append(_Tok("CMP", two, i, i + 2))
                i += 2
            elif two in ("<=", "=>", "=<") or c == "<":
                raise _Syntax(f"unknown comparison {two if two in ('<=', '=>', '=<') else '<'!r}; a count takes "
                              ">=, > or == (e.g. fear >= 2; for 'fewer than', use NOT: NOT fear >= 3)", i)
            elif c == ">":
                toks.append(_Tok("CMP", ">", i, i + 1))
                i += 1
            else:
                toks.append(_Tok("EQ", "=", i, i + 1))
                i += 1
        else:
            j = i
            while j < n and not s[j].isspace() and s[j] not in _SPECIAL:
                j += 1
            toks.extend(_word_tokens(src, s, i, j))
            i = j
    toks.append(_Tok("EOF", "", n, n))
    return toks


def _word_tokens(src: str, s: str, i: int, j: int) -> list[_Tok]:
    """Classify the run ``s[i:j]``: operator, NEAR/SEQ, field or plain word."""
    word = s[i:j]
    low = word.lower()
    if low in _OPWORDS:
        return [_Tok(_OPWORDS[low], word, i, j)]
    if low in ("near", "seq"):
        k = j
        while k < len(s) and s[k].isspace():
            k += 1
        if k < len(s) and s[k] == "(":
            return [_Tok("FUNC", low.upper(), i, j)]
    m = re.match(r"([A-Za-z]+):", word)
    if m:
        name = m.group(1).lower()
        if name not in _FIELDS:
            close = difflib.get_close_matches(name, _FIELDS, n=1)
            hint = f" (did you mean {close[0]}:?)" if close else ""
            raise _Syntax(f"unknown field '{m.group(1)}:'{hint}; expected lemma:, base:, surface:, code: or meta:", i)
        return [_Tok("FIELD", (name, src[i + m.end() : j]), i, j)]
    # AND/OR/NOT written against Japanese (or other non-Latin) text: 保護AND情報
    if not word.isascii():
        out, last = [], i
        for em in _EMBEDDED_OP.finditer(word):
            a, b = i + em.start(), i + em.end()
            before = s[a - 1] if a > i else ""
            after = s[b] if b < j else ""
            if (before and before.isascii()) or (after and after.isascii()):
                continue
            if a > last:
                out.append(_Tok("WORD", src[last:a], last, a))
            out.append(_Tok(_OPWORDS[em.group(1).lower()], em.group(1), a, b))
            last = b
        if out:
            if last < j:
                out.append(_Tok("WORD", src[last:j], last, j))
            return out
    return [_Tok("WORD", src[i:j], i, j)]


# =========================================================================================
# Parser (recursive descent)
# =========================================================================================

_TERM_START = ("WORD", "FIELD", "PHRASE", "REGEX")


class _Parser:
    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language
        self.toks = _lex(text)
        self.i = 0
        self.depth = 0  # parentheses and NOTs open around the current position

    def enter(self, tok: _Tok, what: str) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Syntax(f"{what} nest {self.depth} deep here, more than the limit of {MAX_DEPTH}; "
                          "write the rule flatter (a OR b OR c needs no parentheses)", tok.start)

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: _Tok | None = None):
        raise _Syntax(message, (tok or self.tok).start)

    def parse(self) -> Node:
        if self.tok.kind == "EOF":
            self.fail("the rule is empty; expected a word, a \"phrase\", /regex/, code:, meta: or NEAR(...)")
        node = self.or_()
        if self.tok.kind != "EOF":
            self.unexpected_after_expression()
        return node

    def unexpected_after_expression(self):
        t = self.tok
        if t.kind == "RP":
            self.fail("unexpected ')': no '(' to close")
        if t.kind in _TERM_START or t.kind in ("LP", "FUNC"):
            self.fail(f"expected AND, OR or the end of the rule before {t.describe()}; two terms side by side need an "
                      "operator between them (to match words in a row, quote them as a phrase: \"freedom from fear\")")
        if t.kind == "NOT":
            self.fail("expected AND or OR before NOT (write: a AND NOT b)")
        if t.kind == "CMP":
            self.fail(f"a count ({t.value}) follows a single word, phrase or /regex/, e.g. fear >= 2")
        if t.kind == "COMMA":
            self.fail("unexpected ',' outside NEAR( ) or SEQ( )")
        self.fail(f"unexpected {t.describe()}")

    def or_(self) -> Node:
        items = [self.and_()]
        while self.tok.kind == "OR":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.tok.kind == "AND":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> Node:
        if self.tok.kind == "NOT":
            self.enter(self.take(), "NOTs")
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "LP":
            self.enter(self.take(), "parentheses")
            if self.tok.kind == "RP":
                self.fail("empty parentheses: expected a rule inside ( )")
            node = self.or_()
            if self.tok.kind != "RP":
                if self.tok.kind == "EOF":
                    self.fail(f"expected ')' to close the '(' at column {t.start + 1}")
                self.unexpected_after_expression()
            self.take()
            self.depth -= 1
            return node
        if t.kind == "FUNC":
            return self.near()
        if t.kind in _TERM_START:
            term = self.term()
            if self.tok.kind == "CMP":
                op = self.take()
                if isinstance(term, (CodeRef, Meta)):
                    self.fail("a count applies to a word, a phrase or a /regex/, not to code: or meta:", op)
                return Count(term, op.value, self.integer(f"after '{op.value}'", minimum=0))
            if self.tok.kind == "EQ":
                self.fail("'=' is not a comparison; a count takes >=, > or == (e.g. fear >= 2)")
            return term
        if t.kind == "EOF":
            prev = self.toks[self.i - 1] if self.i else None
            after = f" after {prev.describe()}" if prev is not None else ""
            self.fail(f"expected a word, a \"phrase\", /regex/, code:, meta:, NEAR( or ({after}")
        if t.kind in ("AND", "OR"):
            self.fail(f"'{t.value}' needs a term on each side; expected a word, a \"phrase\", /regex/, code:, meta:, "
                      "NEAR( or ( before it")
        if t.kind == "RP":
            self.fail("unexpected ')': expected a term before it")
        if t.kind == "CMP":
            self.fail(f"a count ({t.value}) follows a word, e.g. fear >= 2")
        self.fail(f"unexpected {t.describe()}; expected a word, a \"phrase\", /regex/, code:, meta:, NEAR( or (")

    def integer(self, where: str, *, minimum: int) -> int:
        t = self.tok
        value = t.value.translate(_FULLWIDTH) if t.kind == "WORD" else ""
        if t.kind != "WORD" or not value.isascii() or not value.isdigit():
            self.fail(f"expected a whole number {where}, found {t.describe()}")
        self.take()
        n = int(value)
        if n < minimum:
            self.fail(f"expected a whole number of at least {minimum} {where}, found {n}", t)
        return n

    def near(self) -> Near:
        f = self.take()
        kind = f.value
        if self.tok.kind != "LP":  # the lexer only makes FUNC before '('
            self.fail(f"expected '(' after {kind}")
        self.take()
        a = self.group(kind, "first")
        self.expect_comma(kind, "then the second word")
        b = self.group(kind, "second")
        if self.tok.kind != "COMMA":
            self.fail(f"expected ',' and a distance (a whole number of words) in {kind}(a, b, N)")
        self.take()
        n = self.integer(f"for the distance in {kind}(a, b, N)", minimum=1)
        sentence = False
        if self.tok.kind == "COMMA":
            self.take()
            t = self.tok
            if t.kind != "WORD" or t.value.lower() != "sentence":
                self.fail(f"expected 'sentence' after the distance in {kind}(a, b, N, sentence), found {t.describe()}")
            self.take()
            sentence = True
        if self.tok.kind != "RP":
            self.fail(f"expected ')' to close {kind}(")
        self.take()
        return Near(kind, a, b, n, sentence)

    def expect_comma(self, kind: str, what: str) -> None:
        if self.tok.kind != "COMMA":
            self.fail(f"expected ',' {what} in {kind}(a, b, N)")
        self.take()

    def group(self, kind: str, which: str) -> tuple[Term, ...]:
        if self.tok.kind == "LP":
            self.take()
            items = [self.group_term(kind, which)]
            while self.tok.kind == "OR":
                self.take()
                items.append(self.group_term(kind, which))
            if self.tok.kind != "RP":
                self.fail(f"inside {kind}( ), a group lists words joined by '|': expected '|' or ')'")
            self.take()
            return tuple(items)
        return (self.group_term(kind, which),)

    def group_term(self, kind: str, which: str) -> Term:
        if self.tok.kind not in ("WORD", "FIELD", "PHRASE"):
            self.fail(f"expected the {which} word (or a group like (a | b)) in {kind}(a, b, N), found {self.tok.describe()}")
        term = self.term()
        if not isinstance(term, Term):
            self.fail(f"{kind}( ) takes words, phrases and groups of them, not {str(term)!r}", self.toks[self.i - 1])
        return term

    def term(self) -> Node:
        t = self.take()
        if t.kind == "PHRASE":
            return self.phrase(t.value, "word", t)
        if t.kind == "REGEX":
            pattern, flags = t.value
            if not pattern:
                raise _Syntax("empty regular expression //", t.start)
            try:
                compile_rule_regex(pattern, flags)
            except PatternError as exc:
                pos = t.start + 1 + exc.offset
                raise _Syntax(f"bad regular expression: {exc.message}", min(pos, t.end - 1)) from None
            return Regex(pattern, flags, t.start)
        if t.kind == "FIELD":
            name, rest = t.value
            rest_at = t.end - len(rest)
            if name == "code":
                if not rest:
                    self.fail("expected a code id after 'code:' (e.g. code:freedoms.fear)", t)
                if not _CODE_ID.match(rest):
                    raise _Syntax(f"{rest!r} is not a code id (lower-case words of letters, digits and _ joined by dots)",
                                  rest_at)
                return CodeRef(rest, t.start)
            if name == "meta":
                if not rest:
                    self.fail("expected a column after 'meta:' (meta:COLUMN=VALUE, e.g. meta:sector=NGO)", t)
                if "*" in rest or ":" in rest or "/" in rest:
                    raise _Syntax(f"{rest!r} is not a metadata column name", rest_at)
                if self.tok.kind == "CMP" and self.tok.value == "==":
                    self.fail(f"write a single '=' in meta:{rest}=VALUE")
                if self.tok.kind != "EQ":
                    self.fail(f"expected '=' after meta:{rest} (meta:COLUMN=VALUE)")
                self.take()
                v = self.tok
                if v.kind == "PHRASE":
                    self.take()
                    return Meta(rest, v.value, t.start)
                if v.kind == "WORD" and v.start == self.toks[self.i - 1].end:
                    self.take()
                    return Meta(rest, v.value, t.start)
                self.fail(f"expected a value after 'meta:{rest}=' (quote a value with spaces)")
            # lemma: base: surface:
            if not rest:
                nxt = self.tok
                if nxt.kind == "PHRASE" and nxt.start == t.end:
                    self.take()
                    return self.phrase(nxt.value, name, nxt, offset=t.start)
                self.fail(f"expected a word after '{name}:' (e.g. {name}:守る)", nxt if nxt.start == t.end else t)
            return self.word(rest, rest_at, name, t.start)
        return self.word(t.value, t.start, "word", t.start)

    def phrase(self, text: str, fieldname: str, tok: _Tok, *, offset: int | None = None) -> Term:
        if not text.strip():
            raise _Syntax('empty phrase ""; put the words to match between the quotes', tok.start)
        for m in re.finditer(r"\S+", text):
            piece = m.group()
            inner = piece.strip("*")
            if not inner:
                raise _Syntax("'*' alone is not a word: a glob needs letters (e.g. secur*)", tok.start + 1 + m.start())
            if "*" in inner or piece.startswith("**") or piece.endswith("**"):
                raise _Syntax("'*' may stand only at the start or end of a word", tok.start + 1 + m.start())
        if self.tok.kind == "LB":
            self.fail("a [pos=...] filter applies to a single word, not to a quoted phrase")
        return Term(text, fieldname, quoted=True, offset=tok.start if offset is None else offset)

    def word(self, raw: str, at: int, fieldname: str, offset: int) -> Term:
        prefix = raw.endswith("*")
        suffix = raw.startswith("*")
        inner = raw.strip("*")
        if not inner:
            raise _Syntax("'*' alone is not a word: a glob needs letters (e.g. violen*)", at)
        if raw.startswith("**") or raw.endswith("**") or "*" in inner:
            bad = raw.find("*", 1) if raw.startswith("**") or "*" in inner else len(raw) - 1
            raise _Syntax("'*' may stand only at the start or end of a word (a glob over whole tokens)", at + bad)
        if prefix and suffix:
            raise _Syntax("a glob takes '*' at one end only (violen* or *violence)", at + len(raw) - 1)
        pos = None
        if self.tok.kind == "LB":
            lb = self.take()
            key = self.tok
            if key.kind != "WORD" or key.value.lower() != "pos":
                self.fail(f"unknown filter {key.describe()}; the only filter is [pos=...] (e.g. 保護[pos=名詞])")
            self.take()
            if self.tok.kind != "EQ":
                self.fail("expected '=' in [pos=...]")
            self.take()
            v = self.tok
            if v.kind != "WORD":
                self.fail("expected a part of speech after 'pos=' (e.g. [pos=名詞])")
            self.take()
            if self.tok.kind != "RB":
                self.fail(f"expected ']' to close the '[' at column {lb.start + 1}")
            self.take()
            if self.language != "ja":
                raise _Syntax(f"a [pos=...] filter needs Japanese part-of-speech tags; {self.language!r} tokens carry none",
                              lb.start)
            pos = v.value
        return Term(inner, fieldname, prefix=prefix, suffix=suffix, pos=pos, offset=offset)


# =========================================================================================
# Errors with a caret
# =========================================================================================


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def caret_error(message: str, text: str, offset: int, *, code=None, path=None, line=None) -> RuleSyntaxError:
    """A :class:`~hsqual.errors.RuleSyntaxError` showing the rule with a caret under ``offset``.

    Example
    -------
    >>> print(caret_error("expected a word after AND", "fear AND", 8, code="c.x"))
    code 'c.x': rule syntax error: expected a word after AND
      fear AND
              ^
    """
    shown = "".join(" " if c in "\r\n\t" else c for c in text)
    pad = " " * _display_width(shown[:offset])
    err = RuleSyntaxError(f"rule syntax error: {message}\n  {shown}\n  {pad}^", path=path, line=line, code=code)
    err.offset = offset
    err.rule = text
    return err



def compile_rule_regex(pattern: str, flags: str):
    """The RE2 pattern of a ``/regex/`` term (NFKC-normalised like the text it searches).

    Example
    -------
    >>> [m.span() for m in compile_rule_regex("ＡＢ", "i").finditer("ab AB")]
    [(0, 2), (3, 5)]
    """
    return compile_regex(unicodedata.normalize("NFKC", pattern), ignore_case="i" in flags)


def parse_tree(text: str, language: str, *, code: str | None = None, path: str | None = None,
               line: int | None = None) -> Node:
    """The syntax tree of one rule; a syntax error is raised with a caret under its position.

    :func:`hsqual.rules.parse_rule` wraps the tree in a :class:`~hsqual.rules.Rule`.

    Example
    -------
    >>> str(parse_tree("恐怖&!暴力", "ja"))
    '恐怖 AND NOT 暴力'
    """
    try:
        return _Parser(text, language).parse()
    except _Syntax as exc:
        raise caret_error(exc.message, text, exc.offset, code=code, path=path, line=line) from None
