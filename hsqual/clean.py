"""Cleaning text extracted from PDFs, keeping a map back to the raw text.

:func:`clean_text` applies a sequence of named steps and returns a :class:`CleanResult`: the
cleaned text, the list of changes made (what a user reviews) and an offset map, so that a
coding made on the cleaned text can be traced back to the raw text
(:meth:`CleanResult.to_original`) and the other way (:meth:`CleanResult.to_cleaned`).
Cleaning is only ever applied on request (``load_corpus(..., clean=True)`` or this function).

The steps, in the order they run:

``newlines``
    ``\\r\\n`` and ``\\r`` become ``\\n``.
``page_numbers``
    Lines holding nothing but a page number (``12``, ``- 12 -``, ``p. 12``, ``12/40``,
    ``12 ページ``) are removed.
``vertical_headers``
    Table headers set vertically, one character a line (``①``, ``Ｇ``, ``Ｈ``, ``Ａ``,
    ``へ``, ``の``, ``貢``, ``献``), become one line (``①ＧＨＡへの貢献``): three or more
    lines of at most three characters each, at least half of them single characters, with at
    most one blank line between them, and either four lines or more or a circled number
    first (a circled number also ends the run before it).
``join_lines``
    A line broken in mid-sentence is joined to the next. The break is joined when the line
    does not end a sentence (``。！？.!?``, a closing bracket, a colon), the next line does
    not start a list item, a heading or an indented paragraph, and the next line continues
    the line: it starts with a character no phrase starts with (``、。）」ー``, small kana),
    or (Japanese, after a line that is not a list item) with hiragana, or the line ends with
    ``、``/``・``/an opening bracket, or the next line starts with a word fragment of one or
    two characters before ``、`` (``厚労`` / ``省、…``), or the line is full: at least 80 % as
    wide as the widest of the five lines around it, or as the second widest of the seven
    lines around it (so that one overlong line does not set the measure). East Asian wide
    characters count twice. In *double-spaced* extractions (most lines followed
    by a blank line, as PDF converters often produce) the blank lines carry no meaning: a
    break across blank lines may be joined, a single line break (a table cell boundary) is
    not; otherwise only single line breaks are joined and a blank line ends a paragraph.
    Japanese lines are joined directly, English lines with a space (after a hyphen: directly).
``strip_lines``
    Spaces at the ends of lines and indentation are removed.
``blank_lines``
    Paragraphs end up separated by exactly one blank line: runs of blank lines shrink to
    one; in a double-spaced extraction every remaining line break becomes a paragraph break,
    except between two list items, which end up on consecutive lines.
    Blank lines at the start are removed, and at the end one line break is kept.
``fullwidth``
    Full-width ASCII letters and digits (``ＧＨＡ``, ``２０``) become half-width (NFKC on those
    characters only; katakana, punctuation such as ``（）：`` and circled numbers are kept).
``cjk_spaces``
    Spaces inside letter-spaced Japanese (``日 本 の 外 交`` → ``日本の外交``: three or more
    single wide characters each separated by one space) are removed. A lone space between two
    Japanese words is kept: in extracted tables it separates columns (``項目 主な取組``).
``latin_spaces``
    A single space between a Japanese character and a half-width letter or digit is removed
    (``4 月 3 日`` → ``4月3日``, ``日米双方の GDP 低下`` → ``日米双方のGDP低下``): Japanese
    word processors space such runs on the page and the extraction turns that into spaces.

The default steps are all of them for Japanese; for English ``vertical_headers``,
``cjk_spaces`` and ``latin_spaces`` are left out.

Example
-------
>>> raw = (" 今日、世界は大きく流転し混沌を極めている。トランプ大統領就任後の情勢は、かつ \\n\\n"
...        "てないスピードで変化し、自国第一主義と形容される政策はアメリカ国内外に大きな分\\n\\n"
...        "断と混乱をもたらしている。 \\n\\n \\n\\n"
...        " 日本は 4 月 3 日より ODA を通した数多くの資金援助・技術協力の国際開発支援を行っ\\n\\n"
...        "てきた。 \\n")
>>> r = clean_text(raw, language="ja")
>>> print(r.text)
今日、世界は大きく流転し混沌を極めている。トランプ大統領就任後の情勢は、かつてないスピードで変化し、自国第一主義と形容される政策はアメリカ国内外に大きな分断と混乱をもたらしている。
<BLANKLINE>
日本は4月3日よりODAを通した数多くの資金援助・技術協力の国際開発支援を行ってきた。
<BLANKLINE>
>>> r.changes[0]
Change(step='join_lines', start=39, end=42, before=' \\n\\n', after='')
>>> i = r.text.index("ODA")
>>> r.to_original(i), raw[r.to_original(i):r.to_original(i) + 3]
(117, 'ODA')
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from .errors import ArgumentError
from .segment import is_item_line
from .params import validate_params

__all__ = ["STEPS", "DEFAULT_STEPS", "Change", "CleanResult", "clean_text"]

#: Every step, in the order they run.
STEPS = (
    "newlines",
    "page_numbers",
    "vertical_headers",
    "join_lines",
    "strip_lines",
    "blank_lines",
    "fullwidth",
    "cjk_spaces",
    "latin_spaces",
)
#: The steps :func:`clean_text` runs by default, per language.
DEFAULT_STEPS = {
    "ja": STEPS,
    "en": ("newlines", "page_numbers", "join_lines", "strip_lines", "blank_lines", "fullwidth"),
}
_LANGUAGES = ("en", "ja")


class Change(NamedTuple):
    """One change: ``step`` replaced ``before`` by ``after`` at ``start:end`` of the raw text.

    ``before`` is the text as the step saw it (earlier steps may have changed it already).

    Example
    -------
    >>> clean_text("Ｇ７", language="ja").changes
    [Change(step='fullwidth', start=0, end=2, before='Ｇ７', after='G7')]
    """

    step: str
    start: int
    end: int
    before: str
    after: str


class CleanResult:
    """The cleaned text, the changes made and the offset map between cleaned and raw text.

    Attributes
    ----------
    text : str
        The cleaned text.
    original : str
        The raw text.
    changes : list of Change
        Every change, in the order made (by step, then by position).
    steps : tuple of str
        The steps that ran.
    language : str

    Example
    -------
    >>> r = clean_text("①\\nＧ\\nＨ\\nＡ\\nへ\\nの\\n貢\\n献\\n\\n・財務省", language="ja")
    >>> r.text
    '①GHAへの貢献\\n\\n・財務省'
    >>> r.changes_frame()[["step", "start", "end", "after"]]
                   step  start  end       after
    0  vertical_headers      0   15  ①ＧＨＡへの貢献
    1         fullwidth      2    7         GHA
    """

    __slots__ = ("text", "original", "changes", "steps", "language", "_map")

    def __init__(self, text: str, original: str, changes: list[Change], steps: tuple[str, ...], language: str,
                 offset_map: list[int]) -> None:
        self.text = text
        self.original = original
        self.changes = changes
        self.steps = steps
        self.language = language
        self._map = offset_map

    def __repr__(self) -> str:
        return f"<CleanResult: {len(self.original)} -> {len(self.text)} characters, {len(self.changes)} changes>"

    def to_original(self, offset: int) -> int:
        """The raw-text offset of cleaned-text offset ``offset`` (``0 <= offset <= len(text)``).

        The map keeps order: a larger cleaned offset never maps to a smaller raw offset.

        Example
        -------
        >>> r = clean_text("人間の安全保\\n障の概念", language="ja")
        >>> r.text, r.to_original(6), r.original[r.to_original(6)]
        ('人間の安全保障の概念', 7, '障')
        """
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= len(self.text):
            raise ArgumentError(f"to_original: offset must be an integer from 0 to {len(self.text)}, not {offset!r}")
        return self._map[offset]

    def to_cleaned(self, offset: int) -> int:
        """The cleaned-text offset of raw-text offset ``offset``; a removed character maps to
        the next character that was kept.

        Example
        -------
        >>> r = clean_text("人間の安全保\\n障の概念", language="ja")
        >>> r.to_cleaned(6), r.to_cleaned(7)
        (6, 6)
        """
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= len(self.original):
            raise ArgumentError(
                f"to_cleaned: offset must be an integer from 0 to {len(self.original)}, not {offset!r}")
        return bisect_left(self._map, offset)

    def to_original_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw-text span of the cleaned span ``start:end``, tight around its characters.

        Example
        -------
        >>> r = clean_text("人間の安全保\\n障の概念", language="ja")
        >>> s, e = r.to_original_span(3, 7)
        >>> r.text[3:7], r.original[s:e]
        ('安全保障', '安全保\\n障')
        """
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(self.text)):
            raise ArgumentError(f"to_original_span: expected 0 <= start <= end <= {len(self.text)}, got {start}, {end}")
        if start == end:
            return self._map[start], self._map[start]
        return self._map[start], self._map[end - 1] + 1

    def changes_frame(self):
        """The changes as a DataFrame: ``step, start, end, before, after`` (raw offsets)."""
        import pandas as pd

        return pd.DataFrame([c._asdict() for c in self.changes], columns=list(Change._fields))


# --------------------------------------------------------------------------------------------


@validate_params()
def clean_text(text: str, *, language: str = "ja", steps: Sequence[str] | None = None) -> CleanResult:
    """Clean PDF-extracted text; see the module description for the steps.

    Parameters
    ----------
    text : str
        The raw text.
    language : {"ja", "en"}, default "ja"
    steps : sequence of str, optional
        The steps to run (they always run in the order of :data:`STEPS`); default
        ``DEFAULT_STEPS[language]``.

    Returns
    -------
    CleanResult

    Example
    -------
    >>> r = clean_text("し、4 月 3 日より一斉に措置が\\n開始され、日本は", language="ja")
    >>> r.text
    'し、4月3日より一斉に措置が開始され、日本は'
    >>> [c.step for c in r.changes]
    ['join_lines', 'latin_spaces', 'latin_spaces', 'latin_spaces']
    >>> clean_text("x", steps=["spelling"])
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: clean_text: unknown step(s) spelling; the steps are newlines, page_numbers, ...
    """
    if not isinstance(text, str):
        raise ArgumentError(f"clean_text: text must be a str, not {type(text).__name__}")
    if language not in _LANGUAGES:
        raise ArgumentError(f"clean_text: language must be one of {_LANGUAGES}, not {language!r}")
    if steps is None:
        chosen = DEFAULT_STEPS[language]
    else:
        if isinstance(steps, str):
            steps = [steps]
        unknown = [s for s in steps if s not in STEPS]
        if unknown:
            raise ArgumentError(f"clean_text: unknown step(s) {', '.join(map(str, unknown))}; "
                             f"the steps are {', '.join(STEPS)}")
        chosen = tuple(s for s in STEPS if s in set(steps))
    ctx = _Context(language)
    current = text
    offset_map = list(range(len(text) + 1))
    changes: list[Change] = []
    for name in chosen:
        edits = _STEP_FUNCS[name](current, ctx)
        if edits:
            current, offset_map = _apply(name, current, offset_map, edits, changes)
    return CleanResult(current, text, changes, chosen, language, offset_map)


class _Context:
    def __init__(self, language: str) -> None:
        self.language = language
        self.double_spaced: bool | None = None


class _Edit(NamedTuple):
    start: int
    end: int
    after: str
    parts: tuple[tuple[int, int, str], ...] | None = None  # finer edits making up this one


def _apply(step: str, text: str, offset_map: list[int], edits: list[_Edit], changes: list[Change]):
    edits = sorted(edits)
    pieces: list[str] = []
    new_map: list[int] = []
    pos = 0
    for ed in edits:
        if ed.start < pos:
            raise AssertionError(f"clean step {step}: overlapping edits at {ed.start}")
        ostart = offset_map[ed.start]
        oend = offset_map[ed.end - 1] + 1 if ed.end > ed.start else ostart
        changes.append(Change(step, ostart, oend, text[ed.start:ed.end], ed.after))
        for s, e, after in (ed.parts if ed.parts is not None else ((ed.start, ed.end, ed.after),)):
            pieces.append(text[pos:s])
            new_map.extend(offset_map[pos:s])
            pieces.append(after)
            for k in range(len(after)):
                new_map.append(offset_map[min(s + k, e - 1)] if e > s else offset_map[s])
            pos = e
    pieces.append(text[pos:])
    new_map.extend(offset_map[pos:])
    return "".join(pieces), new_map


# --------------------------------------------------------------------------------------------
# helpers

_SPACE = " \t\u3000"


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, line break excluded (text uses \\n only here)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _content(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _SPACE:
        s += 1
    while e > s and text[e - 1] in _SPACE:
        e -= 1
    return s, e


def _double_spaced(text: str, ctx: _Context) -> bool:
    if ctx.double_spaced is None:
        gaps = re.findall(r"(?<=\S)[ \t\u3000]*((?:\n[ \t\u3000]*)+)(?=\S)", text)
        n = len(gaps)
        blank = sum(1 for g in gaps if g.count("\n") >= 2)
        ctx.double_spaced = n >= 4 and blank >= 0.6 * n
    return ctx.double_spaced


# --------------------------------------------------------------------------------------------
# steps


def _step_newlines(text: str, ctx: _Context) -> list[_Edit]:
    return [_Edit(m.start(), m.end(), "\n") for m in re.finditer(r"\r\n?", text)]


_PAGE_RE = re.compile(
    r"(?m)^[ \t\u3000]*(?:"
    r"[-‐–—―−－~～]?[ \t]*\d{1,4}[ \t]*[-‐–—―−－~～]?"
    r"|(?:p\.|page|ページ|頁)[ \t]*\d{1,4}"
    r"|\d{1,4}[ \t]*(?:/|of)[ \t]*\d{1,4}"
    r"|\d{1,4}[ \t]*(?:ページ|頁)"
    r")[ \t\u3000]*(?:\n|$)",
    re.IGNORECASE,
)


def _step_page_numbers(text: str, ctx: _Context) -> list[_Edit]:
    return [_Edit(m.start(), m.end(), "") for m in _PAGE_RE.finditer(text) if m.end() > m.start()]


_CIRCLED_START = re.compile(r"[\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")


def _step_vertical_headers(text: str, ctx: _Context) -> list[_Edit]:
    lines = _lines(text)
    edits = []
    i = 0
    n = len(lines)
    while i < n:
        run = []
        j = i
        blanks = 0
        while j < n:
            s, e = _content(text, *lines[j])
            if s == e:
                blanks += 1
                if blanks > 1 or not run:
                    break
                j += 1
                continue
            if e - s > 3 or run and _CIRCLED_START.match(text, s):
                break  # a circled number starts the next header
            run.append((s, e))
            blanks = 0
            j += 1
        if len(run) >= 3 and _vertical_run_ok(text, run):
            parts = tuple((run[k][1], run[k + 1][0], "") for k in range(len(run) - 1))
            joined = "".join(text[s:e] for s, e in run)
            edits.append(_Edit(run[0][0], run[-1][1], joined, parts))
            i = j
        else:
            i += 1
    return edits


def _vertical_run_ok(text: str, run: list[tuple[int, int]]) -> bool:
    singles = sum(1 for s, e in run if e - s == 1)
    if singles * 2 < len(run):
        return False
    if any(" " in text[s:e] for s, e in run):
        return False
    return len(run) >= 4 or bool(_CIRCLED_START.match(text, run[0][0]))


_TERMINALS = set("。！？!?．.：:")
_CLOSERS = set("」』）)】〕〉》\"”’")
_NON_STARTERS = set("、。，．,.）)」』】〕ー～ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
_CONTINUES = set("、，,・（(「『【")


def _ends_sentence(line: str) -> bool:
    if not line:
        return True
    last = line[-1]
    if last in _TERMINALS:
        return True
    if last in _CLOSERS:
        return True
    return False


def _step_join_lines(text: str, ctx: _Context) -> list[_Edit]:
    double = _double_spaced(text, ctx)
    lines = _lines(text)
    content = [(_content(text, s, e), (s, e)) for s, e in lines]
    nonblank = [(c, raw) for c, raw in content if c[0] < c[1]]
    widths = [_width(text[c[0]:c[1]]) for c, _ in nonblank]
    edits = []
    for k in range(len(nonblank) - 1):
        (a_s, a_e), (ra_s, ra_e) = nonblank[k]
        (b_s, b_e), (rb_s, rb_e) = nonblank[k + 1]
        gap = text[a_e:b_s]
        newlines = gap.count("\n")
        if double and newlines < 2 or not double and newlines != 1:
            continue
        prev = text[a_s:a_e]
        nxt = text[b_s:b_e]
        if _ends_sentence(prev) or is_item_line(nxt) or rb_s < b_s or nxt.startswith("#") or prev.startswith("#"):
            continue
        if not _continues(prev, nxt, widths, k, ctx.language):
            continue
        if ctx.language == "en" and not prev.endswith("-"):
            after = " "
        elif prev[-1].isascii() and prev[-1].isalnum() and nxt[0].isascii() and nxt[0].isalnum():
            after = " "
        else:
            after = ""
        edits.append(_Edit(a_e, b_s, after))
    return edits


def _continues(prev: str, nxt: str, widths: list[int], k: int, language: str) -> bool:
    if nxt[0] in _NON_STARTERS:
        return True
    if prev[-1] in _CONTINUES:
        return True
    if language == "en" and nxt[0].islower():
        return True
    if language == "ja" and _is_wide(prev[-1]) and prev[-1].isalpha():
        head = re.match(r"[^、，,\s]{1,2}(?:[、，,]|$)", nxt)
        if head and all(_is_wide(ch) for ch in head.group().rstrip("、，,")):
            return True
    if language == "ja" and unicodedata.name(nxt[0], "").startswith("HIRAGANA") and not is_item_line(prev):
        return True  # Japanese sentences, headings and table cells rarely start with hiragana
    near = max(widths[max(0, k - 2):k + 3])
    window = sorted(widths[max(0, k - 3):k + 4], reverse=True)
    second = window[1] if len(window) > 2 else window[0]  # one overlong line is no guide
    return widths[k] >= 0.8 * near or widths[k] >= 0.8 * second


def _step_strip_lines(text: str, ctx: _Context) -> list[_Edit]:
    edits = []
    for s, e in _lines(text):
        cs, ce = _content(text, s, e)
        if cs == ce:
            if e > s:
                edits.append(_Edit(s, e, ""))
            continue
        if cs > s:
            edits.append(_Edit(s, cs, ""))
        if e > ce:
            edits.append(_Edit(ce, e, ""))
    return edits


def _step_blank_lines(text: str, ctx: _Context) -> list[_Edit]:
    double = _double_spaced(text, ctx)
    edits = []
    for m in re.finditer(r"\n+", text):
        s, e = m.start(), m.end()
        if s == 0:
            edits.append(_Edit(s, e, ""))
            continue
        if e == len(text):
            if e - s > 1:
                edits.append(_Edit(s, e, "\n"))
            continue
        if double:
            want = "\n" if _list_break(text, s, e) else "\n\n"
        else:
            want = "\n\n" if e - s >= 2 else "\n"
        if m.group() != want:
            edits.append(_Edit(s, e, want))
    return edits


def _list_break(text: str, s: int, e: int) -> bool:
    """True when the line break at s:e separates two list-item lines."""
    a = text.rfind("\n", 0, s) + 1
    b = text.find("\n", e)
    return is_item_line(text[a:s]) and is_item_line(text[e:len(text) if b < 0 else b])


def _fullwidth_chars() -> str:
    chars = []
    for cp in range(0xFF01, 0xFF5F):
        ch = chr(cp)
        n = unicodedata.normalize("NFKC", ch)
        if unicodedata.decomposition(ch).startswith("<wide>") and n.isascii() and n.isalnum():
            chars.append(ch)
    return "".join(chars)


_FULLWIDTH_RE = re.compile(f"[{re.escape(_fullwidth_chars())}]+")


def _step_fullwidth(text: str, ctx: _Context) -> list[_Edit]:
    return [_Edit(m.start(), m.end(), unicodedata.normalize("NFKC", m.group())) for m in _FULLWIDTH_RE.finditer(text)]


_SPACED_RE = re.compile(r"(?<!\S)(?:\S[ \u3000]){2,}\S(?!\S)")


def _step_cjk_spaces(text: str, ctx: _Context) -> list[_Edit]:
    edits = []
    for m in _SPACED_RE.finditer(text):
        run = m.group()
        chars = run[0::2]
        if not all(_is_wide(ch) and not ch.isspace() for ch in chars):
            continue
        parts = tuple((m.start() + i, m.start() + i + 1, "") for i in range(1, len(run), 2))
        edits.append(_Edit(m.start(), m.end(), "".join(chars), parts))
    return edits


def _step_latin_spaces(text: str, ctx: _Context) -> list[_Edit]:
    edits = []
    for m in re.finditer(r"(?<=[^\s]) (?=[^\s])", text):
        a, b = text[m.start() - 1], text[m.end()]
        if (_is_wide(a) and b.isascii() and b.isalnum()) or (_is_wide(b) and a.isascii() and a.isalnum()):
            edits.append(_Edit(m.start(), m.end(), ""))
    return edits


_STEP_FUNCS = {
    "newlines": _step_newlines,
    "page_numbers": _step_page_numbers,
    "vertical_headers": _step_vertical_headers,
    "join_lines": _step_join_lines,
    "strip_lines": _step_strip_lines,
    "blank_lines": _step_blank_lines,
    "fullwidth": _step_fullwidth,
    "cjk_spaces": _step_cjk_spaces,
    "latin_spaces": _step_latin_spaces,
}
