"""The unit-by-code incidence matrix every matrix of hsqual is built from.

A codings table says which code was applied to which span of which document. Most measures
of qualitative analysis -- code frequencies, code-by-case matrices, cross tabulations,
co-occurrence -- only need to know *which units carry which codes*. :func:`incidence_matrix`
builds that once, as a sparse units x codes matrix:

``unit="segment"``
    a unit is a segment ``(doc_id, segment_id)``. With a ``corpus``, every segment of the corpus
    is a unit, including the ones nobody coded (they count as units without the code);
    without one, the units are the segments that carry at least one coding.
``unit="document"``
    a unit is a document (``doc_id``); with a ``corpus``, every document of it.
``unit="sentence"`` (``corpus`` needed)
    a unit is a sentence: every segment of every document of the corpus is split into
    sentences by :func:`hsqual.segment.split_sentences` in the document's language, exactly as
    ``apply_codebook(unit="sentence")`` splits it. A coding counts for every sentence its span
    intersects (a zero-width coding for the sentence it sits in); sentences nobody coded are
    units too, so the number of units is the number of sentences. Codings that touch no
    sentence (a span over blank space between segments) are counted in ``n_unassigned``.
    Units are keyed ``(doc_id, segment_id, start, end)``: the segment the sentence lies in
    and the sentence's offsets into the document text.
``unit="paragraph"`` (``corpus`` needed)
    as ``"sentence"``, with the paragraphs (blocks between blank lines) that
    ``apply_codebook(unit="paragraph")`` codes, cut by :func:`hsqual.segment.units_of_segment`.
``unit="span"``
    a unit is a distinct coded span ``(doc_id, start, end)``: codes applied to exactly the same
    words (an ATLAS.ti quotation, a MAXQDA coded segment) share a unit. Spans come from the
    codings only.
``unit=<column>``
    a unit is a value of a metadata column, e.g. ``"interviewees"`` or ``"sector"``. The column
    is looked up in the documents' metadata (``corpus`` needed) or, failing that, in the codings
    table itself. A cell holding several values joined by ``";"`` (an excerpt citing
    interviewees ``"2;3;6"``) counts for each of them. Codings whose document has no value
    are not in any unit; their number is kept as ``n_unassigned`` (never dropped silently).

With ``binary=True`` (default) a cell is 1 when the unit carries the code at least once;
with ``binary=False`` it is the number of codings.

Example
-------
>>> from hsqual.codings import codings_frame
>>> codings = codings_frame([
...     {"doc_id": "K01", "segment_id": 1, "code": "freedoms.fear", "start": 0, "end": 9,
...      "quote": "violence.", "coder": "kurusu2015"},
...     {"doc_id": "K01", "segment_id": 1, "code": "freedoms.want", "start": 0, "end": 9,
...      "quote": "violence.", "coder": "kurusu2015"},
...     {"doc_id": "K02", "segment_id": 1, "code": "freedoms.fear", "start": 4, "end": 10,
...      "quote": "danger", "coder": "kurusu2015"}])
>>> inc = incidence_matrix(codings, unit="document")
>>> inc.to_frame()
code    freedoms.fear  freedoms.want
doc_id
K01                 1              1
K02                 1              0
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from .errors import ArgumentError, CodingsError
from .params import needs, validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["Incidence", "incidence_matrix", "split_values", "str_array", "factorize_str", "natural_key",
           "BUILTIN_UNITS", "CODING_UNITS", "SUB_SEGMENT_UNITS"]

BUILTIN_UNITS = ("segment", "document", "sentence", "paragraph", "span")
#: the units ``apply_codebook`` codes; every analysis function accepts each of them
CODING_UNITS = ("document", "segment", "sentence", "paragraph")
#: units cut inside a segment by :func:`hsqual.segment.units_of_segment` (a corpus is needed)
SUB_SEGMENT_UNITS = ("sentence", "paragraph")
_SEP = ";"


@dataclass(frozen=True)
class Incidence:
    """A units x codes matrix, the structure every count of hsqual is derived from.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``len(units)`` x ``len(codes)``, integer; 0/1 when built with ``binary=True``.
    units : pandas.Index
        The unit keys, in row order: ``doc_id`` for documents, a ``(doc_id, segment_id)``,
        ``(doc_id, segment_id, start, end)`` or ``(doc_id, start, end)`` MultiIndex for
        segments, sentences and spans, the values of the metadata column otherwise.
    codes : list of str
        The code ids, in column order.
    unit : str
        The unit setting that built it.
    n_unassigned : int
        Codings rows that belong to no unit (metadata unit with an empty value; a sentence
        unit and a span touching no sentence).
    settings : Mapping
        Every setting that built the matrix.

    Example
    -------
    >>> inc = Incidence(sparse.csr_matrix(np.array([[1, 0], [1, 1]])), pd.Index(["K01", "K02"], name="doc_id"),
    ...                 ["risk.interstate", "risk.social"], "document")
    >>> inc.n_units, inc.counts().tolist()
    (2, [2, 1])
    """

    matrix: sparse.csr_matrix
    units: pd.Index
    codes: list[str]
    unit: str
    n_unassigned: int = 0
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        m = sparse.csr_matrix(self.matrix)
        if m.shape != (len(self.units), len(self.codes)):
            raise ArgumentError(f"Incidence: matrix shape {m.shape} does not match "
                             f"{len(self.units)} units x {len(self.codes)} codes")
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "codes", list(self.codes))
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))

    @property
    def n_units(self) -> int:
        """The number of units (rows)."""
        return len(self.units)

    def counts(self) -> pd.Series:
        """Per code, the column sum: units carrying the code (binary) or codings (counts).

        Example
        -------
        >>> inc = Incidence(sparse.csr_matrix(np.array([[1, 1]])), pd.Index(["K01"]), ["a", "b"], "document")
        >>> inc.counts().to_dict()
        {'a': 1, 'b': 1}
        """
        return pd.Series(np.asarray(self.matrix.sum(axis=0)).ravel().astype("int64"),
                         index=pd.Index(self.codes, name="code"), name="n")

    def binary(self) -> Incidence:
        """The same matrix with every non-zero cell set to 1.

        Example
        -------
        >>> inc = Incidence(sparse.csr_matrix(np.array([[3, 0]])), pd.Index(["K01"]), ["a", "b"], "document")
        >>> inc.binary().matrix.toarray().tolist()
        [[1, 0]]
        """
        m = self.matrix.copy()
        m.data = (m.data != 0).astype(m.dtype)
        m.eliminate_zeros()
        return Incidence(m, self.units, self.codes, self.unit, self.n_unassigned,
                         {**self.settings, "binary": True})

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a dense DataFrame (units as rows, codes as columns).

        Example
        -------
        >>> inc = Incidence(sparse.csr_matrix(np.array([[1, 0]])), pd.Index(["K01"], name="doc_id"),
        ...                 ["a", "b"], "document")
        >>> inc.to_frame()
        code    a  b
        doc_id
        K01     1  0
        """
        df = pd.DataFrame(self.matrix.toarray(), index=self.units.copy(),
                          columns=pd.Index(self.codes, name="code"))
        df.attrs.update(dict(self.settings))
        return df


# ---------------------------------------------------------------------------------------
# helpers shared by the analysis modules
# ---------------------------------------------------------------------------------------


def split_values(value: object) -> list[str]:
    """The values of one metadata cell: ``"2;3;6"`` -> ``["2", "3", "6"]``; empty -> ``[]``.

    Whole-number floats (``2.0``, as pandas reads a numeric column with gaps) become ``"2"``.

    Example
    -------
    >>> split_values("2; 3;6"), split_values(4.0), split_values(None), split_values(float("nan"))
    (['2', '3', '6'], ['4'], [], [])
    """
    if value is None or value is pd.NA:
        return []
    if isinstance(value, float):
        if math.isnan(value):
            return []
        return [str(int(value))] if value.is_integer() else [str(value)]
    if isinstance(value, (list, tuple, set, frozenset)):
        out: list[str] = []
        for v in value:
            out.extend(split_values(v))
        return out
    if isinstance(value, (int, np.integer)):
        return [str(int(value))]
    if isinstance(value, np.floating):
        return split_values(float(value))
    text = str(value)
    return [p.strip() for p in text.split(_SEP) if p.strip()]


def str_array(values) -> np.ndarray:
    """A column as a NumPy object array of ``str`` (cheap when it already holds strings).

    Example
    -------
    >>> str_array(pd.Series(["K01", 2])).tolist()
    ['K01', '2']
    """
    arr = np.asarray(values.to_numpy(dtype=object) if hasattr(values, "to_numpy") else values, dtype=object)
    if arr.size and pd.api.types.infer_dtype(arr, skipna=False) != "string":
        arr = np.array([str(v) for v in arr], dtype=object)
    return arr


def factorize_str(values) -> tuple[np.ndarray, np.ndarray]:
    """A column as integer codes and its distinct values as ``str``, in order of first appearance.

    The column is factorised once (pandas hashes Arrow or object strings in C); only the
    distinct values are turned into Python strings, so a column of millions of rows costs no
    per-row Python. Values that print alike (``2`` and ``"2"``) share a code, as they would
    after ``astype(str)``.

    Example
    -------
    >>> codes, uniques = factorize_str(pd.Series(["K02", "K01", "K02", 2, "2"]))
    >>> codes.tolist(), uniques.tolist()
    ([0, 1, 0, 2, 2], ['K02', 'K01', '2'])
    """
    codes, uniques = pd.factorize(values if hasattr(values, "dtype") else np.asarray(values, dtype=object),
                                  sort=False, use_na_sentinel=False)
    as_str = np.array([str(u) for u in uniques], dtype=object)
    if len(set(as_str)) != len(as_str):   # e.g. 2 and "2": merge them as astype(str) would
        merged, as_str = pd.factorize(as_str, sort=False)
        codes = merged[codes]
        as_str = np.asarray(as_str, dtype=object)
    return np.asarray(codes, dtype=np.int64), as_str


def natural_key(value: object) -> tuple:
    """Sort key putting ``"2"`` before ``"10"`` and numbers before words.

    Example
    -------
    >>> sorted(["10", "2", "NGO", "1"], key=natural_key)
    ['1', '2', '10', 'NGO']
    """
    text = str(value)
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p != "")


def check_columns(codings: pd.DataFrame, needed: Sequence[str], what: str) -> pd.DataFrame:
    if not isinstance(codings, pd.DataFrame):
        raise ArgumentError(f"{what}: codings must be a pandas DataFrame (see hsqual.codings_frame), "
                        f"not {type(codings).__name__}")
    missing = [c for c in needed if c not in codings.columns]
    if missing:
        raise CodingsError(f"{what}: codings lack column(s) {', '.join(missing)}")
    return codings


def map_codes(codes: pd.Series, hierarchy, *, mode: str = "root") -> pd.DataFrame:
    """Map each coding's code through a codebook hierarchy.

    ``mode="root"`` replaces a code by its top-level ancestor (one row per coding);
    ``mode="aggregate"`` keeps the code and adds one row per ancestor, so that a parent counts
    the units coded with it or any descendant. Returns a frame with ``row`` (position in
    ``codes``) and ``code``. A code the codebook does not hold is an error.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("d", [Code(id="freedoms", label={}),
    ...                     Code(id="freedoms.fear", label={}, parent="freedoms")])
    >>> map_codes(pd.Series(["freedoms.fear"]), cb, mode="aggregate")["code"].tolist()
    ['freedoms.fear', 'freedoms']
    """
    if mode not in ("root", "aggregate"):
        raise ArgumentError(f"map_codes: mode must be 'root' or 'aggregate', not {mode!r}")
    values = str_array(codes)
    unknown = sorted({c for c in set(values) if c not in hierarchy})
    if unknown:
        raise CodingsError(f"cannot roll codes up: {', '.join(unknown[:10])} "
                           f"{'is' if len(unknown) == 1 else 'are'} not in codebook {hierarchy.id!r}")
    if mode == "root":
        roots = {c: hierarchy.root(c) for c in set(values)}
        return pd.DataFrame({"row": np.arange(len(values)), "code": [roots[c] for c in values]})
    chains = {c: [c, *hierarchy.ancestors(c)] for c in set(values)}
    rows = [(i, a) for i, c in enumerate(values) for a in chains[c]]
    return pd.DataFrame(rows, columns=["row", "code"]) if rows else pd.DataFrame({"row": [], "code": []})


def unit_spans(corpus, unit: str = "sentence") -> pd.DataFrame:
    """Every unit of a corpus cut inside its segments, as ``apply_codebook(unit=unit)`` finds them.

    Each segment of each document is cut by :func:`hsqual.segment.units_of_segment` in the
    document's language (``unit`` is ``"sentence"``, ``"paragraph"`` or ``"segment"``); pieces
    that are empty or blank are left out. Returns one row per unit, in corpus order:
    ``doc_id, segment_id, start, end`` (offsets into the document text). Internal helper of the
    analysis modules.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> unit_spans(Corpus([Document("int04", "It protects people.\\n\\nIt empowers them.")]), "paragraph")
      doc_id  segment_id  start  end
    0  int04           1      0   19
    1  int04           1     21   38
    """
    from .segment import units_of_segment

    by_doc: dict[str, list] = {d.doc_id: [] for d in corpus.documents}
    for s in corpus.segments:
        by_doc[s.doc_id].append(s)
    docs, segs, starts, ends = [], [], [], []
    for doc in corpus.documents:
        for s in by_doc[doc.doc_id]:
            for a, b in units_of_segment(s, unit, language=doc.language):
                docs.append(doc.doc_id)
                segs.append(int(s.segment_id))
                starts.append(a)
                ends.append(b)
    return pd.DataFrame({"doc_id": pd.Series(docs, dtype=object), "segment_id": np.asarray(segs, dtype=np.int64),
                         "start": np.asarray(starts, dtype=np.int64), "end": np.asarray(ends, dtype=np.int64)})


def sentence_spans(corpus) -> pd.DataFrame:
    """Every sentence of a corpus: :func:`unit_spans` with ``unit="sentence"``.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> sentence_spans(Corpus([Document("int04", "It protects people. It empowers them.")]))
      doc_id  segment_id  start  end
    0  int04           1      0   19
    1  int04           1     20   37
    """
    return unit_spans(corpus, "sentence")


def span_hits(doc_ids, starts, ends, units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Which units (``doc_id, start, end`` rows) each span intersects.

    A span ``[a, b)`` intersects a unit ``[s, e)`` of its document when ``a < e`` and ``s < b``;
    a zero-width span (``a == b``) hits the unit with ``s <= a < e``. Returns ``(rows, keys)``:
    span positions and unit positions, one pair per hit. Internal helper.

    Example
    -------
    >>> units = pd.DataFrame({"doc_id": ["d", "d", "d"], "start": [0, 20, 38], "end": [19, 37, 50]})
    >>> rows, keys = span_hits(["d", "d"], [10, 40], [25, 40], units)
    >>> list(zip(rows.tolist(), keys.tolist()))
    [(0, 0), (0, 1), (1, 2)]
    """
    doc_ids = np.asarray(doc_ids, dtype=object)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    u_docs = units["doc_id"].to_numpy(dtype=object)
    u_start = units["start"].to_numpy(dtype=np.int64)
    u_end = units["end"].to_numpy(dtype=np.int64)
    out_rows: list[np.ndarray] = []
    out_keys: list[np.ndarray] = []
    unit_groups = pd.Series(np.arange(len(u_docs))).groupby(u_docs, sort=False).indices if len(u_docs) else {}
    span_groups = pd.Series(np.arange(len(doc_ids))).groupby(doc_ids, sort=False).indices if len(doc_ids) else {}
    for doc, rows in span_groups.items():
        keys = unit_groups.get(doc)
        if keys is None or not len(rows):
            continue
        keys = np.asarray(keys, dtype=np.int64)
        order = np.argsort(u_start[keys], kind="stable")
        keys = keys[order]
        us, ue = u_start[keys], u_end[keys]
        a, b = starts[rows], ends[rows]
        point = a == b
        if np.all(ue[1:] >= ue[:-1]):
            # units sorted by start with non-decreasing ends: the units a span hits are a run
            lo = np.searchsorted(ue, a, side="right")
            hi = np.where(point, np.searchsorted(us, a, side="right"), np.searchsorted(us, b, side="left"))
            cnt = np.maximum(hi - lo, 0)
            r = np.repeat(np.arange(len(rows)), cnt)
            k = lo[r] + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
            ok = np.where(point[r], (us[k] <= a[r]) & (a[r] < ue[k]), (a[r] < ue[k]) & (us[k] < b[r]))
            r, k = r[ok], k[ok]
        else:  # nested or crossing units: compare every pair
            hit = np.where(point[:, None], (us[None, :] <= a[:, None]) & (a[:, None] < ue[None, :]),
                           (a[:, None] < ue[None, :]) & (us[None, :] < b[:, None]))
            r, k = np.nonzero(hit)
        out_rows.append(np.asarray(rows, dtype=np.int64)[r])
        out_keys.append(keys[k])
    if not out_rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    rows_all, keys_all = np.concatenate(out_rows), np.concatenate(out_keys)
    order = np.lexsort((keys_all, rows_all))
    return rows_all[order], keys_all[order]


def check_unit(unit, codings: pd.DataFrame, corpus, *, accepted: Sequence[str] = BUILTIN_UNITS,
               what: str = "incidence_matrix") -> None:
    """Raise a ``ValueError`` listing every accepted unit when ``unit`` is none of them.

    ``unit`` is accepted when it is one of ``accepted`` or names a metadata column (of the
    documents when ``corpus`` is given, else of the codings). Internal helper.

    Example
    -------
    >>> check_unit("speaker", pd.DataFrame({"doc_id": ["d"]}), None)
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: incidence_matrix: unit 'speaker' is neither one of 'segment', 'document', 'sentence', 'paragraph', 'span' nor a column of the codings (pass corpus= to use document metadata)
    """
    names = ", ".join(map(repr, accepted))
    if not isinstance(unit, str) or not unit:
        raise ArgumentError(f"{what}: unit must be one of {names} or a metadata column name, not {unit!r}")
    if unit in accepted:
        if unit in SUB_SEGMENT_UNITS and corpus is None:
            raise ArgumentError(f"{what}: unit={unit!r} needs corpus= (the {unit}s are found by cutting "
                             f"every segment of the corpus, as apply_codebook(unit={unit!r}) does)")
        return
    if unit in BUILTIN_UNITS or unit in ("overlap", "proximity", "character"):
        hint = {"overlap": "; 'overlap' and 'proximity' are units of cooccurrence()",
                "proximity": "; 'overlap' and 'proximity' are units of cooccurrence()",
                "character": "; 'character' is a unit of agreement()"}.get(unit, "")
        raise ArgumentError(f"{what}: unit {unit!r} is not accepted here; accepted units: {names}, "
                         f"or a metadata column name{hint}")
    if corpus is not None:
        if any(unit in d.meta for d in corpus.documents):
            return
        keys = sorted({k for d in corpus.documents for k in d.meta})
        if unit in codings.columns:
            return
        raise ArgumentError(f"{what}: unit {unit!r} is neither one of {names} nor a column of the documents' metadata "
                         f"(metadata columns: {', '.join(keys) or '(none)'})")
    if unit in codings.columns:
        return
    raise ArgumentError(f"{what}: unit {unit!r} is neither one of {names} nor a column of the codings "
                     "(pass corpus= to use document metadata)")


def unit_keys(codings: pd.DataFrame, unit: str, corpus=None) -> tuple[pd.DataFrame, pd.Index, int]:
    """For each codings row, its unit key(s); and the full index of units.

    Returns ``(pairs, units, n_unassigned)`` where ``pairs`` has columns ``row`` (position in
    ``codings``) and ``key`` (position in ``units``). Internal helper of the analysis modules.
    """
    n = len(codings)
    if unit == "document":
        doc_codes, doc_uniques = factorize_str(codings["doc_id"])
        if corpus is not None:
            check_known_docs(pd.Series(doc_uniques, dtype=object), corpus)
            units = pd.Index(corpus.doc_ids, name="doc_id", dtype=object)
            key = units.get_indexer(doc_uniques).astype(np.int64)[doc_codes] if n else np.array([], dtype=np.int64)
        else:
            units = pd.Index(doc_uniques, name="doc_id", dtype=object)
            key = doc_codes
        return pd.DataFrame({"row": np.arange(n), "key": key}), units, 0
    if unit == "segment":
        doc_codes, doc_uniques = factorize_str(codings["doc_id"])
        segs = codings["segment_id"].astype("int64").to_numpy()
        empty = pd.MultiIndex.from_arrays([[], []], names=["doc_id", "segment_id"])
        # (doc, segment) pairs as single integers: doc position * width + segment id
        if corpus is not None:
            check_known_docs(pd.Series(doc_uniques, dtype=object), corpus)
            doc_index = pd.Index(corpus.doc_ids, dtype=object)
            doc_pos = doc_index.get_indexer(doc_uniques).astype(np.int64)[doc_codes] if n else doc_codes
            u_docs = np.array([s.doc_id for s in corpus.segments], dtype=object)
            u_segs = np.array([int(s.segment_id) for s in corpus.segments], dtype=np.int64)
        else:
            doc_index = pd.Index(doc_uniques, dtype=object)
            doc_pos = doc_codes
        lo = min(segs.min() if n else 0, u_segs.min() if corpus is not None and len(u_segs) else 0)
        width = int(max(segs.max() if n else 0, u_segs.max() if corpus is not None and len(u_segs) else 0) - lo + 1)
        row_key = doc_pos * width + (segs - lo)
        if corpus is not None:
            unit_key = doc_index.get_indexer(u_docs).astype(np.int64) * width + (u_segs - lo)
            units = pd.MultiIndex.from_arrays([u_docs, u_segs], names=["doc_id", "segment_id"]) if len(u_docs) else empty
            key = pd.Index(unit_key).get_indexer(row_key) if n else np.array([], dtype=int)
        else:
            key, uniq = pd.factorize(row_key)
            units = pd.MultiIndex.from_arrays(
                [doc_index.to_numpy()[uniq // width], uniq % width + lo], names=["doc_id", "segment_id"]) if n else empty
        if (key < 0).any():
            bad = [f"{doc_uniques[doc_codes[i]]}#{segs[i]}" for i in np.flatnonzero(key < 0)[:5]]
            raise CodingsError(f"codings point at segment(s) the corpus does not have: {', '.join(bad)} "
                               "(segment them the same way, or leave out the corpus)")
        return pd.DataFrame({"row": np.arange(n), "key": key}), units, 0
    if unit in SUB_SEGMENT_UNITS:
        if corpus is None:
            raise ArgumentError(f"unit={unit!r} needs corpus= (the {unit}s are found by cutting every segment "
                             f"of the corpus, as apply_codebook(unit={unit!r}) does)")
        docs = str_array(codings["doc_id"]) if n else np.array([], dtype=object)
        check_known_docs(pd.Series(docs, dtype=object), corpus)
        sents = unit_spans(corpus, unit)
        units = pd.MultiIndex.from_frame(sents[["doc_id", "segment_id", "start", "end"]]) if len(sents) else \
            pd.MultiIndex.from_arrays([[], [], [], []], names=["doc_id", "segment_id", "start", "end"])
        if n:
            rows, keys = span_hits(docs, codings["start"].astype("int64").to_numpy(),
                                   codings["end"].astype("int64").to_numpy(), sents)
        else:
            rows, keys = np.array([], dtype=np.int64), np.array([], dtype=np.int64)
        unassigned = n - len(np.unique(rows))
        return pd.DataFrame({"row": rows, "key": keys}), units, int(unassigned)
    if unit == "span":
        docs = codings["doc_id"].astype(str).to_numpy()
        starts = codings["start"].astype("int64").to_numpy()
        ends = codings["end"].astype("int64").to_numpy()
        if corpus is not None:
            check_known_docs(pd.Series(docs), corpus)
            rank = {d: i for i, d in enumerate(corpus.doc_ids)}
        else:
            rank = {d: i for i, d in enumerate(dict.fromkeys(docs))}
        frame = pd.DataFrame({"r": [rank[d] for d in docs], "doc_id": docs, "start": starts, "end": ends})
        uniq = frame.drop_duplicates().sort_values(["r", "start", "end"])
        units = pd.MultiIndex.from_frame(uniq[["doc_id", "start", "end"]]) if len(uniq) else \
            pd.MultiIndex.from_arrays([[], [], []], names=["doc_id", "start", "end"])
        key = units.get_indexer(pd.MultiIndex.from_arrays([docs, starts, ends])) if n else np.array([], dtype=int)
        return pd.DataFrame({"row": np.arange(n), "key": key}), units, 0
    # a metadata column
    values_per_row: list[list[str]]
    all_values: list[str] = []
    meta_docs = corpus is not None and any(unit in d.meta for d in corpus.documents)
    if meta_docs:
        docs = codings["doc_id"].astype(str)
        check_known_docs(docs, corpus)
        per_doc = {d.doc_id: split_values(d.meta.get(unit)) for d in corpus.documents}
        for vals in per_doc.values():
            all_values.extend(vals)
        values_per_row = [per_doc[d] for d in docs]
    elif unit in codings.columns:
        values_per_row = [split_values(v) for v in codings[unit].tolist()]
        for vals in values_per_row:
            all_values.extend(vals)
    else:
        check_unit(unit, codings, corpus, what="incidence_matrix")
        raise ArgumentError(f"unit {unit!r} is not a metadata column")  # pragma: no cover - check_unit raised
    units = pd.Index(sorted(dict.fromkeys(all_values), key=natural_key), name=unit, dtype=object)
    lookup = {v: i for i, v in enumerate(units)}
    rows, keys = [], []
    unassigned = 0
    for i, vals in enumerate(values_per_row):
        if not vals:
            unassigned += 1
        for v in dict.fromkeys(vals):
            rows.append(i)
            keys.append(lookup[v])
    return pd.DataFrame({"row": np.asarray(rows, dtype=int), "key": np.asarray(keys, dtype=int)}), units, unassigned


def check_known_docs(docs: pd.Series, corpus) -> None:
    known = set(corpus.doc_ids)
    bad = sorted(set(docs) - known)
    if bad:
        raise CodingsError(f"codings point at document(s) the corpus does not have: {', '.join(map(str, bad[:10]))}")


@validate_params(rules=[needs("rollup", "hierarchy", "the codebook says which code is whose parent")])
def incidence_matrix(
    codings: pd.DataFrame,
    *,
    unit: str = "segment",
    corpus: Corpus | None = None,
    codes: Iterable[str] | None = None,
    hierarchy: Codebook | None = None,
    rollup: bool = False,
    binary: bool = True,
) -> Incidence:
    """Build the units x codes incidence matrix of a codings table.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table (``doc_id, segment_id, code, start, end, ...``).
    unit : {"segment", "document", "sentence", "paragraph", "span"} or str, keyword-only
        What a unit is (see the module documentation); any other string names a metadata
        column (document metadata when ``corpus`` is given, else a codings column) whose
        ``";"``-joined values are the units.
    corpus : Corpus, optional
        Defines the full set of units (uncoded segments, sentences and documents included) and
        holds the document metadata for a metadata unit; needed for ``unit="sentence"`` and ``"paragraph"``.
    codes : iterable of str, optional
        The columns, in this order (codes without codings give zero columns; codings of other
        codes are left out). Default: every code in the codings, in codebook order when
        ``hierarchy`` is given, else sorted.
    hierarchy : Codebook, optional
        Needed for ``rollup``; also orders the columns.
    rollup : bool
        Replace every code by its top-level ancestor, so a unit coded with a child counts for
        the parent (once, however many children it carries).
    binary : bool
        1/0 presence (default) or the number of codings in each cell.

    Returns
    -------
    Incidence

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> cb = Codebook("d", [Code(id="freedoms", label={}),
    ...                     Code(id="freedoms.fear", label={}, parent="freedoms"),
    ...                     Code(id="freedoms.want", label={}, parent="freedoms")])
    >>> corpus = Corpus([Document("K01", "fear and want", {"interviewees": "2;3"}),
    ...                  Document("K02", "want", {"interviewees": "3"})])
    >>> rows = [("K01", "freedoms.fear", 0, 4, "fear"), ("K01", "freedoms.want", 9, 13, "want"),
    ...         ("K02", "freedoms.want", 0, 4, "want")]
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": s, "end": e,
    ...                           "quote": q, "coder": "kurusu2015"} for d, c, s, e, q in rows])
    >>> incidence_matrix(codings, unit="interviewees", corpus=corpus).to_frame()
    code          freedoms.fear  freedoms.want
    interviewees
    2                         1              1
    3                         1              1
    >>> incidence_matrix(codings, unit="document", hierarchy=cb, rollup=True, binary=False).to_frame()
    code    freedoms
    doc_id
    K01            2
    K02            1
    """
    check_columns(codings, ["doc_id", "code"], "incidence_matrix")
    check_unit(unit, codings, corpus, what="incidence_matrix")
    if unit == "segment":
        check_columns(codings, ["segment_id"], "incidence_matrix(unit='segment')")
    if unit in ("span", *SUB_SEGMENT_UNITS):
        check_columns(codings, ["start", "end"], f"incidence_matrix(unit={unit!r})")
    if rollup and hierarchy is None:
        raise ArgumentError("incidence_matrix: rollup=True needs hierarchy= (the codebook that says who is whose parent)")
    codings = codings.reset_index(drop=True)
    pairs, units, n_unassigned = unit_keys(codings, unit, corpus)
    row_codes, code_uniques = factorize_str(codings["code"])
    if rollup:
        code_uniques = map_codes(pd.Series(code_uniques, dtype=object), hierarchy, mode="root")["code"].to_numpy(
            dtype=object)
    present = list(dict.fromkeys(code_uniques))
    if codes is not None:
        col_codes = list(dict.fromkeys(str(c) for c in ([codes] if isinstance(codes, str) else codes)))
    elif hierarchy is not None:
        order = {c: i for i, c in enumerate(hierarchy)}
        col_codes = sorted(present, key=lambda c: (order.get(c, len(order)), c))
    else:
        col_codes = sorted(present)
    code_idx = pd.Index(col_codes, dtype=object).get_indexer(code_uniques).astype(np.int64)[row_codes] \
        if len(row_codes) else np.array([], dtype=np.int64)
    rows = pairs["row"].to_numpy(dtype=np.int64)
    keys = pairs["key"].to_numpy(dtype=np.int64)
    cols = code_idx[rows] if len(rows) else np.array([], dtype=np.int64)
    keep = cols >= 0
    data = np.ones(int(keep.sum()), dtype=np.int64)
    m = sparse.coo_matrix((data, (keys[keep], cols[keep])), shape=(len(units), len(col_codes))).tocsr()
    m.sum_duplicates()
    if binary:
        m.data[:] = 1
    m = m.astype(np.int64)
    settings = {"unit": unit, "binary": binary, "rollup": rollup, "n_unassigned": n_unassigned,
                "corpus": corpus is not None}
    return Incidence(m, units, col_codes, unit, n_unassigned, settings)
