"""Segmentation: speaker turns, paragraphs, list items and sentences, with offsets.

Every function returns spans ``(start, end)`` (``split_turns`` adds the speaker) that are
Python ``str`` offsets into the text it was given, with whitespace trimmed off both ends, so
``text[start:end]`` is always the segment's text. Spans never overlap and come in text order.
Line breaks may be ``\\n``, ``\\r\\n`` or ``\\r``, mixed.

The rules, in short:

* **paragraphs** are separated by blank lines (lines of whitespace only); a line that starts a
  list item also starts a new paragraph.
* **list items** start with a bullet (``•・●○■□◆◇▪‣※``, or ``-``/``*``/``+`` followed by a
  space), a number (``1.``, ``１．``, ``4-1.``, ``(2)``, ``（２）``) or a circled number
  (``①``); an item runs until the next item, a blank line or a heading.
* **speaker turns** start with a line ``NAME: text`` or ``**NAME**: text`` (``：`` works as
  well, e.g. ``聞き手：``). With a list of speakers only those names are labels. Without one,
  a label is any line-initial name of up to 30 characters with no sentence punctuation, and
  labels are only believed when at least two different ones appear, labelled lines start
  at least a quarter of the paragraphs, and a label comes back or labelled lines start half
  the paragraphs: in an essay nothing is a turn. The label is not part of
  the turn's text; text before the first label is a turn with no speaker.
* **sentences** (English) end at ``.``, ``!`` or ``?`` (closing quotes and brackets stay with
  the sentence) followed by whitespace and an upper-case letter, a digit, a quote or a
  bracket, except after common abbreviations (``e.g.``, ``i.e.``, ``Mr.``, ``Dr.``,
  ``U.S.``, ``No. 5``, initials). **Sentences** (Japanese) end after ``。！？!?`` (and ``．``
  not after a digit or letter), closing brackets ``」』）`` after them stay with the
  sentence; a terminal inside a quotation ``「…。…」`` does not end the sentence, nor does
  ``。」と…``. In both languages a blank line always ends a sentence, and a line break ends
  one before a list item and after a heading or a list item line (unless the next line is
  indented, i.e. continues the item). A heading is a markdown ``#`` line or a short first line
  (up to 20 characters in Japanese, 50 in English) without final punctuation whose next line
  does not start in lower case or hiragana.

Example
-------
>>> text = "聞き手：人間の安全保障とは何ですか。\\nA氏：「恐怖からの自由」です。欠乏からの自由も。"
>>> [(text[s:e], who) for s, e, who in split_turns(text)]
[('人間の安全保障とは何ですか。', '聞き手'), ('「恐怖からの自由」です。欠乏からの自由も。', 'A氏')]
>>> answer = text[22:]
>>> [answer[s:e] for s, e in split_sentences(answer, language="ja")]
['「恐怖からの自由」です。', '欠乏からの自由も。']
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable

from .corpus import Corpus, Document, Segment
from .errors import ArgumentError, TranscriptError
from .params import validate_params

__all__ = [
    "UNITS",
    "split_sentences",
    "split_paragraphs",
    "split_turns",
    "split_items",
    "segment_text",
    "segment_corpus",
    "units_of_segment",
    "is_item_line",
]

#: The units :func:`segment_corpus` knows.
UNITS = ("document", "turn", "paragraph", "sentence", "item")
_LANGUAGES = ("en", "ja")

# --------------------------------------------------------------------------------------------
# lines

_BREAK_RE = re.compile(r"\r\n|\r|\n")


def _lines(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Lines of ``text[start:end]`` as ``(line_start, content_end)`` (line break excluded)."""
    end = len(text) if end is None else end
    out = []
    s = start
    for m in _BREAK_RE.finditer(text, start, end):
        out.append((s, m.start()))
        s = m.end()
    if s < end:
        out.append((s, end))
    return out


def _is_blank(text: str, s: int, e: int) -> bool:
    return text[s:e].strip() == ""


def _trim(text: str, s: int, e: int) -> tuple[int, int] | None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return (s, e) if s < e else None


def _blocks(text: str, start: int = 0, end: int | None = None) -> list[list[tuple[int, int]]]:
    """Runs of non-blank lines (blank lines separate them)."""
    blocks: list[list[tuple[int, int]]] = []
    cur: list[tuple[int, int]] = []
    for s, e in _lines(text, start, end):
        if _is_blank(text, s, e):
            if cur:
                blocks.append(cur)
                cur = []
        else:
            cur.append((s, e))
    if cur:
        blocks.append(cur)
    return blocks


# --------------------------------------------------------------------------------------------
# list items and headings


def _circled_numbers() -> str:
    chars = []
    for cp in list(range(0x2460, 0x2500)) + list(range(0x2776, 0x2794)) + list(range(0x3251, 0x32C0)):
        ch = chr(cp)
        name = unicodedata.name(ch, "")
        if ("CIRCLED" in name or "PARENTHESIZED" in name or "DIGIT" in name and "FULL STOP" in name) \
                and unicodedata.numeric(ch, None) is not None:
            chars.append(ch)
    return "".join(chars)


_CIRCLED = _circled_numbers()
_BULLETS = "•・●○■□◆◇▪▫‣◦※►▶➢✓✔"
_ITEM_RE = re.compile(
    r"[ \t\u3000]*(?:"
    rf"[{re.escape(_BULLETS)}]"
    r"|[-*+](?=[ \t\u3000])"
    rf"|[{_CIRCLED}]"
    r"|\d{1,3}(?:[-‐‑–.．]\d{1,3})*[.．)）](?=[ \t\u3000]|[^\d\s.．,，])"
    r"|[(（]\d{1,3}[)）]"
    r")"
)
_HEADING_RE = re.compile(r"[ \t\u3000]*#{1,6}[ \t]")
_END_PUNCT = set("。．.！？!?」』）)】〕〉》\"”’'、，,：:；;・…")


def is_item_line(line: str) -> bool:
    """True when ``line`` starts a list item (bullet, number or circled number).

    Example
    -------
    >>> [is_item_line(x) for x in ["・財務省", "4-1.「AI立国」", "① 貢献", "- point", "-5%", "2023 年"]]
    [True, True, True, True, False, False]
    """
    return _ITEM_RE.match(line) is not None


def _is_heading(text: str, s: int, e: int, language: str, following: str) -> bool:
    """A markdown heading, or a short line without final punctuation whose next line does
    not look like its continuation (lower case in English, hiragana in Japanese)."""
    line = text[s:e].strip()
    if not line:
        return False
    if _HEADING_RE.match(text, s, e):
        return True
    if line[-1] in _END_PUNCT:
        return False
    nxt = following.lstrip()[:1]
    if nxt and (nxt.islower() or unicodedata.name(nxt, "").startswith("HIRAGANA")):
        return False
    limit = 20 if language == "ja" else 50
    return len(line) <= limit


def _is_indented(text: str, s: int, e: int) -> bool:
    return e > s and text[s] in " \t\u3000"


# --------------------------------------------------------------------------------------------
# paragraphs and items


@validate_params()
def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraphs: blank-line separated blocks; a line that starts a list item starts a new one.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of (start, end)
        Offsets into ``text``, whitespace trimmed.

    Example
    -------
    >>> text = "ビジョン\\n\\n  • 安全と繁栄を守ります。\\n  • 外交力を強化します。\\n\\n4-1. AI立国"
    >>> [text[s:e] for s, e in split_paragraphs(text)]
    ['ビジョン', '• 安全と繁栄を守ります。', '• 外交力を強化します。', '4-1. AI立国']
    """
    _check_text(text, "split_paragraphs")
    return _paragraphs(text, 0, len(text))


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for block in _blocks(text, start, end):
        cur_s = block[0][0]
        cur_e = block[0][1]
        for s, e in block[1:]:
            if _ITEM_RE.match(text, s, e):
                span = _trim(text, cur_s, cur_e)
                if span:
                    out.append(span)
                cur_s = s
            cur_e = e
        span = _trim(text, cur_s, cur_e)
        if span:
            out.append(span)
    return out


@validate_params()
def split_items(text: str) -> list[tuple[int, int]]:
    """List items: bullets (``•・●○■◆-*``), numbered items (``1.``, ``①``, ``4-1.``).

    An item runs from its marker (included) to the next item, a blank line or a heading. Text
    that is not in a list is not returned.

    Example
    -------
    >>> text = "その柱として、\\n１．平和の原則と繁栄のルール\\n２．インド太平洋流の課題対処\\n\\nの 4 つを据えている。"
    >>> [text[s:e] for s, e in split_items(text)]
    ['１．平和の原則と繁栄のルール', '２．インド太平洋流の課題対処']
    """
    _check_text(text, "split_items")
    return _items(text, 0, len(text))


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for block in _blocks(text, start, end):
        cur: list[int] | None = None
        for s, e in block:
            if _ITEM_RE.match(text, s, e):
                if cur:
                    span = _trim(text, cur[0], cur[1])
                    if span:
                        out.append(span)
                cur = [s, e]
            elif cur is not None and not _HEADING_RE.match(text, s, e):
                cur[1] = e
            else:
                if cur:
                    span = _trim(text, cur[0], cur[1])
                    if span:
                        out.append(span)
                cur = None
        if cur:
            span = _trim(text, cur[0], cur[1])
            if span:
                out.append(span)
    return out


# --------------------------------------------------------------------------------------------
# speaker turns

_LABEL_RE = re.compile(
    r"[ \t\u3000]*(?P<bold>\*\*)?(?P<name>[^\s*:：.。．!！?？、，,;；「」『』\"“”()（）\[\]#]"
    r"[^*:：.。．!！?？、，,;；「」『』\"“”()（）\[\]#\r\n]{0,29}?)"
    r"[ \t]*(?P<close>\*\*)?[ \t]*[:：](?P<close2>\*\*)?(?!//)"
)


def _declared_label_at(text: str, s: int, e: int, names: set[str]) -> tuple[str, int] | None:
    """A declared speaker's name followed by ``:`` at the start of a line, whatever characters
    the name holds (``Prof. Whitfield:``, which the general label pattern cannot tell from a
    sentence); the longest declared name that fits wins."""
    j = s
    while j < e and text[j] in " \t\u3000":
        j += 1
    for name in sorted(names, key=len, reverse=True):
        k = j + len(name)
        if k <= e and text[j:k].casefold() == name:
            colon = re.compile(r"[ \t]*[:：]").match(text, k, e)
            if colon is not None:
                return text[j:k], colon.end()
    return None


def _label_at(text: str, s: int, e: int, names: set[str] | None) -> tuple[str, int] | None:
    m = _LABEL_RE.match(text, s, e)
    if m is None:
        return _declared_label_at(text, s, e, names) if names is not None else None
    name = m.group("name").strip()
    if not name or name.isdigit() or not any(ch.isalpha() for ch in name):
        return None
    if m.group("bold") and not (m.group("close") or m.group("close2")):
        return None
    if names is not None:
        if name.casefold() not in names:
            return _declared_label_at(text, s, e, names)
    return name, m.end()


def _speaker_names(speakers) -> set[str] | None:
    if speakers is None:
        return None
    if isinstance(speakers, str):
        speakers = [p for p in re.split(r"[,、，]", speakers)]
    try:
        names = {str(x).strip().casefold() for x in speakers if str(x).strip()}
    except TypeError:
        raise TranscriptError(f"speakers must be a list of names, not {type(speakers).__name__}") from None
    return names or None


@validate_params()
def split_turns(text: str, speakers: Iterable[str] | str | None = None) -> list[tuple[int, int, str | None]]:
    """Speaker turns ``(start, end, speaker)``; the label is not part of the turn's text.

    Parameters
    ----------
    text : str
    speakers : list of str, optional
        The speakers' names as they appear in labels (case-insensitive). Without it labels
        are detected conservatively (see the module description); ``[]`` when none are found.

    Returns
    -------
    list of (start, end, speaker)
        Text before the first label, if any, is a turn with speaker ``None``.

    Example
    -------
    >>> text = "**Interviewer**: What does human security add?\\n\\nInterviewee 4: It adds dignity.\\n"
    >>> [(text[s:e], who) for s, e, who in split_turns(text)]
    [('What does human security add?', 'Interviewer'), ('It adds dignity.', 'Interviewee 4')]
    >>> split_turns("Note: this is an essay.\\n\\nIt has no speakers.")
    []
    """
    _check_text(text, "split_turns")
    return _turns(text, 0, len(text), _speaker_names(speakers))


def _turns(text: str, start: int, end: int, names: set[str] | None) -> list[tuple[int, int, str | None]]:
    labels: list[tuple[int, int, str]] = []  # line start, content start, name
    n_units = 0
    for block in _blocks(text, start, end):
        first = True
        for s, e in block:
            lab = _label_at(text, s, e, names)
            if first or lab is not None or _ITEM_RE.match(text, s, e):
                n_units += 1
            first = False
            if lab is not None:
                labels.append((s, lab[1], lab[0]))
    if not labels:
        return []
    if names is None:
        names_seen = [name.casefold() for _, _, name in labels]
        distinct = set(names_seen)
        share = len(labels) / max(n_units, 1)
        repeated = len(distinct) < len(names_seen)
        if len(distinct) < 2 or share < 0.25 or not repeated and share < 0.5:
            return []
    out: list[tuple[int, int, str | None]] = []
    pre = _trim(text, start, labels[0][0])
    if pre:
        out.append((pre[0], pre[1], None))
    for i, (ls, cs, name) in enumerate(labels):
        stop = labels[i + 1][0] if i + 1 < len(labels) else end
        span = _trim(text, cs, stop)
        if span:
            out.append((span[0], span[1], name))
    return out


# --------------------------------------------------------------------------------------------
# sentences

_EN_TERM = re.compile(r"[.!?]+['\"”’)\]]*")
# a run of sentence-ending marks (a full-width full stop only where no letter or digit comes
# before it) and the closing brackets after it; written to start with one set of characters,
# which lets the search skip to the next of them (seven times faster than an alternation)
_JA_TERM = re.compile(r"[。！？!?．](?:(?<=[。！？!?])|(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ]．))"
                      r"(?:[。！？!?]|(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])．)*[」』）)】〕〉》\"”’]*")
_JA_PAIRS = {"「": "」", "『": "』", "（": "）", "(": ")", "【": "】"}
_JA_CLOSERS = set("」』）)】〕〉》\"”’")
_JA_BRACKETS = re.compile("[" + re.escape("".join(_JA_PAIRS) + "".join(_JA_PAIRS.values())) + "]")
_EN_ABBREV = {
    "e.g", "i.e", "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "cf", "etc.al", "al",
    "fig", "figs", "vol", "pp", "p", "ed", "eds", "approx", "dept", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "gen",
    "gov", "rev", "hon", "u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "ph.d", "viz", "resp", "ca",
}
_EN_NUMBERED_ABBREV = {"no", "nos", "art", "sec", "ch", "para"}


@validate_params()
def split_sentences(text: str, *, language: str) -> list[tuple[int, int]]:
    """Sentences of ``text`` as ``(start, end)`` offsets, whitespace trimmed.

    Parameters
    ----------
    text : str
    language : {"en", "ja"}

    Example
    -------
    >>> t = "Dr. Sato said human security matters, e.g. for refugees. It adds value! Does it?"
    >>> [t[s:e] for s, e in split_sentences(t, language="en")]
    ['Dr. Sato said human security matters, e.g. for refugees.', 'It adds value!', 'Does it?']
    >>> j = "「国際協調主義の旗を降ろした。」と述べた。日本はどうか？\\n・ODA の活用\\n・人材育成"
    >>> [j[s:e] for s, e in split_sentences(j, language="ja")]
    ['「国際協調主義の旗を降ろした。」と述べた。', '日本はどうか？', '・ODA の活用', '・人材育成']
    """
    _check_text(text, "split_sentences")
    language = _check_language(language, "split_sentences")
    return _sentences(text, 0, len(text), language)


def _sentences(text: str, start: int, end: int, language: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    terms: list[tuple[int, str]] | None = None
    if language == "ja":
        # the sentence ends of the whole range, found once: none crosses a line break, so a
        # piece's are those ending inside it (as a search of the piece alone finds them)
        terms = [(m.end(), m.group()) for m in _JA_TERM.finditer(text, start, end)]
    for block in _blocks(text, start, end):
        # cut the block at hard line breaks
        piece_start = block[0][0]
        for i, (s, e) in enumerate(block):
            if i + 1 == len(block):
                break
            ns, ne = block[i + 1]
            hard = bool(_ITEM_RE.match(text, ns, ne))
            if not hard and _ITEM_RE.match(text, s, e):
                hard = not _is_indented(text, ns, ne)
            if not hard and (s == piece_start or _ends_sentence_line(text, block[i - 1])):
                hard = _is_heading(text, s, e, language, text[ns:ne])
            if hard:
                _split_piece(text, piece_start, e, language, out, terms)
                piece_start = ns
        _split_piece(text, piece_start, block[-1][1], language, out, terms)
    return out


_SENTENCE_END = set("。．.！？!?」』")


def _ends_sentence_line(text: str, line: tuple[int, int]) -> bool:
    s, e = line
    while e > s and text[e - 1].isspace():
        e -= 1
    return e > s and text[e - 1] in _SENTENCE_END


def _split_piece(text: str, start: int, end: int, language: str, out: list,
                 terms: list[tuple[int, str]] | None = None) -> None:
    cuts = _ja_cuts(text, start, end, terms) if language == "ja" else _en_cuts(text, start, end)
    prev = start
    for c in cuts:
        span = _trim(text, prev, c)
        if span:
            out.append(span)
        prev = c
    span = _trim(text, prev, end)
    if span:
        out.append(span)


def _ja_cuts(text: str, start: int, end: int, terms: list[tuple[int, str]] | None = None) -> list[int]:
    if terms is None:
        cands = [(m.end(), m.group()) for m in _JA_TERM.finditer(text, start, end)]
    else:  # the sentence ends of a range holding the piece: those ending inside it
        lo = bisect.bisect_right(terms, (start, "\U0010ffff"))
        hi = bisect.bisect_right(terms, (end, "\U0010ffff"), lo)
        cands = terms[lo:hi]
    if not cands:
        return []
    # bracket pairs that open and close inside the piece
    pairs: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for m in _JA_BRACKETS.finditer(text, start, end):
        i, ch = m.start(), m.group()
        if ch in _JA_PAIRS:
            stack.append((ch, i))
        elif stack and ch == _JA_PAIRS[stack[-1][0]]:
            pairs.append((stack.pop()[1], i))
        elif ch in _JA_PAIRS.values():
            # an unmatched closer: drop openers it might belong to
            for k in range(len(stack) - 1, -1, -1):
                if _JA_PAIRS[stack[k][0]] == ch:
                    pairs.append((stack[k][1], i))
                    del stack[k:]
                    break
    cuts = []
    for p, run in cands:
        if p >= end:
            continue
        if any(o < p <= c for o, c in pairs):
            continue
        if run[-1] in _JA_CLOSERS and text[p] in "とっ":
            continue
        cuts.append(p)
    return cuts


def _en_cuts(text: str, start: int, end: int) -> list[int]:
    cuts = []
    for m in _EN_TERM.finditer(text, start, end):
        p = m.end()
        if p >= end:
            continue
        if not text[p].isspace():
            continue
        q = p
        while q < end and text[q].isspace():
            q += 1
        if q >= end:
            continue
        nxt = text[q]
        if not (nxt.isupper() or nxt.isdigit() or nxt in "\"'“‘([" or ord(nxt) > 0x2E7F):
            continue
        if m.group().startswith(".") and _en_abbreviation(text, start, m.start(), nxt):
            continue
        cuts.append(p)
    return cuts


def _en_abbreviation(text: str, start: int, dot: int, nxt: str) -> bool:
    i = dot
    while i > start and not text[i - 1].isspace():
        i -= 1
    word = text[i:dot].lstrip("(\"'“‘[")
    if not word:
        return False
    low = word.lower()
    if low in _EN_ABBREV:
        return True
    if low in _EN_NUMBERED_ABBREV and nxt.isdigit():
        return True
    if len(word) == 1 and word.isupper():
        return True  # an initial: "J. Smith"
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):
        return True  # U.S, e.g, i.e
    return False


# --------------------------------------------------------------------------------------------
# corpus


def segment_text(text: str, unit: str, *, language: str, speakers=None) -> list[tuple[int, int, str | None, str]]:
    """Segments of one text as ``(start, end, speaker, kind)``.

    ``unit="turn"`` falls back to paragraphs when there are no turns; sentences, paragraphs and
    items are found inside turns and inherit the turn's speaker; ``unit="item"`` returns list
    items and, for text outside lists, paragraphs.

    Example
    -------
    >>> t = "A: 人間の安全保障。恐怖からの自由。\\nB: 欠乏からの自由。"
    >>> [(t[s:e], who, kind) for s, e, who, kind in segment_text(t, "sentence", language="ja")]
    [('人間の安全保障。', 'A', 'sentence'), ('恐怖からの自由。', 'A', 'sentence'), ('欠乏からの自由。', 'B', 'sentence')]
    """
    _check_text(text, "segment_text")
    language = _check_language(language, "segment_text")
    unit = _check_unit(unit)
    if unit == "document":
        span = _trim(text, 0, len(text))
        return [(span[0], span[1], None, "document")] if span else []
    turns = _turns(text, 0, len(text), _speaker_names(speakers))
    containers = [(s, e, who) for s, e, who in turns] if turns else [(0, len(text), None)]
    if unit == "turn" and turns:
        return [(s, e, who, "turn") for s, e, who in turns]
    return _within(text, containers, "paragraph" if unit == "turn" else unit, language)


def _within(text: str, containers, unit: str, language: str) -> list[tuple[int, int, str | None, str]]:
    out = []
    for cs, ce, who in containers:
        if unit == "paragraph":
            spans = [(s, e, "paragraph") for s, e in _paragraphs(text, cs, ce)]
        elif unit == "sentence":
            spans = [(s, e, "sentence") for s, e in _sentences(text, cs, ce, language)]
        elif unit == "item":
            items = _items(text, cs, ce)
            spans = [(s, e, "item") for s, e in items]
            for ps, pe in _paragraphs(text, cs, ce):
                if not any(s < pe and ps < e for s, e in items):
                    spans.append((ps, pe, "paragraph"))
            spans.sort()
        else:  # pragma: no cover - checked by _check_unit
            raise AssertionError(unit)
        out.extend((s, e, who, kind) for s, e, kind in spans)
    return out


_CONTAINER_KINDS = ("turn", "excerpt")


@validate_params()
def segment_corpus(corpus: Corpus, unit: str) -> Corpus:
    """The same documents cut into ``unit`` segments.

    Parameters
    ----------
    corpus : Corpus
    unit : {"turn", "paragraph", "sentence", "item", "document"}
        ``"turn"`` falls back to paragraphs for a document without speaker turns.

    Segments the corpus already has of kind ``turn`` or ``excerpt`` (speaker turns, rows of a
    CSV transcript) are kept as the frame: the new segments lie inside them and inherit their
    speaker. Otherwise turns are detected in the document text (using ``meta["speakers"]``
    when given). Each segment's ``segment_id`` is its 1-based ordinal in the document; a
    document's language is ``meta["language"]``.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> doc = Document("int04", "Interviewer: Why?\\nInterviewee 4: Dignity. And freedom.",
    ...                {"language": "en"})
    >>> c = segment_corpus(Corpus([doc]), "sentence")
    >>> [(s.segment_id, s.speaker, s.text) for s in c.segments]
    [(1, 'Interviewer', 'Why?'), (2, 'Interviewee 4', 'Dignity.'), (3, 'Interviewee 4', 'And freedom.')]
    """
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"segment_corpus: expected a Corpus, got {type(corpus).__name__}")
    unit = _check_unit(unit)
    segments: list[Segment] = []
    for doc in corpus.documents:
        language = _doc_language(doc)
        frame = [s for s in corpus.segments_of(doc.doc_id) if s.kind in _CONTAINER_KINDS]
        if unit == "document":
            span = _trim(doc.text, 0, len(doc.text))
            spans = [(span[0], span[1], doc.meta.get("speaker"), "document")] if span else []
        elif frame:
            if unit == "turn":
                spans = [(s.start, s.end, s.speaker, s.kind) for s in frame]
            else:
                spans = _within(doc.text, [(s.start, s.end, s.speaker) for s in frame], unit, language)
        else:
            spans = segment_text(doc.text, unit, language=language, speakers=doc.meta.get("speakers"))
        starts = [s.start for s in frame] if unit != "document" else []
        for i, (s, e, who, kind) in enumerate(spans, start=1):
            if starts:  # a piece of a stored turn keeps the turn's own metadata (party, role, ...)
                meta = frame[max(bisect.bisect_right(starts, s) - 1, 0)].meta
                segments.append(Segment(doc.doc_id, i, s, e, doc.text[s:e], who, kind, meta))
            else:
                segments.append(Segment(doc.doc_id, i, s, e, doc.text[s:e], who, kind))
    return corpus.with_segments(segments)


# --------------------------------------------------------------------------------------------
# argument checks


def _doc_language(doc: Document) -> str:
    lang = str(doc.meta.get("language") or "en")
    if lang not in _LANGUAGES:
        raise TranscriptError(f"document {doc.doc_id!r}: language must be one of {_LANGUAGES}, not {lang!r}")
    return lang


def _check_text(text, fn: str) -> None:
    if not isinstance(text, str):
        raise ArgumentError(f"{fn}: text must be a str, not {type(text).__name__}")


def _check_language(language, fn: str) -> str:
    if language not in _LANGUAGES:
        raise ArgumentError(f"{fn}: language must be one of {_LANGUAGES}, not {language!r}")
    return language


def _check_unit(unit) -> str:
    if unit not in UNITS:
        raise ArgumentError(f"unit must be one of {UNITS}, not {unit!r}")
    return unit


def units_of_segment(segment, unit: str, *, language: str) -> list[tuple[int, int]]:
    """The coding units inside one segment, as ``(start, end)`` offsets into its document.

    ``unit`` is ``"segment"`` (the segment itself), ``"sentence"`` (:func:`split_sentences`)
    or ``"paragraph"`` (:func:`split_paragraphs`); empty and blank pieces are left out. This
    is the one definition of a unit that automatic coding (:func:`hsqual.apply_codebook`) and
    the analysis of sentences (:mod:`hsqual.incidence`) share.

    Example
    -------
    >>> from hsqual.corpus import Segment
    >>> seg = Segment("int04", 2, 10, 47, "It protects people. It empowers them.", "A", "turn")
    >>> units_of_segment(seg, "sentence", language="en")
    [(10, 29), (30, 47)]
    """
    if unit == "segment":
        pieces = [(0, len(segment.text))]
    elif unit == "sentence":
        pieces = split_sentences(segment.text, language=language)
    elif unit == "paragraph":
        pieces = split_paragraphs(segment.text)
    else:
        raise ArgumentError(f"units_of_segment: unit must be 'segment', 'sentence' or 'paragraph', not {unit!r}")
    return [(segment.start + a, segment.start + b) for a, b in pieces if b > a and segment.text[a:b].strip()]
