"""Regular expressions of coding rules, run on RE2 so that no pattern can hang a run.

A ``/regex/`` rule is written in Python's syntax and run by RE2 (the ``google-re2``
package), whose matching time is linear in the length of the text for every pattern. Python's
own engine backtracks: ``(\\w+\\s?)+:`` takes exponential time on an ordinary sentence without a
colon, and a time limit per match (the ``regex`` package) would make a result depend on how
fast the machine is. RE2 was chosen over a time limit for that reason; what it costs is
what it cannot do, and none of the bundled codebooks' rules uses it (they use ``(?i)``,
``\\b``, groups, alternation and character classes):

* lookaround (``(?=``, ``(?!``, ``(?<=``, ``(?<!``) and backreferences (``\\1``,
  ``(?P=name)``) are refused when the rule is read, with a caret under them;
* ``\\b`` and ``\\B`` mark boundaries of ASCII words (a Japanese sentence has no spaces, so
  Python's ``\\b`` finds nothing useful in it either);
* ``$`` matches at the very end of the unit only (Python's also matches before a final line
  break; use ``\\n?$`` for that).

So that Japanese patterns mean what they mean in Python, ``\\w``, ``\\d`` and ``\\s`` (and ``\\W``,
``\\D``, ``\\S``) are rewritten into RE2's Unicode classes before compiling: ``\\w`` matches
``人間`` and ``ｶﾞｲﾄﾞ`` as in Python. ``\\uXXXX`` and ``{,n}`` are rewritten too. RE2's Unicode
classes can be used as well: ``\\p{Han}+`` (kanji), ``\\p{Katakana}``, ``\\p{Hiragana}``.

A pattern is refused when it can match the empty string (``x*``, ``a|``, ``\\b``): such a
rule would code every unit. Groups may nest :data:`MAX_GROUP_DEPTH` deep.

Example
-------
>>> rx = compile_regex(r"(\\w+\\s?)+:")
>>> rx.search("a" * 50 + " no colon here") is None   # instant, where Python's re never returns
True
>>> [m.group() for m in compile_regex(r"\\w+省").finditer("外務省と防衛省")]
['外務省と防衛省']
>>> compile_regex("(?<=human )security")
Traceback (most recent call last):
...
hsqual.patterns.PatternError: lookbehind (?<= is not supported: ...
"""

from __future__ import annotations

import re
import unicodedata

from .errors import HsqualError

__all__ = ["MAX_GROUP_DEPTH", "PatternError", "compile_regex", "re2_options", "translate"]

#: How deep groups ``( )`` may nest in one regular expression.
MAX_GROUP_DEPTH = 32

# Python's \s for str patterns: the characters for which str.isspace() holds
_SPACES = (r"\t\n\x{b}\f\r \x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
           r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}")
_WORD = r"\p{L}\p{N}_"  # Python's \w for str: letters, digits and numbers of every script, and _
_DIGIT = r"\p{Nd}"  # Python's \d for str: decimal digits of every script

_OUTSIDE = {"w": f"[{_WORD}]", "W": f"[^{_WORD}]", "d": _DIGIT, "D": r"\P{Nd}",
            "s": f"[{_SPACES}]", "S": f"[^{_SPACES}]", "Z": r"\z"}
_INSIDE = {"w": _WORD, "d": _DIGIT, "D": r"\P{Nd}", "s": _SPACES}
_ASSERTION_ESCAPES = set("bBAzZ")
_NO_RE2 = (
    ("(?<=", "lookbehind (?<="), ("(?<!", "negative lookbehind (?<!"), ("(?=", "lookahead (?="),
    ("(?!", "negative lookahead (?!"), ("(?P=", "a backreference (?P=name)"), ("(?(", "a conditional (?(...)"),
    ("(?>", "an atomic group (?>"),
)
_HINT = ("rules run on RE2, which matches in time linear in the text and has no lookaround or "
         "backreferences; express the condition with the rule language instead "
         "(e.g. /security/ AND NOT /human security/)")
_REPEAT_NO_MIN = re.compile(r"\{,(\d+)\}")
_UNICODE_CLASS = re.compile(r"(?<!\\)\\[pP](?:\{\^?[A-Za-z_]+\}|[A-Za-z])")


class PatternError(HsqualError):
    """A regular expression that cannot run on RE2, or that matches the empty string.

    ``offset`` is the position in the pattern the problem is at. An :class:`HsqualError`
    (and so a ``ValueError``); a rule's ``/regex/`` reports it as a
    :class:`~hsqual.errors.RuleSyntaxError` with a caret under that position.

    Example
    -------
    >>> try:
    ...     compile_regex(r"(a)\\1")
    ... except PatternError as exc:
    ...     print(exc.offset, exc.message.split(":")[0])
    3 a backreference \\1 is not supported
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset

    def __reduce__(self):  # the offset, not a file position, is what a PatternError carries
        return (type(self), (self.message, self.offset))


def translate(pattern: str) -> tuple[str, str]:
    """The RE2 form of a Python-syntax pattern, and that form with every assertion removed.

    The second form decides whether the pattern can match the empty string somewhere: an
    assertion (``^``, ``$``, ``\\b``, ...) holds at some position of some text.

    Example
    -------
    >>> translate(r"\\bfear\\d{,2}$")
    ('\\\\bfear\\\\p{Nd}{0,2}$', 'fear\\\\p{Nd}{0,2}')
    """
    out: list[str] = []
    bare: list[str] = []  # without assertions
    i, n = 0, len(pattern)
    depth = 0
    in_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if in_class:
            if c == "\\" and i + 1 < n:
                e = pattern[i + 1]
                if e in _INSIDE:
                    piece = _INSIDE[e]
                elif e in "WS":
                    raise PatternError(f"\\{e} inside [...] is not supported; write the characters to exclude "
                                       f"as [^...] or use \\{e} outside the brackets", i)
                elif e.isdigit() and e != "0":
                    raise PatternError(f"\\{e} inside [...] is an octal escape RE2 does not read; write \\x{{..}}", i)
                else:
                    piece, i = _escape(pattern, i)
                    out.append(piece)
                    bare.append(piece)
                    continue
                out.append(piece)
                bare.append(piece)
                i += 2
                continue
            if c == "]" and i > class_start:
                in_class = False
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end > 0:  # a POSIX class [:alpha:] — literal characters in Python
                    piece = "\\[:" + pattern[i + 2:end] + ":\\]"
                    out.append(piece)
                    bare.append(piece)
                    i = end + 2
                    continue
            piece = "\\[" if c == "[" else c
            out.append(piece)
            bare.append(piece)
            i += 1
            continue
        if c == "\\":
            if i + 1 >= n:
                raise PatternError("the pattern ends with a lone backslash", i)
            e = pattern[i + 1]
            if e in _OUTSIDE and e != "Z":
                out.append(_OUTSIDE[e])
                bare.append(_OUTSIDE[e])
                i += 2
                continue
            if e in _ASSERTION_ESCAPES:
                out.append(_OUTSIDE.get(e, "\\" + e))
                i += 2
                continue
            if e.isdigit() and e != "0":
                raise PatternError(f"a backreference \\{e} is not supported: {_HINT}", i)
            if e == "g" and pattern.startswith("<", i + 2):
                raise PatternError(f"a backreference \\g<...> is not supported: {_HINT}", i)
            piece, i = _escape(pattern, i)
            out.append(piece)
            bare.append(piece)
            continue
        if c == "[":
            in_class = True
            class_start = i + 1
            if pattern.startswith("^", class_start):
                class_start += 1
            out.append(c)
            bare.append(c)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                bare.append("^")
                i += 1
            continue
        if c == "(":
            for prefix, what in _NO_RE2:
                if pattern.startswith(prefix, i):
                    raise PatternError(f"{what} is not supported: {_HINT}", i)
            if pattern.startswith("(?#", i):
                raise PatternError("comments (?#...) are not supported in rule patterns", i)
            depth += 1
            if depth > MAX_GROUP_DEPTH:
                raise PatternError(f"groups nest {depth} deep here, more than the limit of {MAX_GROUP_DEPTH}", i)
        elif c == ")":
            depth = max(depth - 1, 0)
        elif c in "^$":
            out.append(c)
            i += 1
            continue
        elif c == "{":
            m = _REPEAT_NO_MIN.match(pattern, i)
            if m:  # Python reads {,n} as {0,n}; RE2 would read it as literal text
                piece = "{0," + m.group(1) + "}"
                out.append(piece)
                bare.append(piece)
                i = m.end()
                continue
        out.append(c)
        bare.append(c)
        i += 1
    return "".join(out), "".join(bare)


def _escape(pattern: str, i: int) -> tuple[str, int]:
    """An escape at ``pattern[i]`` as RE2 writes it, and the position after it."""
    e = pattern[i + 1]
    if e in "uU":
        width = 4 if e == "u" else 8
        digits = pattern[i + 2:i + 2 + width]
        if len(digits) != width or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
            raise PatternError(f"\\{e} needs {width} hexadecimal digits", i)
        return "\\x{" + digits + "}", i + 2 + width
    if e == "N" and pattern.startswith("{", i + 2):
        end = pattern.find("}", i + 3)
        name = pattern[i + 3:end] if end > 0 else ""
        try:
            ch = unicodedata.lookup(name)
        except KeyError:
            raise PatternError(f"unknown character name {name!r} in \\N{{...}}", i) from None
        return "\\x{" + f"{ord(ch):x}" + "}", end + 1
    return "\\" + e, i + 2


_CACHE: dict[tuple[str, bool], object] = {}


def re2_options(ignore_case: bool):
    """The options every rule pattern is compiled with (RE2's, quiet, without captures).

    Example
    -------
    >>> re2_options(True).case_sensitive
    False
    """
    import re2

    opts = re2.Options()
    opts.log_errors = False  # RE2 would print its own message on stderr
    opts.never_capture = True  # only the whole match is used: the fastest automaton
    opts.case_sensitive = not ignore_case
    return opts


def _locate(message: str, pattern: str) -> int:
    """Where in the pattern RE2's message points (its text after ': '), else 0."""
    _, _, fragment = message.partition(": ")
    at = pattern.find(fragment) if fragment else -1
    return max(at, 0)


_RE2_WORDS = {
    "missing ]": "unterminated character set: no closing ']'",
    "missing )": "missing ), unterminated group",
    "unexpected )": "unbalanced parenthesis: no '(' to close",
    "missing argument to repetition operator": "nothing to repeat",
    "bad repetition operator": "bad repetition (RE2 repeats at most 1000 times)",
    "invalid escape sequence": "bad escape",
    "invalid character class range": "bad character range or unknown Unicode class",
    "invalid perl operator": "unknown group extension",
    "invalid named capture group": "bad group name",
    "pattern too large - compile failed": "the pattern is too large to run",
    "expression nests too deeply": "the pattern nests too deeply",
}


def compile_regex(pattern: str, *, ignore_case: bool = False):
    """Compile a rule's pattern for RE2 (cached), refusing what cannot run safely.

    Parameters
    ----------
    pattern : str
        In Python's syntax (see the module's notes on what RE2 does not do).
    ignore_case : bool, keyword-only

    Returns
    -------
    re2._Regexp
        With ``search``, ``finditer``, ``match`` as in :mod:`re` (offsets in characters).

    Raises
    ------
    PatternError
        With the position in the pattern: lookaround, backreferences, a bad pattern, one that
        nests too deep, one too large for RE2's memory budget, one that can match the empty string.

    Example
    -------
    >>> [m.span() for m in compile_regex(r"(?i)\\bbottom[- ]up\\b").finditer("Bottom-up, not bottom up-ish")]
    [(0, 9), (15, 24)]
    >>> compile_regex("x*")
    Traceback (most recent call last):
    ...
    hsqual.patterns.PatternError: the pattern can match the empty string, so it would code every unit ...
    """
    key = (pattern, ignore_case)
    got = _CACHE.get(key)
    if got is not None:
        return got
    import re2

    translated, bare = translate(pattern)
    try:  # Python's own reading first: its messages say what is wrong, at which position
        # (RE2's Unicode classes \p{Han}, \pL, which Python lacks, stand as one letter here)
        re.compile(_UNICODE_CLASS.sub(lambda m: "x" * len(m.group()), pattern))
    except re.error as exc:
        raise PatternError(exc.msg, exc.pos or 0) from None
    opts = re2_options(ignore_case)
    try:
        got = re2.compile(translated, opts)
    except re2.error as exc:
        message = exc.args[0] if exc.args else str(exc)
        if isinstance(message, bytes):
            message = message.decode("utf-8", "replace")
        head = message.partition(": ")[0]
        raise PatternError(_RE2_WORDS.get(head, head), _locate(message, pattern)) from None
    try:
        empty = re2.compile(bare, opts).fullmatch("") is not None
    except re2.error:
        empty = False
    if empty:
        raise PatternError("the pattern can match the empty string, so it would code every unit "
                           "(e.g. x* matches nothing at every position); make it match at least "
                           "one character (x+)", 0)
    if len(_CACHE) > 10_000:
        _CACHE.clear()
    _CACHE[key] = got
    return got
