"""Exceptions raised by hsqual.

Every error hsqual raises for bad input is an :class:`HsqualError` (a ``ValueError``), carrying
where the problem is (``path``, ``line``, ``column``, all optional) and what was expected. The
message starts with the location in the ``path:line:col:`` form editors and terminals
recognise.

Example
-------
>>> err = CodebookError("unknown key 'colour'; expected one of: color, ...",
...                     path="codebooks/x.yaml", line=12, column=5, code="freedoms.fear")
>>> str(err)
"codebooks/x.yaml:12:5: code 'freedoms.fear': unknown key 'colour'; expected one of: color, ..."
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "HsqualError",
    "CodebookError",
    "RuleSyntaxError",
    "TranscriptError",
    "CodingsError",
    "ExchangeError",
    "StudyError",
    "OutputError",
    "ReviewError",
]


class HsqualError(ValueError):
    """Base class of every error hsqual raises for bad input.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    path : str or PathLike, optional
        The file the problem is in.
    line, column : int, optional
        1-based position in that file.
    code : str, optional
        The code id concerned, where there is one.

    Example
    -------
    >>> raise HsqualError("expected a number", path="a.csv", line=3)
    Traceback (most recent call last):
    ...
    hsqual.errors.HsqualError: a.csv:3: expected a number
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike | None = None,
        line: int | None = None,
        column: int | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.code = code
        super().__init__(self._format())

    @property
    def location(self) -> str:
        """The ``path:line:col`` part of the message ('' when nothing is known)."""
        parts = [p for p in (self.path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def _format(self) -> str:
        text = self.message
        if self.code is not None:
            text = f"code {self.code!r}: {text}"
        loc = self.location
        return f"{loc}: {text}" if loc else text

    def __reduce__(self):  # keep pickling (multiprocessing) working with keyword args
        return (
            _rebuild,
            (type(self), self.message, self.path, self.line, self.column, self.code),
        )


def _rebuild(cls, message, path, line, column, code):
    return cls(message, path=path, line=line, column=column, code=code)


class CodebookError(HsqualError):
    """A codebook file is malformed (YAML, keys, ids, labels, parents, rules).

    Example
    -------
    >>> str(CodebookError("parent 'x' is not a code", path="a.yaml", line=4, code="a.b"))
    "a.yaml:4: code 'a.b': parent 'x' is not a code"
    """


class RuleSyntaxError(HsqualError):
    """A coding rule does not parse; the message shows the rule with a caret.

    Example
    -------
    >>> RuleSyntaxError("expected ')'", path="a.yaml", line=9).line
    9
    """


class TranscriptError(HsqualError):
    """A transcript or corpus file cannot be read as documented.

    Example
    -------
    >>> str(TranscriptError("the file is empty", path="t.md"))
    't.md: the file is empty'
    """


class CodingsError(HsqualError):
    """A codings table is malformed or does not fit its corpus or codebook.

    Example
    -------
    >>> CodingsError("column 'end' must be a whole number", path="c.csv", line=3).location
    'c.csv:3'
    """


class ExchangeError(HsqualError):
    """A REFI-QDA or other exchange file cannot be read or written safely.

    Example
    -------
    >>> isinstance(ExchangeError("zip member escapes the folder"), HsqualError)
    True
    """


class StudyError(HsqualError):
    """A study's bundled data is missing or inconsistent.

    Example
    -------
    >>> str(StudyError("missing study data file", path="kurusu2015/codings.csv"))
    'kurusu2015/codings.csv: missing study data file'
    """


class OutputError(HsqualError, OSError):
    """A file or folder cannot be written: a full or read-only disk, a missing permission, a
    file a person saved where hsqual was to write. Also an :class:`OSError`.

    Example
    -------
    >>> err = OutputError("cannot write the file: No space left on device", path="out/codings.csv")
    >>> str(err), isinstance(err, OSError)
    ('out/codings.csv: cannot write the file: No space left on device', True)
    """


class ReviewError(HsqualError):
    """A review log line or a review decision is malformed or contradicts another.

    Example
    -------
    >>> str(ReviewError("accepted here, rejected on line 3", path="review.jsonl", line=7))
    'review.jsonl:7: accepted here, rejected on line 3'
    """
