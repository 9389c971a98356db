"""Coding an archive larger than memory: read, code and write a chunk of files at a time.

:func:`code_archive` is ``apply_codebook(load_corpus(paths), codebook, unit=...)`` for an
archive that does not fit in memory (decades of Diet records, years of policy papers). It
reads a chunk of files (about ``chunk_size`` bytes), codes it, appends its codings to the
output file and lets it go, so that memory holds one chunk at a time whatever the size of the
archive. The rows are those of the in-memory path, in the same order:

* files are taken in :func:`hsqual.load_corpus`'s order (a folder sorted by name, pages of the
  Diet record after the other files);
* pages of the Diet record that share a meeting are read in one chunk (with every page
  between them), so that a meeting split across pages is one document, as in memory;
* options that look at the whole archive mean the same in every chunk: a speaker or a
  ``meta:`` column that a chunk lacks is no error there, and is checked against the whole
  archive at the end (an error then leaves no output file).

The output is written to a temporary file beside ``out`` and renamed onto it only when every
chunk is written: a failure half-way leaves the previous file as it was.

Example
-------
>>> import tempfile, pathlib
>>> import hsqual
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> for i in range(3):
...     _ = (folder / f"int{i}.md").write_text(
...         f"Interviewer: Why?\\nInterviewee {i}: Freedom from fear matters most here.\\n")
>>> codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
>>> summary = code_archive(folder, codebook, out=folder / "codings.parquet", chunk_size=50, progress=False)
>>> summary["n_chunks"], summary["n_documents"], summary["n_codings"]
(3, 3, 3)
>>> import pandas as pd
>>> pd.read_parquet(folder / "codings.parquet")[["doc_id", "code", "quote"]].head(2)
  doc_id           code                                 quote
0   int0  freedoms.fear  Freedom from fear matters most here.
1   int1  freedoms.fear  Freedom from fear matters most here.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .codebook import Codebook
from .corpus import Corpus, Document
from .errors import ArgumentError, RuleSyntaxError, TranscriptError
from .apply import apply_codebook
from .parallel import code_batch, code_batches, resolve_n_jobs
from .transcripts import collect_paths, load_corpus
from .writers import atomic_write
from .params import validate_params
from .apply import SPEAKER_TYPES, SPEAKERS_RULE, UNITS
from .rules.syntax import LANGUAGES

__all__ = ["code_archive", "archive_chunks", "DEFAULT_CHUNK_SIZE"]

#: Bytes of files read per chunk by default.
DEFAULT_CHUNK_SIZE = 4_000_000
_FORMATS = (".parquet", ".csv")


def _files(path_or_paths) -> list[Path]:
    """The files an archive path gives, in load_corpus's order (Diet record pages last)."""
    out = collect_paths(path_or_paths, what="code_archive")
    return [f for f in out if f.suffix.lower() != ".json"] + [f for f in out if f.suffix.lower() == ".json"]


def archive_chunks(path_or_paths, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[list[Path]]:
    """The files of an archive in the chunks :func:`code_archive` reads them in.

    Consecutive files up to about ``chunk_size`` bytes a chunk (a file larger than that is a
    chunk of its own); pages of the Diet record that share a meeting (``issueID``) are kept in
    one chunk with every page between them.

    Example
    -------
    >>> from pathlib import Path
    >>> import hsqual
    >>> diet = Path(hsqual.__file__).parents[1] / "tests" / "data" / "diet"
    >>> [[p.name for p in chunk] for chunk in archive_chunks(diet, chunk_size=1)]
    [['meeting_page1.json'], ['speech_page1.json', 'speech_page2.json']]
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ArgumentError(f"chunk_size must be a whole number of bytes (1 or more), not {chunk_size!r}")
    files = _files(path_or_paths)
    # the last Diet page holding each meeting: a chunk may not end before it
    from .diet import diet_issue_ids

    last: dict[str, int] = {}
    reach = list(range(len(files)))
    for i, f in enumerate(files):
        if f.suffix.lower() == ".json":
            for issue in diet_issue_ids(f):
                last[issue] = i
    for i, f in enumerate(files):
        if f.suffix.lower() == ".json":
            reach[i] = max([i, *(last[issue] for issue in diet_issue_ids(f))])
    chunks: list[list[Path]] = []
    chunk: list[Path] = []
    size, must_reach = 0, -1
    for i, f in enumerate(files):
        chunk.append(f)
        size += f.stat().st_size
        must_reach = max(must_reach, reach[i])
        if size >= chunk_size and must_reach <= i:
            chunks.append(chunk)
            chunk, size = [], 0
    if chunk:
        chunks.append(chunk)
    return chunks


def _meta_columns(codebook: Codebook) -> set[str]:
    """The metadata columns the codebook's ``meta:`` rules name."""
    from .rules.rule import parse_rule
    from .rules.syntax import Meta

    out: set[str] = set()
    for code in codebook.codes:
        for lang, rules in code.rules.items():
            for text in rules:
                for node in parse_rule(text, language=lang, code=code.id).root.walk():
                    if isinstance(node, Meta):
                        out.add(node.column)
    return out


class _Sink:
    """Appends chunks of codings to a Parquet or CSV file opened by atomic_write."""

    def __init__(self, fh, suffix: str) -> None:
        self.fh, self.suffix = fh, suffix
        self.writer: Any = None
        self.columns: list[str] | None = None

    def write(self, df: pd.DataFrame) -> None:
        if self.columns is None:
            self.columns = list(df.columns)
            if self.suffix == ".parquet":
                import pyarrow as pa
                import pyarrow.parquet as pq

                # the first chunk's types, with pandas' metadata: read back, Int64 columns stay Int64
                self.schema = pa.Table.from_pandas(df, preserve_index=False).schema
                self.writer = pq.ParquetWriter(self.fh, self.schema)
        if list(df.columns) != self.columns:
            raise AssertionError(f"a chunk's codings have other columns: {list(df.columns)}")  # pragma: no cover
        if self.suffix == ".parquet":
            import pyarrow as pa

            self.writer.write_table(pa.Table.from_pandas(df, schema=self.schema, preserve_index=False))
        else:
            df.to_csv(self.fh, index=False, header=self.fh.tell() == 0, lineterminator="\n")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

    def abandon(self) -> None:
        """Close the writer of a file that will be thrown away."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
            self.writer = None


@validate_params(choices={"unit": UNITS, "language": LANGUAGES},
                 ranges={"chunk_size": (1, None), "n_jobs": (-1, None)}, types=SPEAKER_TYPES, rules=[SPEAKERS_RULE])
def code_archive(path_or_paths: str | os.PathLike | Iterable[str | os.PathLike], codebook: Codebook, *,
                 out: str | os.PathLike, unit: str = "sentence", chunk_size: int = DEFAULT_CHUNK_SIZE,
                 language: str | None = None, encoding: str | None = None, coder: str = "rules",
                 speakers: str | Iterable[str] | None = None, exclude_speakers: str | Iterable[str] | None = None,
                 n_jobs: int | None = 1, progress: bool = True) -> dict:
    """Code an archive chunk by chunk and write its codings to one Parquet (or CSV) file.

    Parameters
    ----------
    path_or_paths : path, glob pattern, or a list of them
        As for :func:`hsqual.load_corpus`: transcripts (``.md``, ``.txt``, ``.csv``,
        ``.docx``) and pages of the Diet record search API (``.json``).
    codebook : Codebook
    out : str or PathLike, keyword-only
        The codings file, ``.parquet`` (one row group per chunk with codings; read it with
        ``pandas.read_parquet``, which gives text columns pandas' ``str`` dtype) or ``.csv``
        (read it with :func:`hsqual.read_codings`); written atomically.
    unit : {"sentence", "segment", "paragraph", "document"}, keyword-only
        As for :func:`hsqual.apply_codebook`.
    chunk_size : int, keyword-only
        Bytes of files read, coded and written at a time (default 4 MB). Memory grows with
        the chunk, not with the archive.
    language, encoding : optional, keyword-only
        As for :func:`hsqual.load_corpus`.
    coder, speakers, exclude_speakers : keyword-only
        As for :func:`hsqual.apply_codebook`; speaker names are checked against the whole
        archive (an unknown name is an error once every chunk is read, and nothing is written).
    n_jobs : int or None, keyword-only
        Worker processes coding each chunk's documents in batches (``None`` or ``-1``: every
        core; :mod:`hsqual.parallel`); the rows are the same.
    progress : bool, keyword-only
        A progress bar over the bytes of the archive (tqdm) on standard error.

    Returns
    -------
    dict
        ``out`` (the path), ``n_files``, ``n_chunks``, ``n_documents``, ``n_units``,
        ``n_units_left_out``, ``n_codings`` and ``documents_without_rules``: what
        :func:`hsqual.apply_codebook` records in ``attrs``, for the whole archive.

    Raises
    ------
    TranscriptError
        A file cannot be read (as :func:`hsqual.load_corpus` says), or a document id comes
        twice in the archive.
    RuleSyntaxError
        A ``meta:`` rule names a column no document of the archive has.

    Example
    -------
    >>> import tempfile, pathlib, pandas as pd
    >>> import hsqual
    >>> codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    >>> diet = pathlib.Path(hsqual.__file__).parents[1] / "tests" / "data" / "diet"
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "diet.parquet"
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # a speech saved twice, reported by read_diet
    ...     summary = code_archive(diet, codebook, out=out, chunk_size=1, progress=False,
    ...                            exclude_speakers="会議録情報")
    ...     in_memory = hsqual.apply_codebook(hsqual.load_corpus(diet), codebook,
    ...                                       exclude_speakers="会議録情報")
    >>> summary["n_chunks"], summary["n_documents"], summary["n_codings"] == len(in_memory)
    (2, 4, True)
    >>> streamed = pd.read_parquet(out)  # text columns come back as pandas' str dtype
    >>> pd.testing.assert_frame_equal(streamed, in_memory, check_dtype=False)
    """
    if not isinstance(codebook, Codebook):
        raise ArgumentError(f"expected a Codebook, not {type(codebook).__name__} (load one with hsqual.load_codebook)")
    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in _FORMATS:
        raise ArgumentError(f"{target}: code_archive writes .parquet or .csv files, not {suffix or 'no suffix'!r}")
    if speakers is not None and exclude_speakers is not None:
        raise ArgumentError("give speakers (the turns to code) or exclude_speakers (the turns to leave out), not both")
    n_jobs = resolve_n_jobs(n_jobs)
    chunks = archive_chunks(path_or_paths, chunk_size=chunk_size)
    columns = _meta_columns(codebook) - {"speaker"}
    options = {"unit": unit, "language": language, "coder": coder, "speakers": speakers,
               "exclude_speakers": exclude_speakers}
    total = sum(f.stat().st_size for chunk in chunks for f in chunk)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="coding", unit="B", unit_scale=True, leave=False)
    summary = {"out": target, "n_files": sum(map(len, chunks)), "n_chunks": len(chunks), "n_documents": 0,
               "n_units": 0, "n_units_left_out": 0, "n_codings": 0, "documents_without_rules": []}
    try:
        with atomic_write(target, "wb" if suffix == ".parquet" else "w", newline="" if suffix == ".csv" else None) \
                as fh:
            sink = _Sink(fh, suffix)
            try:
                _code_chunks(chunks, codebook, options, columns, sink, summary, bar, encoding=encoding,
                             language=language, n_jobs=n_jobs)
            except BaseException:
                sink.abandon()
                raise
            sink.close()
    finally:
        if bar is not None:
            bar.close()
    return summary


def _code_chunks(chunks, codebook, options, columns, sink, summary, bar, *, encoding, language, n_jobs) -> None:
    """Read, code and write each chunk; the whole-archive checks at the end."""
    seen_docs: dict[str, Any] = {}
    seen_columns: set[str] = set()
    seen_speakers: set[str] = set()
    last = None
    for chunk in chunks:
        corpus = load_corpus(chunk, encoding=encoding, language=language)
        for d in corpus.documents:
            if d.doc_id in seen_docs:
                raise TranscriptError(f"document id {d.doc_id!r} comes twice in the archive (also in "
                                      f"{seen_docs[d.doc_id]}); document ids must be unique",
                                      path=d.meta.get("file"))
            seen_docs[d.doc_id] = d.meta.get("file")
            seen_columns.update(d.meta)
        seen_speakers.update(str(s.speaker).strip().casefold() for s in corpus.segments
                             if s.speaker is not None)
        corpus = _with_columns(corpus, columns)
        if n_jobs == 1:
            df, attrs = code_batch(corpus, codebook, code=apply_codebook, **options)
        else:
            df, attrs = code_batches(corpus, codebook, code=apply_codebook, n_jobs=n_jobs, **options)
        if len(df):
            sink.write(df)
        last = df.iloc[:0]
        summary["n_documents"] += len(corpus)
        summary["n_units"] += attrs["n_units"]
        summary["n_units_left_out"] += attrs["n_units_left_out"]
        summary["n_codings"] += len(df)
        summary["documents_without_rules"].extend(attrs["documents_without_rules"])
        if bar is not None:
            bar.update(sum(f.stat().st_size for f in chunk))
        del corpus, df
    _check_archive(options, columns, seen_columns, seen_speakers)
    if sink.columns is None and last is not None:
        sink.write(last)


def _with_columns(corpus: Corpus, columns: set[str]) -> Corpus:
    """Every document carries the ``meta:`` columns of the codebook (``None``: missing)."""
    if not columns:
        return corpus
    docs = [d if columns <= set(d.meta) else Document(d.doc_id, d.text, {**dict.fromkeys(columns), **d.meta})
            for d in corpus.documents]
    return Corpus(docs, corpus.segments)


def _check_archive(options: dict, columns: set[str], seen_columns: set[str], seen_speakers: set[str]) -> None:
    missing = sorted(columns - seen_columns)
    if missing:
        raise RuleSyntaxError(f"no document of the archive has a metadata column {missing[0]!r} "
                              f"(columns: {', '.join(sorted(seen_columns | {'speaker'}))})")
    for option in ("speakers", "exclude_speakers"):
        given = options.get(option)
        if given is None:
            continue
        names = [given] if isinstance(given, str) else list(given)
        unknown = [n for n in names if str(n).strip().casefold() not in seen_speakers]
        if unknown:
            raise ArgumentError(f"{option}: no segment of the archive has the speaker {unknown[0]!r}")
