"""Inter-coder agreement: percent agreement, Cohen's kappa, Brennan-Prediger kappa, Krippendorff's alpha.

:func:`agreement` compares two coders code by code. For each code, every unit is a yes/no
decision by each coder, giving a 2 x 2 table: ``both`` (both applied the code), ``only_a``,
``only_b``, ``neither``.

**Units.**

- ``unit="segment"``: a unit is a segment ``(doc_id, segment_id)``; ``unit="document"``: a
  document. A unit coded by only one of the coders with a code is a *disagreement* on that
  code (``only_a`` / ``only_b``). Units that neither coder applied the code to count as
  agreement on its absence (``neither``) -- but which units exist must be known: with a
  ``corpus`` every segment (document) of the corpus is a unit, including ones nobody coded;
  without one, the units are those that at least one coder coded with at least one of the
  compared codes, so a unit nobody coded at all is not counted. Pass the corpus when uncoded
  units are real decisions ("nothing here"); leave it out when they were never looked at.
- ``unit="sentence"`` (``corpus`` needed): a unit is a sentence; every segment of the corpus is
  split into sentences as ``apply_codebook(unit="sentence")`` splits it, every sentence is a
  unit (uncoded ones count as agreement on absence), and a coder applies a code to every
  sentence one of their codings with that code intersects.
- ``unit="paragraph"`` (``corpus`` needed): the same with the paragraphs
  ``apply_codebook(unit="paragraph")`` codes.
- ``unit="character"``: as NVivo's coding comparison, every character of every document of the
  ``corpus`` (needed) is a unit; a coder "applies" a code to a character when one of their
  codings with that code spans it (overlapping codings of one coder count once).

**Coefficients** (``N`` units; ``po`` = (both + neither) / N):

- ``percent_agreement``: ``100 po``.
- ``kappa`` (Cohen 1960): ``(po - pe) / (1 - pe)`` with the chance agreement
  ``pe = pa pb + (1 - pa)(1 - pb)`` -- chance of both saying yes *plus* chance of both saying
  no, from each coder's own share of yes (``pa``, ``pb``). (Multiplying the two terms, as one
  open-source tool does, is not Cohen's kappa.) When both coders gave every unit the same label
  (``pe = 1``), kappa is 0/0: it is reported as ``NaN`` with a note, on purpose, rather than as
  1 or 0 -- agreement is perfect but carries no information beyond the margins.
- ``kappa_bp`` (Brennan & Prediger 1981, the "kappa (free marginals)" MAXQDA reports):
  ``(po - 1/q) / (1 - 1/q)`` with ``q = 2`` categories (applied / not applied).
- ``alpha``: Krippendorff's alpha for nominal data (two coders, no missing values), from the
  coincidence matrix; ``NaN`` when only one label occurs.

**The same material.** Agreement only means something over units both coders looked at. When
the documents coded by the two coders share none, or share fewer than half of either coder's
documents (the study's excerpts against a rule coding of other texts, say), the figures are
computed over units that were never coded twice: :func:`agreement` then warns
(``UserWarning``) and says so in ``attrs["notes"]``. Restrict both tables (and the corpus) to
the documents both coded when only those were double-coded.

The last row, a summary row (``level="all"``, ``code`` None; per-code rows have
``level="code"``), pools the 2 x 2 tables of all codes (each unit-code decision is one item).
The ``unit`` column repeats the unit compared, so tables of several units concatenate safely.

:func:`krippendorff_alpha` computes alpha for any number of coders with missing values
(nominal, ordinal, interval, ratio).

Example
-------
>>> from hsqual.codings import codings_frame
>>> def coded(coder, rows):
...     return codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
...                            "coder": coder} for d, c in rows])
>>> a = coded("kurusu2015", [("E1", "freedoms.fear"), ("E2", "freedoms.fear"), ("E3", "freedoms.want")])
>>> b = coded("second", [("E1", "freedoms.fear"), ("E3", "freedoms.fear"), ("E3", "freedoms.want")])
>>> agreement(a, b, unit="document")[["code", "level", "n_units", "both", "only_a", "only_b", "neither"]]
            code  level  n_units  both  only_a  only_b  neither
0  freedoms.fear   code        3     1       1       1        0
1  freedoms.want   code        3     1       0       0        2
2           None    all        6     2       1       1        2
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .incidence import SUB_SEGMENT_UNITS, check_columns, factorize_str, unit_keys
from .params import validate_params

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .corpus import Corpus

__all__ = ["agreement", "cohen_kappa", "brennan_prediger", "krippendorff_alpha", "UNITS"]
UNITS = ("segment", "document", "sentence", "paragraph", "character")
_LEVELS = ("nominal", "ordinal", "interval", "ratio")


@validate_params()
def cohen_kappa(both: float, only_a: float, only_b: float, neither: float) -> float:
    """Cohen's kappa of a 2 x 2 table (``NaN`` when chance agreement is 1).

    Example
    -------
    >>> cohen_kappa(20, 5, 10, 15)   # the Wikipedia worked example
    0.4
    """
    n = both + only_a + only_b + neither
    if n == 0:
        return float("nan")
    po = (both + neither) / n
    pa = (both + only_a) / n
    pb = (both + only_b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if np.isclose(pe, 1.0):
        return float("nan")
    return float(round((po - pe) / (1 - pe), 12))


@validate_params()
def brennan_prediger(both: float, only_a: float, only_b: float, neither: float, *, q: int = 2) -> float:
    """Brennan-Prediger kappa ``(po - 1/q) / (1 - 1/q)``.

    Example
    -------
    >>> brennan_prediger(20, 5, 10, 15)
    0.4
    """
    n = both + only_a + only_b + neither
    if n == 0:
        return float("nan")
    po = (both + neither) / n
    return float(round((po - 1 / q) / (1 - 1 / q), 12))


def _alpha_binary(both, only_a, only_b, neither) -> float:
    """Krippendorff's nominal alpha for two coders, binary labels, no missing values."""
    n = 2 * (both + only_a + only_b + neither)
    n1 = 2 * both + only_a + only_b
    n0 = 2 * neither + only_a + only_b
    if n0 == 0 or n1 == 0:
        return float("nan")
    return float(1 - (n - 1) * (only_a + only_b) / (n0 * n1))


@validate_params()
def krippendorff_alpha(data: pd.DataFrame | ArrayLike, *, level: str = "nominal") -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    Parameters
    ----------
    data : array-like or DataFrame
        Coders x units (one row per coder); ``None``/``NaN`` is a missing value. Units with
        fewer than two values are not pairable and are left out.
    level : {"nominal", "ordinal", "interval", "ratio"}
        The metric (ordinal, interval and ratio need numeric values).

    Returns
    -------
    float
        ``NaN`` when there is no variation at all (expected disagreement 0).

    Computed from the coincidence matrix ``o_ck`` (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability"): ``alpha = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck``.

    Example
    -------
    >>> nan = None   # Krippendorff's (2011) example: 4 observers, 12 units
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> round(krippendorff_alpha(data), 3), round(krippendorff_alpha(data, level="interval"), 3)
    (0.743, 0.849)
    """
    if level not in _LEVELS:
        raise ArgumentError(f"krippendorff_alpha: level must be one of {', '.join(_LEVELS)}, not {level!r}")
    frame = pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data
    if frame.ndim != 2 or frame.shape[0] < 2:
        raise ArgumentError("krippendorff_alpha: data must be coders x units with at least two coders (rows)")
    cells = frame.to_numpy(dtype=object)
    present = ~pd.isna(cells)
    values = sorted({v for v in cells[present]}, key=lambda v: (not isinstance(v, (int, float, np.number)), v))
    if level != "nominal":
        try:
            values = sorted(float(v) for v in values)
            cells = np.where(present, cells, np.nan).astype(float)
        except (TypeError, ValueError):
            raise ArgumentError(f"krippendorff_alpha: level={level!r} needs numeric values") from None
    index = {v: i for i, v in enumerate(values)}
    k = len(values)
    o = np.zeros((k, k))
    for u in range(cells.shape[1]):
        col = [cells[r, u] for r in range(cells.shape[0]) if present[r, u]]
        m = len(col)
        if m < 2:
            continue
        counts = np.zeros(k)
        for v in col:
            counts[index[float(v) if level != "nominal" else v]] += 1
        o += (np.outer(counts, counts) - np.diag(counts)) / (m - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    if n == 0:
        return float("nan")
    v = np.asarray(values, dtype=float) if level != "nominal" else None
    if level == "nominal":
        delta = 1.0 - np.eye(k)
    elif level == "interval":
        delta = (v[:, None] - v[None, :]) ** 2
    elif level == "ratio":
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = ((v[:, None] - v[None, :]) / (v[:, None] + v[None, :])) ** 2
        delta = np.nan_to_num(delta)
    else:  # ordinal: (sum of n_g from c to k minus half the ends)^2
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        delta = (cum[hi + 1] - cum[lo] - (n_c[lo] + n_c[hi]) / 2) ** 2
    expected = (np.outer(n_c, n_c) * delta).sum()
    if expected == 0:
        return float("nan")
    return float(1 - (n - 1) * (o * delta).sum() / expected)


def _row(code, both, only_a, only_b, neither):
    n = both + only_a + only_b + neither
    kappa = cohen_kappa(both, only_a, only_b, neither)
    notes = []
    if n and np.isnan(kappa):
        label = "applied the code to every unit" if both == n else "never applied the code"
        notes.append(f"kappa undefined: both coders {label} (chance agreement 1)")
    alpha = _alpha_binary(both, only_a, only_b, neither) if n else float("nan")
    return {"code": code, "level": "code" if code is not None else "all", "n_units": int(n), "both": int(both), "only_a": int(only_a), "only_b": int(only_b),
            "neither": int(neither), "percent_agreement": 100 * (both + neither) / n if n else float("nan"),
            "kappa": kappa, "kappa_bp": brennan_prediger(both, only_a, only_b, neither), "alpha": alpha,
            "note": "; ".join(notes)}


def _distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted (a sort and a diff: faster than hashing here)."""
    keys = np.sort(keys)
    if keys.size < 2:
        return keys
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]


def _coders(df: pd.DataFrame) -> str:
    if "coder" not in df.columns or df.empty:
        return ""
    return ";".join(factorize_str(df["coder"])[1])


@validate_params(choices={"unit": UNITS})
def agreement(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    *,
    unit: str = "segment",
    corpus: Corpus | None = None,
    codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Agreement of two coders, per code and overall.

    Parameters
    ----------
    codings_a, codings_b : pandas.DataFrame
        The two coders' codings tables.
    unit : {"segment", "document", "sentence", "paragraph", "character"}, keyword-only
        What a coding decision is about (see the module documentation for how units coded by
        one coder, or by neither, count).
    corpus : Corpus, optional
        Defines all units (uncoded ones count as agreement on absence); needed for
        ``"sentence"`` and ``"character"``.
    codes : iterable of str, optional
        The codes to compare. Default: every code either coder used.

    Returns
    -------
    pandas.DataFrame
        One row per code (``level="code"``) and a last summary row (``level="all"``, ``code``
        None) pooling every code: ``code, level, unit, n_units, both, only_a, only_b, neither,
        percent_agreement, kappa, kappa_bp, alpha, note``. ``attrs`` holds
        the unit, the coders, how the units were defined, the documents each coder coded and
        both coded (``n_documents_a``, ``n_documents_b``, ``n_documents_shared``) and notes.

    Warns
    -----
    UserWarning
        When the two coders' documents do not overlap at all, or overlap for fewer than half
        of either coder's documents (see the module documentation); the same text is in
        ``attrs["notes"]``.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("E1", "people need dignity")])
    >>> a = codings_frame([{"doc_id": "E1", "segment_id": 1, "code": "freedoms.dignity", "start": 12, "end": 19,
    ...                     "quote": "dignity", "coder": "kurusu2015"}])
    >>> b = codings_frame([{"doc_id": "E1", "segment_id": 1, "code": "freedoms.dignity", "start": 7, "end": 19,
    ...                     "quote": "need dignity", "coder": "second"}])
    >>> r = agreement(a, b, unit="character", corpus=corpus).iloc[0]
    >>> [int(r[c]) for c in ("n_units", "both", "only_a", "only_b", "neither")], round(float(r["kappa"]), 3)
    ([19, 7, 0, 5, 7], 0.508)
    """
    check_columns(codings_a, ["doc_id", "code"], "agreement (codings_a)")
    check_columns(codings_b, ["doc_id", "code"], "agreement (codings_b)")
    if unit not in UNITS:
        raise ArgumentError(f"agreement: unit must be one of {', '.join(map(repr, UNITS))}, not {unit!r}")
    if unit == "character" and corpus is None:
        raise ArgumentError("agreement: unit='character' needs corpus= (every character of every document is a unit)")
    if unit in SUB_SEGMENT_UNITS and corpus is None:
        raise ArgumentError(f"agreement: unit={unit!r} needs corpus= (the {unit}s are found by cutting every "
                         f"segment of the corpus, as apply_codebook(unit={unit!r}) does)")
    a = codings_a.reset_index(drop=True)
    b = codings_b.reset_index(drop=True)
    if codes is None:
        code_list = sorted(set(factorize_str(a["code"])[1]) | set(factorize_str(b["code"])[1]))
    else:
        code_list = list(dict.fromkeys(str(c) for c in ([codes] if isinstance(codes, str) else codes)))
        a = a[a["code"].astype(str).isin(code_list)].reset_index(drop=True)
        b = b[b["code"].astype(str).isin(code_list)].reset_index(drop=True)
    notes: list[str] = []
    docs_a = set(factorize_str(codings_a["doc_id"])[1]) if len(codings_a) else set()
    docs_b = set(factorize_str(codings_b["doc_id"])[1]) if len(codings_b) else set()
    shared = docs_a & docs_b
    overlap_note = _overlap_note(docs_a, docs_b, shared)
    if overlap_note:
        notes.append(overlap_note)
        warnings.warn(f"agreement: {overlap_note}", UserWarning, stacklevel=2)
    if unit == "character":
        check_columns(a, ["start", "end"], "agreement (codings_a)")
        check_columns(b, ["start", "end"], "agreement (codings_b)")
        tables = _character_tables(a, b, corpus, code_list)
        n_units = sum(len(d.text) for d in corpus.documents)
        defined = "corpus"
    else:
        if unit == "segment":
            check_columns(a, ["segment_id"], "agreement (codings_a)")
            check_columns(b, ["segment_id"], "agreement (codings_b)")
        if unit in SUB_SEGMENT_UNITS:
            check_columns(a, ["start", "end"], "agreement (codings_a)")
            check_columns(b, ["start", "end"], "agreement (codings_b)")
        # every (unit, code) decision as one integer key; a coder's decisions are its distinct keys
        needed = [c for c in ("doc_id", "segment_id", "code", "start", "end") if c in a.columns and c in b.columns]
        both_df = pd.concat([a[needed], b[needed]], ignore_index=True)
        pairs, units, n_unassigned = unit_keys(both_df, unit, corpus)
        if n_unassigned:
            notes.append(f"{n_unassigned} coding(s) touch no {unit} of the corpus and are left out")
        n_units = len(units)
        k = len(code_list)
        row_codes, code_uniques = factorize_str(both_df["code"])
        code_idx = pd.Index(code_list, dtype=object).get_indexer(code_uniques).astype(np.int64)[row_codes] \
            if len(row_codes) else np.array([], dtype=np.int64)
        keys = pairs["key"].to_numpy(dtype=np.int64)
        rows = pairs["row"].to_numpy(dtype=np.int64)
        flat = keys * k + code_idx[rows]
        is_a = rows < len(a)
        keys_a, keys_b = _distinct(flat[is_a]), _distinct(flat[~is_a])
        shared_keys = np.intersect1d(keys_a, keys_b, assume_unique=True)
        n_a = np.bincount(keys_a % k, minlength=k) if k else np.zeros(0, dtype=np.int64)
        n_b = np.bincount(keys_b % k, minlength=k) if k else np.zeros(0, dtype=np.int64)
        n_ab = np.bincount(shared_keys % k, minlength=k) if k else np.zeros(0, dtype=np.int64)
        tables = [(int(x), int(ya - x), int(yb - x), int(n_units - ya - yb + x))
                  for x, ya, yb in zip(n_ab, n_a, n_b)]
        defined = "corpus" if corpus is not None else "codings"
        if corpus is None:
            notes.append(f"units are the {n_units} {unit}s coded by at least one coder; "
                         "pass corpus= to count uncoded units as agreement on absence")
    out = [_row(c, *t) for c, t in zip(code_list, tables)]
    pooled = np.asarray(tables, dtype=np.int64).sum(axis=0) if tables else np.zeros(4, dtype=np.int64)
    out.append(_row(None, *pooled))
    df = pd.DataFrame(out, columns=["code", "level", "n_units", "both", "only_a", "only_b", "neither", "percent_agreement",
                                    "kappa", "kappa_bp", "alpha", "note"])
    df["code"] = pd.Series([r["code"] for r in out], index=df.index, dtype=object)   # None on the summary row
    df.insert(2, "unit", unit)
    df.attrs.update({"unit": unit, "coder_a": _coders(codings_a), "coder_b": _coders(codings_b),
                     "units_defined_by": defined, "n_units": int(n_units), "n_documents_a": len(docs_a),
                     "n_documents_b": len(docs_b), "n_documents_shared": len(shared), "notes": notes})
    return df


def _overlap_note(docs_a: set, docs_b: set, shared: set) -> str:
    """A note when the two coders coded (mostly) different documents; ``""`` otherwise."""
    if not docs_a or not docs_b:
        return ""
    if not shared:
        return (f"the two codings share no document (coder a: {len(docs_a)}, coder b: {len(docs_b)} documents), "
                "so no unit was coded by both and the figures do not measure agreement; compare codings of the "
                "same documents")
    if 2 * len(shared) < len(docs_a) or 2 * len(shared) < len(docs_b):
        return (f"the two codings share only {len(shared)} document(s) (coder a coded {len(docs_a)}, coder b "
                f"{len(docs_b)}): most units were coded by one coder only, so the figures mix agreement with "
                "what one coder never looked at; if only the shared documents were double-coded, restrict both "
                "tables and the corpus to them (corpus.subset)")
    return ""


def _coverage(df: pd.DataFrame, doc_len: dict[str, int]) -> dict[tuple[str, str], np.ndarray]:
    out: dict[tuple[str, str], np.ndarray] = {}
    for (doc, code), g in df.groupby([df["doc_id"].astype(str), df["code"].astype(str)], sort=False):
        if doc not in doc_len:
            from .errors import CodingsError
            raise CodingsError(f"agreement: codings point at document {doc!r}, which the corpus does not have")
        n = doc_len[doc]
        starts = g["start"].astype("int64").clip(0, n).to_numpy()
        ends = g["end"].astype("int64").clip(0, n).to_numpy()
        diff = np.zeros(n + 1, dtype=np.int64)
        np.add.at(diff, starts, 1)
        np.add.at(diff, ends, -1)
        out[(doc, code)] = np.cumsum(diff[:-1]) > 0
    return out


def _character_tables(a, b, corpus, code_list):
    doc_len = {d.doc_id: len(d.text) for d in corpus.documents}
    total = sum(doc_len.values())
    cov_a, cov_b = _coverage(a, doc_len), _coverage(b, doc_len)
    tables = []
    for code in code_list:
        both = only_a = only_b = 0
        docs = {d for d, c in cov_a if c == code} | {d for d, c in cov_b if c == code}
        for doc in docs:
            x = cov_a.get((doc, code))
            y = cov_b.get((doc, code))
            x = np.zeros(doc_len[doc], dtype=bool) if x is None else x
            y = np.zeros(doc_len[doc], dtype=bool) if y is None else y
            both += int((x & y).sum())
            only_a += int((x & ~y).sum())
            only_b += int((~x & y).sum())
        tables.append((both, only_a, only_b, total - both - only_a - only_b))
    return tables
