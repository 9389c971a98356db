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
    "CodingsFileConflict",
    "OptionError",
    "ArgumentError",
    "Errors",
]


class Errors:
    """The catalogue of hsqual's templated error messages, each with a code and a fix.

    An error raised from the catalogue starts with its code in brackets (``[E101]``), so a
    message can be looked up here, searched for, and tested without matching its prose. The
    codes are stable: a message may be reworded, its code keeps its meaning. Codes ``E1xx`` are
    about the options of a call (checked by :mod:`hsqual.params`), ``E2xx`` about the tables
    passed in.

    Example
    -------
    >>> Errors.format("E102", func="cooccurrence", option="measure", value="jacard",
    ...               expected="'count', 'jaccard'")
    "[E102] cooccurrence: measure='jacard' is not one of 'count', 'jaccard'; pass one of those"
    """

    E101 = "{func}: {option} must be {expected}, not {value} ({kind}); pass {expected}"
    E102 = "{func}: {option}={value!r} is not one of {expected}; pass one of those"
    E103 = "{func}: {option} must be {expected}, not {value!r}; pass a value in that range"
    E104 = ("{func}: {option}= has no effect unless {condition}, so it was refused rather than ignored; "
            "drop {option}=, or change the call so that {condition}")
    E105 = "{func}: {option}= needs {other}= ({why}); pass {other}= too, or drop {option}="
    E106 = "{func}: {option}= and {other}= cannot be used together ({why}); pass only one of them"
    E107 = ("{func}: got an unexpected keyword argument {option!r}; its options are {expected}")
    E201 = "{func}: {column!r} is not a column of {what}; the columns there are: {columns}; pass one of those"

    @classmethod
    def format(cls, code: str, **fields: object) -> str:
        """The message of ``code`` with its fields filled in, prefixed with ``[code]``."""
        return f"[{code}] " + getattr(cls, code).format(**fields)

    @classmethod
    def codes(cls) -> list[str]:
        """Every code in the catalogue, in order.

        Example
        -------
        >>> Errors.codes()[:2]
        ['E101', 'E102']
        """
        return sorted(k for k in vars(cls) if k[:1] == "E" and k[1:].isdigit())


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


class OptionError(HsqualError, TypeError):
    """An option of a call is of the wrong type or value, or cannot apply with the others.

    Raised from the :class:`Errors` catalogue by :mod:`hsqual.params`. It is also a
    ``ValueError`` and a ``TypeError``, so code that caught those keeps working. ``option``
    names the argument and ``error_code`` the catalogue entry.

    Example
    -------
    >>> err = OptionError("E102", func="crosstab", option="unit", value="para",
    ...                   expected="'document', 'segment'")
    >>> err.error_code, err.option, isinstance(err, (ValueError, TypeError))
    ('E102', 'unit', True)
    >>> str(err)
    "[E102] crosstab: unit='para' is not one of 'document', 'segment'; pass one of those"
    """

    def __init__(self, error_code: str, *, option: str, **fields: object) -> None:
        self.error_code = error_code
        self.option = option
        self.fields = fields
        super().__init__(Errors.format(error_code, option=option, **fields))

    def __reduce__(self):
        return (_rebuild_option, (type(self), self.error_code, self.option, self.fields))


def _rebuild_option(cls, error_code, option, fields):
    return cls(error_code, option=option, **fields)


class ArgumentError(HsqualError, TypeError):
    """A function was given an argument it cannot use (a table without a needed column, a
    value out of place) where the problem is in the data rather than in one option's type or
    allowed values. Also a ``ValueError`` and a ``TypeError``.

    Example
    -------
    >>> err = ArgumentError("codings must be a pandas DataFrame, not list")
    >>> isinstance(err, (HsqualError, ValueError, TypeError))
    True
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


class CodingsFileConflict(ReviewError):
    """A review's codings were not written over a file holding rows they lack (another
    person's codings). ``rows`` and ``coders`` say whose; ``advice`` how to go on (a caller
    with other ways out, such as a command's options, builds its own message from the rest).

    Example
    -------
    >>> err = CodingsFileConflict(2, ["kim"], "write to another file", path="manual.csv")
    >>> str(err), err.rows, err.coders
    ('manual.csv: the file holds 2 row(s) (coder(s) kim) the new table does not; refusing to replace it: write to another file', 2, ['kim'])
    """

    def __init__(self, rows: int, coders, advice: str, *, path=None) -> None:
        self.rows, self.coders, self.advice = rows, sorted(coders), advice
        super().__init__(f"{self.held}; refusing to replace it: {advice}", path=path)

    @property
    def held(self) -> str:
        """What the file holds that the new table does not, in words."""
        return f"the file holds {self.rows} row(s) (coder(s) {', '.join(self.coders)}) the new table does not"
