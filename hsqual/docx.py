"""Reading Word (``.docx``) transcripts.

:func:`read_docx` returns the text of a ``.docx`` file, one paragraph a line, with the cells
of tables in reading order, and metadata from the document's properties. Speaker labels stay
in the text so the turn splitter finds them: ``Name:`` at the start of a paragraph as typed,
and a name set in bold at the start of a paragraph (``**OKADA** We think ...``) written as
``OKADA: We think ...``.

The archive is checked before it is opened (entry names, count, sizes, compression ratio), so
a crafted file cannot exhaust memory; a file that is not a readable Word document raises
:class:`~hsqual.errors.TranscriptError` naming it.

Example
-------
>>> import tempfile, pathlib, docx as python_docx
>>> d = python_docx.Document()
>>> p = d.add_paragraph(); r = p.add_run("Interviewer"); r.bold = True; _ = p.add_run(" 人間の安全保障とは？")
>>> _ = d.add_paragraph("OKADA: It is about people.")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "int01.docx"; d.save(path)
>>> text, meta = read_docx(path)
>>> print(text)
Interviewer: 人間の安全保障とは？
OKADA: It is about people.
>>> meta["speakers"]
['Interviewer', 'OKADA']
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

from .errors import ExchangeError, TranscriptError
from .textio import read_bytes
from .zipsafe import ZipLimits, open_zip_safely

__all__ = ["read_docx"]

_MAX_BYTES = 256 << 20
_LABEL = re.compile(r"([^\s:：][^:：\n]{0,39})[:：]")
_NOT_A_NAME = re.compile(r"[.!?。！？、,;]")


def _paragraph_text(par) -> tuple[str, str | None]:
    """The paragraph's text, with a leading bold name turned into ``Name: ``; and that name."""
    runs = list(par.runs)
    text = par.text
    if not runs:
        return text, None
    i = 0
    while i < len(runs) and not runs[i].text.strip():
        i += 1
    bold: list[str] = []
    while i < len(runs) and (runs[i].bold or (runs[i].style is not None and runs[i].style.font.bold)) and runs[i].text:
        bold.append(runs[i].text)
        i += 1
    name = "".join(bold).strip()
    rest = "".join(r.text for r in runs[i:])
    if not name or not rest.strip() or len(name) > 40:
        return text, None
    if name.endswith((":", "：")):
        return text, name[:-1].strip() or None
    if rest.lstrip().startswith((":", "：")):
        return text, name
    if _NOT_A_NAME.search(name) or text != "".join(r.text for r in runs):
        return text, None  # a bold phrase, not a label (or text outside runs: keep as is)
    lead = text[: len(text) - len(text.lstrip())]
    return f"{lead}{name}: {rest.lstrip()}", name


def _blocks(container, out: list[str], speakers: list[str], counts: dict[str, int]) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            text, name = _paragraph_text(block)
            out.append(text)
            counts["paragraphs"] += 1
            if name is None:
                m = _LABEL.match(text)
                name = m.group(1).strip() if m else None
            if name and name not in speakers:
                speakers.append(name)
        elif isinstance(block, Table):
            counts["tables"] += 1
            kept: list = []  # holds the cell elements, so their ids stay unique
            seen: set[int] = set()
            for row in block.rows:
                for cell in row.cells:
                    tc = cell._tc
                    if id(tc) in seen:  # a merged cell appears once per column it spans
                        continue
                    kept.append(tc)
                    seen.add(id(tc))
                    _blocks(cell, out, speakers, counts)


def read_docx(path: str | os.PathLike) -> tuple[str, dict[str, Any]]:
    """Read a ``.docx`` transcript: its text and metadata.

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    text : str
        Paragraphs joined with ``"\\n"`` (empty paragraphs kept as empty lines), tables' cell
        text in reading order (row by row, each cell's paragraphs as lines).
    meta : dict
        ``title``, ``author``, ``created`` (ISO date) when the document's properties give
        them, ``speakers`` (labels found at paragraph starts, in order of appearance),
        ``source_format`` (``"docx"``).

    Raises
    ------
    TranscriptError
        The file is missing, not a ``.docx`` or corrupt, or its archive is unsafe.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "broken.docx"
    >>> _ = p.write_bytes(b"PK\\x03\\x04 not really a zip")
    >>> read_docx(p)
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: .../broken.docx: not a readable .docx file: ...
    """
    p = Path(path)
    data = read_bytes(p, limit=_MAX_BYTES)

    try:
        with open_zip_safely(data, path=p, limits=ZipLimits(max_total_bytes=512 << 20)) as zf:
            if "word/document.xml" not in zf.namelist():
                raise TranscriptError("not a readable .docx file: it has no word/document.xml "
                                      "(is it a Word document saved as .docx?)", path=p)
    except ExchangeError as exc:
        raise TranscriptError(f"not a readable .docx file: {exc.message}", path=p) from None
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        out: list[str] = []
        speakers: list[str] = []
        counts = {"paragraphs": 0, "tables": 0}
        _blocks(document, out, speakers, counts)
        props = document.core_properties
        meta: dict[str, Any] = {}
        if props.title:
            meta["title"] = props.title
        if props.author:
            meta["author"] = props.author
        if props.created:
            meta["created"] = props.created.date().isoformat()
    except TranscriptError:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds for a damaged file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TranscriptError(f"not a readable .docx file: {reason}", path=p) from None
    meta["speakers"] = speakers
    meta["source_format"] = "docx"
    return "\n".join(out), meta
