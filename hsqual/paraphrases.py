"""Paraphrases of a codebook's codes: sentences written from each code's definition the way
an interviewee might say them, read from a tab-separated file beside the codebook.

A codebook ``codebooks/<name>.yaml`` may have ``codebooks/paraphrases/<name>.tsv``: one
sentence a line, ``code<TAB>expect<TAB>language<TAB>text``; ``expect`` is ``+`` (the code
applies to the sentence) or ``-`` (a sense the code keeps out, e.g. state security for
human security); lines starting with ``#`` are comments. :func:`hsqual.load_codebook` reads it
into each code's ``paraphrases``, where two things use them: the review loop's ranking
compares units with them as it does with the code's definition and examples (``-`` ones as
it does with the when-not-to-use text), and the tests hold the rules to them.

Example
-------
>>> from hsqual.resources import bundled_path
>>> found = read_paraphrases(paraphrases_path(bundled_path("codebooks") / "kurusu2015_themes.yaml"))
>>> p = found["understanding.government_policy"][0]
>>> p.language, p.applies
('en', True)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CodebookError
from .tokens import LINE_ENDS

__all__ = ["Paraphrase", "paraphrases_path", "read_paraphrases", "write_paraphrases"]

_EXPECT = {"+": True, "-": False}


@dataclass(frozen=True)
class Paraphrase:
    """A sentence written from a code's definition the way an interviewee might say it
    (:mod:`hsqual.paraphrases`); ``applies`` is False for a sense the code keeps out.

    Example
    -------
    >>> Paraphrase("en", "Nobody should have to beg for a doctor.", True).applies
    True
    """

    language: str
    text: str
    applies: bool
    line: int | None = field(default=None, compare=False, repr=False)


def paraphrases_path(codebook_path: str | os.PathLike) -> Path:
    """Where the paraphrases of a codebook file are kept: ``paraphrases/<stem>.tsv`` in its folder.

    Example
    -------
    >>> paraphrases_path("codebooks/three_freedoms.yaml").as_posix()
    'codebooks/paraphrases/three_freedoms.tsv'
    """
    p = Path(codebook_path)
    return p.parent / "paraphrases" / (p.stem + ".tsv")


def read_paraphrases(path: str | os.PathLike, *, codes=None, languages=None) -> dict[str, tuple[Paraphrase, ...]]:
    """The paraphrases of a file, by code id, in file order.

    Parameters
    ----------
    path : str or PathLike
        A paraphrase file (see the module's description).
    codes : collection of str, optional
        The code ids the file may name (a line naming another is an error).
    languages : collection of str, optional
        The languages it may use.

    Raises
    ------
    CodebookError
        A line without four tab-separated fields, an ``expect`` other than ``+`` or ``-``, an
        unknown code or language, or an empty text; the message names the file and line.

    Example
    -------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "demo.tsv"
    >>> _ = f.write_text("# code\\texpect\\tlanguage\\ttext\\nfear\\t+\\ten\\tThey shoot at night.\\nfear\\t?\\ten\\tx\\n",
    ...                  encoding="utf-8")
    >>> read_paraphrases(f)
    Traceback (most recent call last):
    ...
    hsqual.errors.CodebookError: ...demo.tsv:3: expect must be '+' (the code applies) or '-' (it must not), not '?'
    """
    from .textio import read_text

    p = Path(path)
    try:
        text = read_text(p)
    except Exception as exc:
        raise CodebookError(getattr(exc, "message", str(exc)), path=p) from None
    out: dict[str, list[Paraphrase]] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            hint = " (the fields must be separated by tabs, not spaces)" if len(fields) == 1 and " " in line else ""
            raise CodebookError(f"expected 4 tab-separated fields (code, expect, language, text), found {len(fields)}"
                                f"{hint}", path=p, line=number)
        code, expect, language, sentence = (f.strip() for f in fields)
        if expect not in _EXPECT:
            raise CodebookError(f"expect must be '+' (the code applies) or '-' (it must not), not {expect!r}",
                                path=p, line=number)
        if codes is not None and code not in codes:
            raise CodebookError(f"{code!r} is not a code of the codebook", path=p, line=number)
        if languages is not None and language not in languages:
            raise CodebookError(f"language must be one of {', '.join(languages)}, not {language!r}", path=p, line=number)
        if not sentence:
            raise CodebookError("the text is empty", path=p, line=number, code=code)
        out.setdefault(code, []).append(Paraphrase(language, sentence, _EXPECT[expect], number))
    return {c: tuple(v) for c, v in out.items()}


def _unwritable(text: str) -> str | None:
    """Why a paraphrase's text cannot be one field of its file, or None."""
    if not text.strip():
        return "its text is empty"
    if text != text.strip():
        return "its text begins or ends with spaces, which the file does not keep"
    if "\t" in text or any(c in text for c in LINE_ENDS):
        return "its text holds a tab or a line break"
    return None


def write_paraphrases(codebook, codebook_path: str | os.PathLike) -> Path | None:
    """Write the paraphrases of a codebook beside its file (``paraphrases/<name>.tsv``), so
    that :func:`hsqual.load_codebook` reads them back with it; None when it has none.

    The paraphrase file belongs to the codebook file: when the codebook has no paraphrases,
    a paraphrase file left there by an earlier version is removed (it would be read with the
    new codebook). The comment lines (``#``) of a file written over are kept, at the top.

    Raises
    ------
    CodebookError
        A paraphrase the file cannot hold as written (an empty text, a tab or line break in it,
        spaces at its ends, a language the codebook does not have); checked before anything is
        written. The message names the code and the paraphrase.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="fear", label={"en": "Fear"},
    ...                             paraphrases=(Paraphrase("en", "They come at night.", True),))], languages=("en",))
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> print(write_paraphrases(cb, folder / "demo.yaml").read_text(encoding="utf-8"))
    # code	expect	language	text
    # expect "+": the code applies to the sentence; "-": a sense it keeps out.
    fear	+	en	They come at night.
    <BLANKLINE>
    """
    from .writers import write_text

    check_paraphrases(codebook)
    tsv = paraphrases_path(codebook_path)
    if not any(c.paraphrases for c in codebook.codes):
        if tsv.is_file():
            tsv.unlink()
        return None
    kept: list[str] = []
    if tsv.is_file():
        from .textio import read_text

        try:
            kept = [ln.removesuffix("\r") for ln in read_text(tsv).split("\n") if ln.lstrip().startswith("#")]
        except Exception:  # an unreadable old file: written anew
            kept = []
    lines = kept or ["# code\texpect\tlanguage\ttext",
                     "# expect \"+\": the code applies to the sentence; \"-\": a sense it keeps out."]
    lines += [f"{c.id}\t{'+' if p.applies else '-'}\t{p.language}\t{p.text}" for c in codebook.codes
              for p in c.paraphrases]
    tsv.parent.mkdir(parents=True, exist_ok=True)
    return write_text("\n".join(lines) + "\n", tsv)


def check_paraphrases(codebook) -> None:
    """Raise :class:`~hsqual.errors.CodebookError` for the first paraphrase of a codebook its
    file could not hold (see :func:`write_paraphrases`).

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="fear", label={"en": "Fear"},
    ...                             paraphrases=(Paraphrase("en", " They come. ", True),))], languages=("en",))
    >>> check_paraphrases(cb)
    Traceback (most recent call last):
    ...
    hsqual.errors.CodebookError: code 'fear': paraphrase 1 (en, ' They come. '): its text begins or ends with spaces, which the file does not keep; expected one line of text per paraphrase
    """
    for c in codebook.codes:
        for i, p in enumerate(c.paraphrases, start=1):
            why = _unwritable(p.text)
            if why is None and p.language not in codebook.languages:
                why = f"its language {p.language!r} is not one of the codebook's ({', '.join(codebook.languages)})"
            if why is not None:
                raise CodebookError(f"paraphrase {i} ({p.language}, {p.text[:40]!r}): {why}; "
                                    "expected one line of text per paraphrase", code=c.id)
