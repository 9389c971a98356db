"""Coding a corpus on every core, or on a dask cluster: batches of documents coded in workers.

:func:`hsqual.apply_codebook` codes one document at a time in one process. With ``n_jobs``
(all cores of this machine: a process pool) or ``engine="dask"`` (the workers of a dask
cluster, on this machine or many) it hands :func:`hsqual.apply.apply_codebook_parallel` the
corpus, which (through :func:`code_batches` here)

1. cuts it into batches of consecutive documents (about ``batch_chars`` characters each;
   :func:`split_corpus`), each batch a small corpus of its documents and their segments;
2. codes each batch in a worker with :func:`hsqual.apply_codebook` itself: each worker
   process loads its own MeCab tagger once and sends back only the codings of its batch;
3. joins the batches' codings in document order.

A unit lies within one document, so it is coded exactly as it would be in the whole corpus:
the rows, their order and their dtypes are those of ``n_jobs=1``. The options that look at
the whole corpus are settled before the batches are cut: speaker names are checked against
every segment, and every batch sees every metadata column (a document without a column
reads it as missing, as before), so a ``meta:`` rule means the same in every batch.

Within one process the coding of batches is serialised (one lock): the tagger of a process
is not shared by two threads at once. On a dask cluster, start workers with one thread each
(``dask worker tcp://scheduler:8786 --nthreads 1 --nworkers N``) to use every core.

Example
-------
>>> import hsqual
>>> codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
>>> corpus = hsqual.load_corpus(hsqual.resources.bundled_path("transcripts") / "ja")
>>> one = hsqual.apply_codebook(corpus, codebook, unit="sentence")
>>> two = hsqual.apply_codebook_parallel(corpus, codebook, unit="sentence", n_jobs=2, batch_chars=5_000)
>>> two.equals(one), len(two) == len(one) > 0
(True, True)
"""

from __future__ import annotations

import copyreg
import multiprocessing
import os
import threading
from collections.abc import Iterable, Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from .corpus import Corpus, Document
from .errors import ArgumentError
from .segment import units_of_segment

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["ENGINES", "BATCH_CHARS", "MIN_BATCH_CHARS", "batch_size", "code_batches", "code_batch", "check_speakers",
           "split_corpus", "resolve_n_jobs"]

#: Where batches are coded: this process, a process pool, a dask cluster.
ENGINES = ("local", "processes", "dask")

#: The most characters of documents matched in one pass: :func:`hsqual.apply_codebook` joins
#: the documents of a language up to this size and evaluates every rule once for them, and a
#: worker's batch is no larger. Each pass has a fixed cost (every rule is looked at once), so
#: a batch is as large as the spread over the workers allows (:func:`batch_size`).
BATCH_CHARS = 1_000_000
#: The smallest batch the default cuts: smaller corpora are not spread over every worker.
MIN_BATCH_CHARS = 20_000
_LOCK = threading.Lock()


def _read_only(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _reduce_mapping_proxy(m):
    return (_read_only, (dict(m),))


# Corpora and codebooks hold read-only mappings (MappingProxyType), which pickle cannot send to
# a worker as they are; they travel as plain dicts and are made read-only again on arrival.
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


def resolve_n_jobs(n_jobs) -> int:
    """The number of worker processes ``n_jobs`` asks for (``None`` or ``-1``: every core).

    Example
    -------
    >>> resolve_n_jobs(2), resolve_n_jobs(-1) == (os.cpu_count() or 1)
    (2, True)
    >>> resolve_n_jobs(0)
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: n_jobs must be a whole number of processes (1 or more), or -1 or None for every core, not 0
    """
    if n_jobs is None or n_jobs == -1:
        return os.cpu_count() or 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ArgumentError(f"n_jobs must be a whole number of processes (1 or more), or -1 or None for every core, "
                         f"not {n_jobs!r}")
    return n_jobs


def batch_size(total_chars: int, n_workers: int) -> int:
    """The default characters per batch for a corpus of ``total_chars`` on ``n_workers``.

    Every worker gets the same number of batches, at least two (so that one slow batch does
    not leave the other workers idle for long), and as few as keep each batch within
    :data:`BATCH_CHARS`: a pass over a batch costs the same fixed time for the rules
    whatever its size, so fewer, larger batches leave more of the cores' time for the text.
    Never below :data:`MIN_BATCH_CHARS` (a corpus too small for two such batches a worker
    gets fewer). :func:`split_corpus` ends a batch with the document that reaches the size,
    so a batch may pass it by part of one document.

    Example
    -------
    >>> batch_size(3_600_000, 2)  # two batches a worker
    900000
    >>> batch_size(10_000_000, 2)  # five a worker, none above BATCH_CHARS
    1000000
    >>> batch_size(30_000, 4)
    20000
    """
    if isinstance(total_chars, bool) or not isinstance(total_chars, int) or total_chars < 0:
        raise ArgumentError(f"total_chars must be a whole number of characters, not {total_chars!r}")
    if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
        raise ArgumentError(f"n_workers must be a whole number of workers (1 or more), not {n_workers!r}")
    per_worker = max(2, -(-total_chars // (n_workers * BATCH_CHARS)))  # batches a worker
    return max(MIN_BATCH_CHARS, -(-total_chars // (n_workers * per_worker)))


def split_corpus(corpus: Corpus, *, batch_chars: int = BATCH_CHARS) -> list[Corpus]:
    """Cut a corpus into batches of consecutive documents of about ``batch_chars`` characters.

    A batch is closed by the document that brings it to ``batch_chars`` characters or more; a
    document is never cut. Each
    batch keeps its documents' segments, and its documents carry every metadata column of
    the corpus (``None`` where a document has none, which rules read as missing).

    Example
    -------
    >>> corpus = Corpus([Document("a", "x" * 6), Document("b", "y" * 6, {"sector": "NGO"}),
    ...                  Document("c", "z" * 6)])
    >>> [b.doc_ids for b in split_corpus(corpus, batch_chars=10)]
    [['a', 'b'], ['c']]
    >>> dict(split_corpus(corpus, batch_chars=10)[1].doc("c").meta)
    {'sector': None}
    """
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"split_corpus: expected a Corpus, not {type(corpus).__name__}")
    if isinstance(batch_chars, bool) or not isinstance(batch_chars, int) or batch_chars < 1:
        raise ArgumentError(f"batch_chars must be a whole number of characters (1 or more), not {batch_chars!r}")
    columns: dict[str, None] = {}
    for d in corpus.documents:
        columns.update(dict.fromkeys(d.meta))
    segments: dict[str, list] = {d.doc_id: [] for d in corpus.documents}
    for s in corpus.segments:
        segments[s.doc_id].append(s)
    batches: list[Corpus] = []
    docs: list[Document] = []
    chars = 0

    def close():
        if docs:
            batches.append(Corpus(list(docs), [s for d in docs for s in segments[d.doc_id]]))
            docs.clear()

    for d in corpus.documents:
        if len(d.meta) < len(columns):
            d = Document(d.doc_id, d.text, {**dict.fromkeys(columns), **d.meta})
        docs.append(d)
        chars += len(d.text)
        if chars >= batch_chars:
            close()
            chars = 0
    close()
    return batches


def _names(given) -> list[str]:
    return [given] if isinstance(given, str) else list(given)


def _fold(name) -> str:
    return str(name).strip().casefold()


def _batch_options(batch: Corpus, options: dict) -> dict | None:
    """The speaker options narrowed to the names that speak in the batch (``None``: the batch
    holds none of the speakers asked for, so nothing in it is coded)."""
    speakers, exclude = options.get("speakers"), options.get("exclude_speakers")
    if speakers is None and exclude is None:
        return options
    present = {_fold(s.speaker) for s in batch.segments if s.speaker is not None}
    out = dict(options)
    if exclude is not None:
        out["exclude_speakers"] = [n for n in _names(exclude) if _fold(n) in present] or None
        return out
    out["speakers"] = [n for n in _names(speakers) if _fold(n) in present]
    return out if out["speakers"] else None


def code_batch(batch: Corpus, codebook, *, code: Callable[..., pd.DataFrame], unit: str = "sentence",
               language: str | None = None, coder: str = "rules", speakers=None,
               exclude_speakers=None) -> tuple[pd.DataFrame, dict]:
    """Code one batch of a larger corpus: its codings and the counts :func:`hsqual.apply_codebook` records.

    What a worker runs. The speaker options name speakers of the whole corpus: a name that
    does not speak in this batch is no error here (the caller checks the names against the
    whole corpus), and a batch in which none of ``speakers`` speaks codes nothing and counts
    all its units as left out. The codings are :func:`hsqual.apply_codebook`'s; the counts
    (``attrs``) are those of this batch.

    Parameters
    ----------
    batch : Corpus
        Documents of the larger corpus, with their segments.
    codebook : Codebook
    code : callable, keyword-only
        The function that codes one corpus in this process: :func:`hsqual.apply_codebook`
        (passed in, so that this module does not import the one that imports it).
    unit, language, coder, speakers, exclude_speakers
        As for :func:`hsqual.apply_codebook`.

    Returns
    -------
    (pandas.DataFrame, dict)
        The codings and their ``attrs``.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Segment
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"}, rules={"en": ("dignity",)})])
    >>> batch = Corpus([Document("int04", "Dignity first.", {"language": "en"})],
    ...                [Segment("int04", 1, 0, 14, "Dignity first.", "Interviewee 4", "turn")])
    >>> from hsqual.apply import apply_codebook
    >>> df, attrs = code_batch(batch, cb, code=apply_codebook, speakers=["Interviewer"])  # who does not speak here
    >>> len(df), attrs["n_units"], attrs["n_units_left_out"]
    (0, 0, 1)
    """
    options = {"unit": unit, "language": language, "coder": coder, "speakers": speakers,
               "exclude_speakers": exclude_speakers}
    narrowed = _batch_options(batch, options)
    with _LOCK:  # one tagger per process: threads of a worker take turns
        if narrowed is not None:
            df = code(batch, codebook, **narrowed)
            return df, dict(df.attrs)
        # none of the speakers speaks in this batch: code nothing, count what is left out. The
        # documents without their text have no units, and tell which documents have no rules.
        empty = Corpus([Document(d.doc_id, "", d.meta) for d in batch.documents])
        df = code(empty, codebook, **{**options, "speakers": None})
    attrs = dict(df.attrs)
    without = set(attrs["documents_without_rules"])
    left_out = sum(len(units_of_segment(s, unit, language=language or batch.doc(s.doc_id).language))
                   for s in batch.segments if s.doc_id not in without)
    attrs.update({"n_units": 0, "n_units_left_out": left_out, "speakers": _names(speakers)})
    return df, attrs


class _Task:
    """One batch to code, as a worker receives it (an object, not a tuple: dask would take a
    tuple that starts with a function for a task of its own graph)."""

    def __init__(self, code, batch: Corpus, codebook, options: dict) -> None:
        self.code, self.batch, self.codebook, self.options = code, batch, codebook, options


def _code_batch(task: _Task):
    return code_batch(task.batch, task.codebook, code=task.code, **task.options)


def check_speakers(corpus: Corpus, speakers, exclude_speakers) -> None:
    """Refuse a speaker name no segment of the corpus has (names are compared case-folded).

    Example
    -------
    >>> from hsqual.corpus import Segment
    >>> corpus = Corpus([Document("d", "Hi.")], [Segment("d", 1, 0, 3, "Hi.", "Q", "turn")])
    >>> check_speakers(corpus, ["q"], None)
    >>> check_speakers(corpus, None, ["A"])
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: exclude_speakers: no segment of the corpus has the speaker 'A'
    """
    given = speakers if speakers is not None else exclude_speakers
    if given is None:
        return
    option = "speakers" if speakers is not None else "exclude_speakers"
    known = {_fold(s.speaker) for s in corpus.segments if s.speaker is not None}
    unknown = [n for n in _names(given) if isinstance(n, str) and _fold(n) not in known]
    if unknown:
        raise ArgumentError(f"{option}: no segment of the corpus has the speaker {unknown[0]!r}")


def _pool(n_jobs: int):
    """A process pool whose workers start with hsqual's coding modules imported.

    ``fork`` (a copy of this process, modules and tagger loaded: fastest) where the system has
    it and this process runs one thread; otherwise ``forkserver`` (a server process that has
    imported hsqual forks the workers; Jupyter kernels run several threads, which ``fork``
    must not copy) or, where neither exists, ``spawn``.
    """
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    ctx: multiprocessing.context.BaseContext
    if "fork" in methods and threading.active_count() == 1:
        ctx = multiprocessing.get_context("fork")
    elif "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["hsqual.apply", "hsqual.parallel"])  # once the server runs, kept as it is
    else:
        ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx)


def _run_processes(tasks: list, n_jobs: int, progress: bool) -> Iterator:
    with _pool(min(n_jobs, len(tasks))) as pool:
        results = pool.map(_code_batch, tasks)
        if progress:
            from tqdm.auto import tqdm

            results = tqdm(results, total=len(tasks), desc="coding", unit="batch", leave=False)
        yield from results


def _dask_client(client):
    if client is not None:
        return client
    try:
        from distributed import get_client
    except ImportError:
        raise ImportError("engine='dask' needs dask[distributed]: pip install 'hsqual[scale]'") from None
    try:
        return get_client()
    except ValueError:
        return None


def _run_dask(tasks: list, client) -> list:
    try:
        import dask.bag as db
    except ImportError:
        raise ImportError("engine='dask' needs dask[distributed]: pip install 'hsqual[scale]'") from None
    bag = db.from_sequence(tasks, npartitions=len(tasks)).map(_code_batch)
    client = _dask_client(client)
    if client is None:  # no cluster: dask's own scheduler, one process per core
        return bag.compute(scheduler="processes")
    return client.compute(bag).result()


def _n_workers(engine: str, n_jobs: int, client) -> int:
    if engine == "dask":
        client = _dask_client(client)
        if client is not None:
            return max(1, sum(client.nthreads().values()))
        return os.cpu_count() or 1
    return n_jobs


def code_batches(corpus: Corpus, codebook, *, code: Callable[..., pd.DataFrame], unit: str = "sentence",
                 language: str | None = None,
                 coder: str = "rules", speakers=None, exclude_speakers=None, progress: bool = False,
                 n_jobs=None, engine: str = "processes", client=None,
                 batch_chars: int | None = None) -> tuple[pd.DataFrame, dict]:
    """Code a corpus that is part of a larger whole in batches on workers: codings and counts.

    :func:`hsqual.apply.apply_codebook_parallel` without the check of speaker names against the corpus
    (the caller checks them against the whole, as :func:`hsqual.code_archive` does for each
    chunk of an archive); each batch is coded by :func:`code_batch`.

    Parameters
    ----------
    code : callable, keyword-only
        As for :func:`code_batch`.
    others
        As for :func:`hsqual.apply.apply_codebook_parallel`.

    Returns
    -------
    (pandas.DataFrame, dict)
        The codings, in document order, and the ``attrs`` :func:`hsqual.apply_codebook`
        records, counted over every batch.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Segment
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"}, rules={"en": ("dignity",)})])
    >>> part = Corpus([Document("int04", "Dignity first.", {"language": "en"})],
    ...               [Segment("int04", 1, 0, 14, "Dignity first.", "Interviewee 4", "turn")])
    >>> from hsqual.apply import apply_codebook
    >>> df, attrs = code_batches(part, cb, code=apply_codebook, speakers=["Interviewer"], engine="local")
    >>> len(df), attrs["n_units_left_out"], attrs["speakers"]
    (0, 1, ['Interviewer'])
    """
    if engine not in ENGINES:
        raise ArgumentError(f"engine must be one of {', '.join(map(repr, ENGINES))}, not {engine!r}")
    n_jobs = resolve_n_jobs(n_jobs)
    options = {"unit": unit, "language": language, "coder": coder, "speakers": speakers,
               "exclude_speakers": exclude_speakers}
    if batch_chars is None:
        total = sum(len(d.text) for d in corpus.documents)
        batch_chars = batch_size(total, _n_workers(engine, n_jobs, client))
    tasks = [_Task(code, batch, codebook, options) for batch in split_corpus(corpus, batch_chars=batch_chars)]
    if engine == "dask" and tasks:
        results = iter(_run_dask(tasks, client))
    elif engine == "processes" and len(tasks) > 1 and n_jobs > 1:
        results = _run_processes(tasks, n_jobs, progress)
    else:
        results = map(_code_batch, tasks)
    frames, n_units, n_left_out, without_rules = [], 0, 0, []
    first, attrs0 = None, None
    for df, attrs in results:
        if first is None:
            first, attrs0 = df, attrs
        if len(df):
            frames.append(df)
        n_units += attrs["n_units"]
        n_left_out += attrs["n_units_left_out"]
        without_rules.extend(attrs["documents_without_rules"])
    if frames:
        out = pd.concat(frames, ignore_index=True)
    elif first is not None:
        out = first.iloc[:0].copy()
    else:  # no batch coded: the empty table apply_codebook returns
        out, attrs0 = code_batch(Corpus([]), codebook, code=code,
                                 **{**options, "speakers": None, "exclude_speakers": None})
    # the settings as apply_codebook records them, the counts over every batch
    attrs = {**(attrs0 or {}), "n_documents": len(corpus), "n_units": n_units, "n_units_left_out": n_left_out,
             "speakers": _names(speakers) if speakers is not None else None,
             "exclude_speakers": _names(exclude_speakers) if exclude_speakers is not None else None,
             "documents_without_rules": without_rules}
    out.attrs = attrs
    return out, dict(attrs)
