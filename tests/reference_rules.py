"""A plain, slow reference implementation of hsqual's rule language, for differential tests.

Written from the documentation only -- README "Coding rules", ``docs/architecture.md`` ("The
rule language") and the docstrings of :mod:`hsqual.rules`, :mod:`hsqual.tokens` and
:func:`hsqual.apply_codebook` -- and not from the engine's code. Its inputs are the public
building blocks the documentation names: the tokens of :func:`hsqual.tokenize_many` (surface,
lemma, written base form, POS, offsets), the units of
:func:`hsqual.segment.units_of_segment`, the sentences of :func:`hsqual.split_sentences`,
Python's regular expressions and NFKC from :mod:`unicodedata`.

Everything is done the simplest way: a rule is parsed by its own recursive-descent parser,
each term is looked for token by token in each unit, NEAR/SEQ try every pair of occurrences.
Nothing is cached, indexed or batched.

Where the documentation leaves a point open, the behaviour was read from the engine's output
and is marked ``DOC GAP`` below; each is a sentence missing from the documentation.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import hsqual
from hsqual.segment import split_sentences, units_of_segment

# The regular-expression flavour of ``/regex/`` terms: swap this one line (``import re2 as
# REGEX``) when rules move to RE2. Only ``compile``, ``search`` and ``finditer`` are used,
# and ignoring case is written inline as ``(?i)``, which both flavours read.
REGEX = re


class ReferenceRuleError(ValueError):
    """A rule the reference cannot parse."""


# =========================================================================================
# Parsing: the grammar of docs/architecture.md, "The rule language"
# =========================================================================================

_SINGLE = {"(": "LP", "（": "LP", ")": "RP", "）": "RP", "|": "OR", "｜": "OR", "&": "AND", "＆": "AND",
           "!": "NOT", ",": "COMMA"}
_STOP = set(_SINGLE) | {'"', ">", "=", "/"}
_OPERATOR_WORDS = {"and": "AND", "or": "OR", "not": "NOT"}


@dataclass(frozen=True)
class Word:
    """A word term: ``field`` is ``word`` (bare), ``lemma``, ``base`` or ``surface``."""
    field: str
    text: str
    glob: str | None = None  # "prefix" (WORD*), "suffix" (*WORD)
    pos: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Regex:
    pattern: str
    ignore_case: bool


@dataclass(frozen=True)
class CodeRef:
    code: str


@dataclass(frozen=True)
class Meta:
    column: str
    value: str


def _lex(src: str) -> list[tuple[str, str]]:
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif c in _SINGLE:
            out.append((_SINGLE[c], c))
            i += 1
        elif src.startswith((">=", "=="), i):
            out.append(("CMP", src[i:i + 2]))
            i += 2
        elif c == ">":
            out.append(("CMP", ">"))
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and src[j] != '"':
                if src[j] == "\\" and j + 1 < n and src[j + 1] == '"':
                    j += 1
                buf.append(src[j])
                j += 1
            if j >= n:
                raise ReferenceRuleError(f"unclosed quote in {src!r}")
            out.append(("PHRASE", "".join(buf)))
            i = j + 1
        elif c == "/":
            j, buf = i + 1, []
            while j < n and src[j] != "/":
                if src[j] == "\\" and j + 1 < n:
                    buf.append(src[j:j + 2] if src[j + 1] != "/" else "/")
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            if j >= n:
                raise ReferenceRuleError(f"unclosed /regex/ in {src!r}")
            flags = ""
            j += 1
            while j < n and src[j].isalpha() and src[j].isascii():
                flags += src[j]
                j += 1
            out.append(("REGEX", ("".join(buf), flags)))
            i = j
        else:
            j = i
            while j < n and not src[j].isspace() and src[j] not in _STOP:
                if src[j] == "[":  # a [pos=...] filter belongs to its word
                    k = src.find("]", j)
                    if k < 0:
                        raise ReferenceRuleError(f"unclosed [ in {src!r}")
                    j = k + 1
                    continue
                j += 1
            run = src[i:j]
            if run.lower().startswith("meta:") and j < n and src[j] == "=":
                j += 1
                if j < n and src[j] == '"':
                    k = src.index('"', j + 1)
                    value, j = src[j + 1:k], k + 1
                else:
                    k = j
                    while k < n and not src[k].isspace() and src[k] not in _SINGLE:
                        k += 1
                    value, j = src[j:k], k
                out.append(("META", (run[5:], value)))
            else:
                out.extend(_split_operators(run))
            i = j
    return out


def _split_operators(run: str) -> list[tuple[str, str]]:
    """``AND``/``OR``/``NOT`` are operators wherever they stand as a separate run of Latin
    letters (``保護AND情報``); ``NEAR``/``SEQ`` open a proximity operator.

    DOC GAP: a run of Latin letters next to digits or a glob's ``*`` is not an operator: the
    engine reads ``G7AND情報`` as one word and ``*or``, ``not*`` as globs, so a "run" here is
    a run of ASCII letters, digits and ``*``."""
    if run.upper() in ("NEAR", "SEQ"):
        return [("KW", run)]
    if ":" in run:  # field prefixes, code: ids: no operators inside
        return [("WORD", run)]
    out, last = [], 0
    for m in re.finditer(r"[A-Za-z0-9*]+", run):
        kind = _OPERATOR_WORDS.get(m.group().lower())
        if kind:
            if run[last:m.start()]:
                out.append(("WORD", run[last:m.start()]))
            out.append((kind, m.group()))
            last = m.end()
    if run[last:]:
        out.append(("WORD", run[last:]))
    return out


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = _lex(src)
        self.i = 0

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("END", "")

    def take(self, kind: str | None = None):
        tok = self.peek()
        if kind is not None and tok[0] != kind:
            raise ReferenceRuleError(f"expected {kind}, found {tok[1]!r} in {self.src!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.or_()
        if self.peek()[0] != "END":
            raise ReferenceRuleError(f"unexpected {self.peek()[1]!r} in {self.src!r}")
        return node

    def or_(self):
        items = [self.and_()]
        while self.peek()[0] == "OR":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else ("or", items)

    def and_(self):
        items = [self.not_()]
        while self.peek()[0] == "AND":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else ("and", items)

    def not_(self):
        if self.peek()[0] == "NOT":
            self.take()
            return ("not", self.not_())
        return self.atom()

    def atom(self):
        kind = self.peek()[0]
        if kind == "LP":
            self.take()
            node = self.or_()
            self.take("RP")
            return node
        if kind == "KW" and self.peek(1)[0] == "LP":
            return self.near()
        term = self.term()
        if self.peek()[0] == "CMP":
            op = self.take()[1]
            n = int(self.take("WORD")[1])
            return ("count", term, op, n)
        return ("term", term)

    def near(self):
        kind = self.take("KW")[1].upper()
        self.take("LP")
        a = self.group()
        self.take("COMMA")
        b = self.group()
        self.take("COMMA")
        n = int(self.take("WORD")[1])
        sentence = False
        if self.peek()[0] == "COMMA":
            self.take()
            if self.take("WORD")[1].lower() != "sentence":
                raise ReferenceRuleError(f"expected 'sentence' in {self.src!r}")
            sentence = True
        self.take("RP")
        return ("near", kind, a, b, n, sentence)

    def group(self):
        if self.peek()[0] != "LP":
            return [self.term()]
        self.take()
        items = [self.term()]
        while self.peek()[0] == "OR":
            self.take()
            items.append(self.term())
        self.take("RP")
        return items

    def term(self):
        kind, value = self.take()
        if kind == "KW":  # NEAR / SEQ not followed by "(": a word
            kind = "WORD"
        if kind == "PHRASE":
            return Phrase(value)
        if kind == "REGEX":
            return Regex(value[0], "i" in value[1])
        if kind == "META":
            return Meta(*value)
        if kind != "WORD":
            raise ReferenceRuleError(f"expected a term, found {value!r} in {self.src!r}")
        low = value.lower()
        if low.startswith("code:"):
            return CodeRef(value[5:])
        field = "word"
        for f in ("lemma", "base", "surface"):
            if low.startswith(f + ":"):
                field, value = f, value[len(f) + 1:]
        pos = None
        m = re.fullmatch(r"(.*)\[pos=([^\]]*)\]", value)
        if m:
            value, pos = m.group(1), m.group(2)
        glob = None
        if value.endswith("*"):
            glob, value = "prefix", value[:-1]
        elif value.startswith("*"):
            glob, value = "suffix", value[1:]
        return Word(field, value, glob, pos)


def parse(rule: str):
    """The syntax tree of a rule, as nested tuples."""
    return _Parser(rule).parse()


# =========================================================================================
# Terms as sequences of token tests
# =========================================================================================


def norm(s: str) -> str:
    """Case- and width-insensitive key: NFKC, then case-folded (documented for both sides)."""
    return unicodedata.normalize("NFKC", s).casefold()


def nfkc(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


@dataclass(frozen=True)
class Elem:
    """One token test. ``keys``: the forms a bare word accepts (the word and its own lemma)."""
    field: str
    keys: tuple[str, ...]
    glob: str | None = None
    pos: str | None = None

    def ok(self, tok, language: str) -> bool:
        if self.pos is not None:
            # "[pos=...] is a pos1-pos2 prefix (Japanese only)"
            full = tok.pos + ("-" + tok.pos2 if tok.pos2 and tok.pos2 != "*" else "")
            if not full.startswith(self.pos):
                return False
        if self.field == "surface":  # width-normalised, case-sensitive
            forms = [nfkc(tok.surface)]
        elif self.field == "lemma":
            forms = [norm(tok.lemma)]
        elif self.field == "base":
            forms = [norm(tok.base)]
        elif self.glob:  # "the lemma, base form or surface of one token starts (ends) with WORD"
            forms = [norm(tok.lemma), norm(tok.base), norm(tok.surface)]
        elif language == "ja":  # "UniDic lemma or written base form"
            forms = [norm(tok.lemma), norm(tok.base)]
        else:  # "a token whose lower-cased form is the word"
            forms = [norm(tok.lemma)]
        for form in forms:
            for key in self.keys:
                if (form.startswith(key) if self.glob == "prefix" else
                        form.endswith(key) if self.glob == "suffix" else form == key):
                    return True
        return False


def _key(field: str, s: str) -> str:
    return nfkc(s) if field == "surface" else norm(s)


def _bare_word_elem(tok, language: str, pos=None) -> Elem:
    """A token of a phrase, "matched as a bare word of its written base form": the base form,
    and (Japanese) also through that word's own lemma (the lemma of the base form tokenised
    on its own; the token's lemma in the phrase when the base form splits)."""
    if language == "en":
        return Elem("word", (norm(tok.base),), None, pos)
    alone = hsqual.tokenize(nfkc(tok.base), language=language)
    lemma = alone[0].lemma if len(alone) == 1 else tok.lemma
    return Elem("word", tuple(dict.fromkeys((norm(tok.base), norm(lemma)))), None, pos)


@functools.lru_cache(maxsize=None)
def term_alternatives(term, language: str) -> list[list[Elem]]:
    """The token sequences a Word or Phrase term matches (any one of them)."""
    if isinstance(term, Phrase):
        seq: list[Elem] = []
        for piece in term.text.split():
            if len(piece) > 1 and piece.endswith("*"):
                seq.append(Elem("word", (norm(piece[:-1]),), "prefix"))
            elif len(piece) > 1 and piece.startswith("*"):
                seq.append(Elem("word", (norm(piece[1:]),), "suffix"))
            else:
                seq.extend(_bare_word_elem(t, language) for t in hsqual.tokenize(nfkc(piece), language=language))
        return [seq]
    w: Word = term
    toks = hsqual.tokenize(nfkc(w.text), language=language)
    if w.glob:
        alts = [[Elem(w.field, (_key(w.field, w.text),), w.glob, w.pos)]]
        if len(toks) > 1:  # "A stem MeCab splits (エンパワ* → エン|パワ) is tried both ways"
            # DOC GAP: the docs do not say which piece carries the glob and what the others
            # match; read from the engine: the last piece (WORD*) or the first (*WORD) is the
            # glob, over its surface; the other pieces match as words of the same field.
            pieces = [_piece_elem(w.field, t, language) for t in toks]
            if w.glob == "prefix":
                pieces[-1] = Elem(w.field, (_key(w.field, toks[-1].surface),), "prefix")
            else:
                pieces[0] = Elem(w.field, (_key(w.field, toks[0].surface),), "suffix")
            pieces[-1] = Elem(pieces[-1].field, pieces[-1].keys, pieces[-1].glob, w.pos)
            alts.append(pieces)
        return alts
    if len(toks) <= 1:
        keys = [_key(w.field, w.text)]
        if w.field == "word" and language == "ja" and toks:
            keys.append(norm(toks[0].lemma))  # "or whose lemma is the word's own lemma"
        return [[Elem(w.field, tuple(dict.fromkeys(keys)), None, w.pos)]]
    # "A word the tokenizer would split into several tokens is matched as the phrase of
    # those tokens, as if it were quoted."
    seq = [_piece_elem(w.field, t, language) for t in toks]
    # DOC GAP: a [pos=...] filter on a word MeCab splits tests the last token only (read
    # from the engine: 人間の[pos=助詞] matches, の人間[pos=助詞] does not).
    seq[-1] = Elem(seq[-1].field, seq[-1].keys, seq[-1].glob, w.pos)
    # ... and it still matches "a token whose UniDic lemma or written base form is the word":
    # MeCab splits まで alone (ま|で) but reads the まで of たどり着くまでに as one token.
    # DOC GAP: the docs say both, but not that the two ways are tried together.
    return [[Elem(w.field, (_key(w.field, w.text),), None, w.pos)], seq]


def _piece_elem(field: str, tok, language: str) -> Elem:
    if field == "word":
        return _bare_word_elem(tok, language)
    # DOC GAP: what a field-prefixed word MeCab splits matches is not documented; read from
    # the engine (lemma:守られる, lemma:守るれる, base:守られる all match 守られる): each piece
    # by that field, as the piece is written or as its own lemma / base form.
    keys = {"lemma": (tok.surface, tok.lemma), "base": (tok.surface, tok.base), "surface": (tok.surface,)}[field]
    return Elem(field, tuple(dict.fromkeys(_key(field, k) for k in keys)))


# =========================================================================================
# Matching one unit
# =========================================================================================


def is_word(tok, language: str) -> bool:
    """NEAR/SEQ count words, not punctuation.

    DOC GAP: "punctuation" is not defined; the engine skips Japanese tokens tagged 補助記号
    (UniDic's supplementary symbols: 、。「」・…※〜→● and the like) or 記号 (``-`` in
    ``4-1``) and counts everything else, ``①`` (a 名詞-数詞) included. English tokens are
    all words."""
    return language == "en" or not tok.pos.startswith(("補助記号", "記号", "空白"))


class Unit:
    """One unit of one document: its tokens, text, sentences, metadata and speaker."""

    def __init__(self, doc, start: int, end: int, tokens, language: str, *, speaker=None,
                 sentences=None) -> None:
        self.doc, self.start, self.end, self.language = doc, start, end, language
        self.text = doc.text[start:end]
        self.tokens = [t for t in tokens if t.start >= start and t.end <= end]
        self.speaker = speaker
        # sentences of the unit (for ", sentence"), as offsets into the document
        self.sentences = sentences if sentences is not None else [
            (start + a, start + b) for a, b in split_sentences(self.text, language=language)]
        self.evidence_known = True  # False once a regex or code: term was evaluated

    def occurrences(self, term) -> list[tuple[int, int]]:
        """(first token, last token) of every occurrence of a Word or Phrase term."""
        found = set()
        toks = self.tokens
        for seq in term_alternatives(term, self.language):
            k = len(seq)
            if not k:
                continue
            for p in range(len(toks) - k + 1):
                if all(e.ok(toks[p + j], self.language) for j, e in enumerate(seq)):
                    found.add((p, p + k - 1))
        return sorted(found)

    def spans(self, occ) -> list[tuple[int, int]]:
        return [(self.tokens[a].start, self.tokens[b].end) for a, b in occ]

    def regex_matches(self, rx: Regex) -> list:
        # "/regex/ runs over the NFKC-normalised unit text; /.../i ignores case"
        # DOC GAP: the pattern is NFKC-normalised too (the engine finds /Ａ/ in "A" and /㍿/
        # in "㍿"); only the text's normalisation is documented.
        pattern = ("(?i)" if rx.ignore_case else "") + nfkc(rx.pattern)
        return list(REGEX.compile(pattern).finditer(nfkc(self.text)))

    def words_between(self, i: int, j: int) -> int:
        """Distance in words from token i to a later token j (adjacent words are 1 apart)."""
        return 1 + sum(1 for t in self.tokens[i + 1:j] if is_word(t, self.language))

    def same_sentence(self, occs) -> bool:
        a = min(self.tokens[o[0]].start for o in occs)
        b = max(self.tokens[o[1]].end for o in occs)
        return any(s <= a and b <= e for s, e in self.sentences)


def evaluate(node, unit: Unit, code_result) -> list[tuple[int, int]] | None:
    """The evidence spans of a rule node in a unit, or None when it does not match.

    ``code_result(code_id)`` returns whether another code applies to the unit."""
    kind = node[0]
    if kind == "or":
        found = [evaluate(n, unit, code_result) for n in node[1]]
        found = [f for f in found if f is not None]
        return sorted({s for f in found for s in f}) if found else None
    if kind == "and":
        out = []
        for n in node[1]:
            f = evaluate(n, unit, code_result)
            if f is None:
                return None
            out += f
        return sorted(set(out))
    if kind == "not":  # "NOT x matches a unit without x and contributes no evidence"
        return [] if evaluate(node[1], unit, code_result) is None else None
    if kind == "term":
        term = node[1]
        if isinstance(term, CodeRef):
            # DOC GAP: whether code: brings the other code's evidence is not documented
            unit.evidence_known = False
            return [] if code_result(term.code) else None
        if isinstance(term, Meta):
            return [] if meta_matches(unit, term) else None
        if isinstance(term, Regex):
            ms = unit.regex_matches(term)
            unit.evidence_known = False  # the offsets of a match in the NFKC text are not mapped back
            return [] if ms else None
        sp = unit.spans(unit.occurrences(term))
        return sp or None
    if kind == "count":
        _, term, op, n = node
        if isinstance(term, Regex):
            c, sp = len(unit.regex_matches(term)), []
            unit.evidence_known = False
        else:
            occ = unit.occurrences(term)
            c, sp = len(occ), unit.spans(occ)
        ok = {">=": c >= n, ">": c > n, "==": c == n}[op]
        return sp if ok else None
    assert kind == "near"
    _, which, group_a, group_b, n, sentence = node
    A = sorted({o for t in group_a for o in unit.occurrences(t)})
    B = sorted({o for t in group_b for o in unit.occurrences(t)})
    used = set()
    for a in A:
        for b in B:
            if a[1] < b[0]:
                first, second = a, b
            elif b[1] < a[0] and which == "NEAR":  # NEAR: either order; SEQ: a first
                first, second = b, a
            else:  # overlapping occurrences: "the two must be different tokens"
                continue
            if unit.words_between(first[1], second[0]) > n:
                continue
            if sentence and not unit.same_sentence([a, b]):
                continue
            used |= {a, b}
    return unit.spans(sorted(used)) or None


def meta_matches(unit: Unit, m: Meta) -> bool:
    """``meta:col=value``: equal, case-insensitive, any part of a ``;``-joined value;
    ``meta:speaker=`` reads the unit's speaker."""
    col = m.column
    if col.lower() == "speaker":
        value = unit.speaker
    else:
        if col not in unit.doc.meta:
            return False
        value = unit.doc.meta[col]
    if value is None:
        return False
    return any(part.strip().casefold() == m.value.strip().casefold() for part in str(value).split(";"))


# =========================================================================================
# A codebook over a corpus
# =========================================================================================


def units_of(corpus, doc, unit: str, tokens) -> list[Unit]:
    """The units of one document, as ``apply_codebook`` documents them."""
    lang = doc.meta.get("language", "en")
    out = []
    for seg in [s for s in corpus.segments if s.doc_id == doc.doc_id]:
        if unit == "document":
            raise ValueError("the reference codes sentences, paragraphs and segments")
        for s, e in units_of_segment(seg, unit, language=lang):
            # a sentence unit is one sentence; a segment's or paragraph's sentences are those
            # split_sentences finds in its text
            sentences = [(s, e)] if unit == "sentence" else None
            out.append(Unit(doc, s, e, tokens, lang, speaker=seg.speaker, sentences=sentences))
    return out


def code_rules(codebook, language: str) -> dict[str, list[tuple[str, object]]]:
    """{code id: [(rule text, parsed rule), ...]} for one language, in codebook order."""
    return {c.id: [(r, parse(r)) for r in c.rules.get(language, ())] for c in codebook.codes}


def reference_codings(corpus, codebook, *, unit: str = "sentence") -> dict[tuple, tuple]:
    """``{(doc_id, start, end, code): (rule texts, evidence)}`` for every code applied to a unit.

    ``evidence`` is the merged spans of the words that made the fired rules match, as
    ``"a-b;c-d"`` (the ``match_spans`` column), or None where the reference does not work it
    out (a rule with a regex or a ``code:`` term).

    Every document is tokenised once (``tokenize_many``); each unit takes the tokens lying
    inside it (``apply_codebook`` tokenises each document once, and a line is tagged on its
    own, so a unit's tokens are those of its document)."""
    out: dict[tuple, list[str]] = {}
    by_lang: dict[str, list] = {}
    for doc in corpus.documents:
        by_lang.setdefault(doc.meta.get("language", "en"), []).append(doc)
    for lang, docs in by_lang.items():
        rules = code_rules(codebook, lang)
        if not any(rules.values()):
            continue
        for doc, tokens in zip(docs, hsqual.tokenize_many([d.text for d in docs], language=lang)):
            for u in units_of(corpus, doc, unit, tokens):
                memo: dict[str, tuple] = {}

                def fired(code_id: str, u=u, memo=memo) -> tuple:
                    if code_id not in memo:
                        texts, spans, known = [], [], True
                        for text, root in rules.get(code_id, []):
                            u.evidence_known = True
                            ev = evaluate(root, u, lambda c: bool(fired(c)[0]))
                            known = known and u.evidence_known
                            if ev is not None:
                                texts.append(text)
                                spans += ev
                        memo[code_id] = (texts, ";".join(f"{a}-{b}" for a, b in merge(spans)) if known else None)
                    return memo[code_id]

                for code_id in rules:
                    texts, evidence = fired(code_id)
                    if texts:
                        out[(doc.doc_id, u.start, u.end, code_id)] = (texts, evidence)
    return out


def merge(spans) -> list[tuple[int, int]]:
    """Spans sorted, overlapping ones merged ("overlapping spans are merged: a word inside a
    matched phrase shows once")."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(set(spans)):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def match(rule: str, text: str, *, language: str, meta=None, speaker=None, codes=()) -> list | None:
    """One rule against one text taken as one unit (as ``Rule.match`` does): the evidence
    spans, or None. Sentences for ``, sentence`` are those of ``split_sentences``."""
    doc = hsqual.Document("x", text, dict(meta or {}, language=language))
    u = Unit(doc, 0, len(text), hsqual.tokenize(text, language=language), language, speaker=speaker)
    return evaluate(parse(rule), u, lambda c: c in set(codes))
