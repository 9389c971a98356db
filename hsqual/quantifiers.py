"""Quantifiers: what "most", "about a half" or "three out of ten" claim about a sample.

Qualitative papers report counts in words. To check that the interviewees a paper cites for a
theme agree with the words it uses, each quantifier is read as a range of counts out of the
sample size ``n``. The readings are deliberate and documented here, so a reader can dispute
them in one place:

=============== ==============================  =========================================
key             count out of ``n``               reading
=============== ==============================  =========================================
all             n .. n                           every one
almost all      ceil(0.8 n) .. n-1               all but one or two
most            floor(n/2)+1 .. n                more than half
shared          floor(n/2)+1 .. n                "a shared perception": most or all
common          floor(n/2)+1 .. n                "a common recognition": most or all
main stance     floor(n/2)+1 .. n                "the main stance": most
many            ceil(0.3 n) .. n                 a sizeable part, possibly all
about half      round(0.4 n) .. round(0.6 n)     four to six of ten
half            n/2 .. n/2  (rounded)            exactly half
several         3 .. n-1                         three or more, not all
some            2 .. n-1                         more than one, not all
others          2 .. n-1                         "other interviewees": more than one
few             1 .. max(3, ceil(0.3 n))         one to three of ten
a number        "one", "two", ... "ten"          that count exactly
"k out of n"    "three out of ten"               that count exactly
=============== ==============================  =========================================

Example
-------
>>> quantifier_range("about half", 10)
(4, 6)
>>> quantifier_range("three out of ten", 10)
(3, 3)
>>> quantifier_range("almost all", 10)
(8, 9)
"""

from __future__ import annotations

import math
import re
from .errors import ArgumentError

__all__ = ["QUANTIFIERS", "quantifier_range"]

_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}


def _most(n: int) -> tuple[int, int]:
    return n // 2 + 1, n


QUANTIFIERS = {
    "all": lambda n: (n, n),
    "almost all": lambda n: (math.ceil(0.8 * n), n - 1),
    "most": _most,
    "shared": _most,
    "common": _most,
    "main stance": _most,
    "many": lambda n: (math.ceil(0.3 * n), n),
    "about half": lambda n: (round(0.4 * n), round(0.6 * n)),
    "half": lambda n: (round(n / 2), round(n / 2)),
    "several": lambda n: (3, n - 1),
    "some": lambda n: (2, n - 1),
    "others": lambda n: (2, n - 1),
    "few": lambda n: (1, max(3, math.ceil(0.3 * n))),
}

_OUT_OF = re.compile(r"^(\w+) out of (\w+)$")


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBERS.get(word)


def quantifier_range(key: str, n: int) -> tuple[int, int]:
    """The range of counts (inclusive) a quantifier claims in a sample of ``n``.

    Parameters
    ----------
    key : str
        A key of :data:`QUANTIFIERS`, a number word ("two"), a digit string, or
        "<k> out of <n>".
    n : int
        The sample size (10 interviewees in the Kurusu study).

    Example
    -------
    >>> quantifier_range("most", 10), quantifier_range("few", 10), quantifier_range("two", 10)
    ((6, 10), (1, 3), (2, 2))
    >>> quantifier_range("a handful", 10)
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: unknown quantifier 'a handful'; expected one of: about half, all, almost all, ...
    """
    if not isinstance(n, int) or n < 1:
        raise ArgumentError(f"sample size must be a positive integer, not {n!r}")
    k = " ".join(str(key).lower().split())
    if k in QUANTIFIERS:
        lo, hi = QUANTIFIERS[k](n)
        return max(0, min(lo, n)), max(0, min(hi, n))
    num = _number(k)
    if num is not None:
        return num, num
    m = _OUT_OF.match(k)
    if m and _number(m.group(1)) is not None and _number(m.group(2)) is not None:
        total = _number(m.group(2))
        if total != n:
            raise ArgumentError(f"quantifier {key!r} speaks of {total} but the sample has {n}")
        count = _number(m.group(1))
        return count, count
    raise ArgumentError(
        f"unknown quantifier {key!r}; expected one of: {', '.join(sorted(QUANTIFIERS))}, "
        "a number word, or '<k> out of <n>'"
    )
