"""Code co-occurrence: which codes are applied together, how strongly, and beyond chance?

:func:`cooccurrence` counts, for every pair of codes A and B, ``n_a`` (units with A), ``n_b``
(units with B), ``n_ab`` (units with both) and ``n_units`` (all units), and derives a measure
from them. What a *unit* is decides what "together" means:

========================= =====================================================================
``unit``                  A and B co-occur when ...
========================= =====================================================================
``"segment"``             they are applied in the same segment ``(doc_id, segment_id)``:
                          MAXQDA Code Relations Browser, "co-occurrence of codes in the same
                          segment" (segments being turns, paragraphs or excerpts).
``"document"``            they are applied anywhere in the same document (MAXQDA "in the same
                          document"; for the Kurusu study, the same excerpt).
``"sentence"``            their spans intersect the same sentence (``corpus`` needed): every
                          sentence of every segment, split as ``apply_codebook(unit="sentence")``
                          splits it, is a unit, coded or not, so ``n_units`` is the number of
                          sentences and lift, PMI and the tests see the uncoded ones too.
``"span"``                they are applied to exactly the same span ``(doc_id, start, end)``
                          (the same quotation).
``"overlap"``             a span coded A and a span coded B of the same document intersect
                          (share at least one character): MAXQDA "overlapping codes" and the
                          ATLAS.ti Code Co-occurrence Table.
``"proximity"``           a segment coded A and a segment coded B of the same document lie at
                          most ``window`` segments apart (``window=0`` is the same segment):
                          MAXQDA "proximity of codes".
a metadata column         they are applied to documents sharing a value of that column, e.g.
                          ``"interviewees"``: both codes appear in what one interviewee said
                          (code-by-case co-occurrence; ``";"``-joined cells count for each value).
========================= =====================================================================

**What is counted.** For ``segment``, ``document``, ``sentence``, ``span`` and metadata units, ``n_a`` and
``n_ab`` count *units* (a unit coded twice with A counts once), so the four counts form a 2x2
table of units and every measure and test is well defined. For ``overlap`` and ``proximity``,
as in ATLAS.ti and MAXQDA, ``n_a`` is the number of distinct spans (overlap) or segments
(proximity) coded A and ``n_ab`` is the number of *pairs* (an A-span/segment, a B-span/segment)
that intersect or lie within the window; ``n_units`` is the number of distinct coded spans
(overlap) or segments (proximity). One long A-span overlapping three B-spans counts 3, so
``n_ab`` can exceed ``min(n_a, n_b)`` and the coefficients can exceed 1 -- ATLAS.ti's
c-coefficient has the same property. Because pairs are not units, no significance test is
offered for these two.

**Measures** (``n12`` = ``n_ab``, ``N`` = ``n_units``):

- ``count``: ``n12``
- ``jaccard``: ``n12 / (n1 + n2 - n12)`` -- ATLAS.ti's c-coefficient
- ``dice``: ``2 n12 / (n1 + n2)``
- ``cosine``: ``n12 / sqrt(n1 n2)`` (Salton; KH Coder offers it beside Jaccard)
- ``conditional``: ``P(B|A) = n12 / n1``; not symmetric, so the long form lists both orders
  and the matrix reads row A, column B
- ``lift``: ``n12 N / (n1 n2)`` (observed over expected co-occurrence; 1 = independence)
- ``pmi``: ``log2(lift)`` (``-inf`` when the codes never co-occur)

A measure whose denominator is 0 (a code without units) is ``NaN``.

**Tests.** ``test="fisher"`` is Fisher's exact test on the 2x2 table of units, by default
one-sided (``alternative="greater"``: do A and B co-occur *more* than their frequencies
alone would make them?), which is the question a co-occurrence table asks; pass
``alternative="two-sided"`` to test for avoidance too. ``test="permutation"`` shuffles the
units of code B against code A ``n_permutations`` times (the margins stay fixed) and reports
``(1 + #{permuted n_ab >= observed}) / (1 + n_permutations)``; with few units it gives an
exact-in-the-limit p value that does not lean on any distribution. ``correction`` adjusts the
p values of all pairs for multiple testing (``fdr_bh``: Benjamini-Hochberg; ``holm``;
``bonferroni``) into ``p_adj``.

**Units of the tests.** ``unit="span"`` counts only coded spans (a span nobody coded is not a
unit), so lift, PMI and the tests of span units ignore the uncoded text; after coding
sentence by sentence, use ``unit="sentence"`` with the corpus.

**The passages behind a pair.** :func:`cooccurrence_passages` lists, for one pair of codes,
every unit where both apply with the two codings' quotes and offsets and the unit's text (the
drill-down of MAXQDA's Code Relations Browser and of ATLAS.ti's co-occurrence table).

Example
-------
>>> from hsqual.codings import codings_frame
>>> rows = [("K01", "freedoms.fear"), ("K01", "freedoms.want"), ("K02", "freedoms.fear"),
...         ("K02", "freedoms.want"), ("K03", "freedoms.fear"), ("K04", "freedoms.dignity")]
>>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1,
...                           "quote": "x", "coder": "kurusu2015"} for d, c in rows])
>>> cooccurrence(codings, unit="document", measure="jaccard")[["code_a", "code_b", "n_ab", "jaccard"]]
          code_a         code_b  n_ab   jaccard
0  freedoms.dignity  freedoms.fear     0  0.000000
1  freedoms.dignity  freedoms.want     0  0.000000
2     freedoms.fear  freedoms.want     2  0.666667
"""

from __future__ import annotations

import warnings

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse, stats

from .errors import ArgumentError, CodingsError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .codebook import Codebook
    from .corpus import Corpus
from .incidence import (BUILTIN_UNITS, SUB_SEGMENT_UNITS, check_columns, check_known_docs, check_unit,
                        incidence_matrix, map_codes, span_hits, str_array, unit_spans)
from .errors import OptionError
from .params import NOT_NONE, needs, only_with, validate_params

__all__ = ["cooccurrence", "cooccurrence_passages", "MEASURES", "UNITS", "PASSAGE_UNITS", "adjust_pvalues",
           "pair_measure", "to_matrix"]

MEASURES = ("count", "jaccard", "dice", "cosine", "conditional", "lift", "pmi")
UNITS = (*BUILTIN_UNITS, "overlap", "proximity")
PASSAGE_UNITS = ("document", "segment", "sentence", "paragraph", "overlap")
_TESTS = ("fisher", "permutation")
_CORRECTIONS = ("fdr_bh", "holm", "bonferroni")
_PAIR_UNITS = ("overlap", "proximity")


def pair_measure(measure: str, n_a, n_b, n_ab, n_units):
    """A co-occurrence measure from the four counts (arrays or numbers).

    Example
    -------
    >>> float(pair_measure("jaccard", 4, 3, 2, 10)), float(pair_measure("lift", 4, 3, 2, 10))
    (0.4, 1.6666666666666667)
    """
    if measure not in MEASURES:
        raise ArgumentError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    n_a, n_b, n_ab, n_units = (np.asarray(x, dtype=float) for x in (n_a, n_b, n_ab, n_units))
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "count":
            out = n_ab.copy()
        elif measure == "jaccard":
            out = n_ab / (n_a + n_b - n_ab)
        elif measure == "dice":
            out = 2 * n_ab / (n_a + n_b)
        elif measure == "cosine":
            out = n_ab / np.sqrt(n_a * n_b)
        elif measure == "conditional":
            out = n_ab / n_a
        else:
            lift = n_ab * n_units / (n_a * n_b)
            out = lift if measure == "lift" else np.log2(lift)
    return out[()] if out.ndim == 0 else out


@validate_params()
def adjust_pvalues(p: ArrayLike, method: str | None = "fdr_bh") -> np.ndarray:
    """Adjust p values for multiple testing; ``NaN`` entries are left out and stay ``NaN``.

    Parameters
    ----------
    p : array-like
    method : {"fdr_bh", "holm", "bonferroni", None}
        Benjamini-Hochberg false discovery rate, Holm's step-down, Bonferroni, or none.

    Example
    -------
    >>> adjust_pvalues([0.01, 0.04, 0.03, float("nan")], "holm").round(3).tolist()
    [0.03, 0.06, 0.06, nan]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "fdr_bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    if method is None:
        return p.copy()
    if method not in _CORRECTIONS:
        raise ArgumentError(f"correction must be one of {', '.join(_CORRECTIONS)} or None, not {method!r}")
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "bonferroni":
        adj = np.minimum(q * m, 1.0)
    else:
        order = np.argsort(q, kind="mergesort")
        ranked = q[order]
        if method == "holm":
            steps = ranked * (m - np.arange(m))
            steps = np.maximum.accumulate(steps)
        else:  # fdr_bh
            steps = ranked * m / np.arange(1, m + 1)
            steps = np.minimum.accumulate(steps[::-1])[::-1]
        adj = np.empty(m)
        adj[order] = np.minimum(steps, 1.0)
    out[ok] = adj
    return out


@validate_params()
def to_matrix(long: pd.DataFrame, value: str | None = None) -> pd.DataFrame:
    """Turn the long form of :func:`cooccurrence` into a square code x code matrix.

    The diagonal holds the measure of a code with itself (for ``count``, the code's own
    frequency) when the table is :func:`cooccurrence`'s and ``value`` is its measure (from the
    ``n_a``, ``n_b`` and ``n_units`` columns); otherwise it is ``NaN``.
    ``value`` defaults to the table's measure (``attrs["measure"]``, else its ``measure``
    column).

    Example
    -------
    >>> long = pd.DataFrame({"code_a": ["a"], "code_b": ["b"], "jaccard": [0.5]})
    >>> to_matrix(long, "jaccard")
    code    a    b
    code
    a     NaN  0.5
    b     0.5  NaN
    """
    measures = list(dict.fromkeys(long["measure"])) if "measure" in long.columns else []
    measure = long.attrs.get("measure") or (measures[0] if len(measures) == 1 else None)
    if len(measures) > 1 or ("unit" in long.columns and long["unit"].nunique() > 1):
        raise ArgumentError("to_matrix: the table mixes several units or measures; select one first "
                            "(e.g. long[long['unit'] == 'segment'])")
    if value is None:
        value = measure or "count"
    if value not in long.columns:
        raise ArgumentError(f"to_matrix: no column {value!r} in the table (columns: {', '.join(long.columns)})")
    codes = list(long.attrs.get("codes") or dict.fromkeys([*long["code_a"], *long["code_b"]]))
    mat = pd.DataFrame(np.nan, index=pd.Index(codes, name="code"), columns=pd.Index(codes, name="code"))
    ordered = measure == "conditional" and value == "conditional"
    for a, b, v in zip(long["code_a"], long["code_b"], long[value]):
        mat.loc[a, b] = v
        if not ordered:
            mat.loc[b, a] = v
    if value == measure and value in MEASURES:
        diagonal: dict = {}
        if {"n_a", "n_b", "n_units"} <= set(long.columns):
            n = {**dict(zip(long["code_b"], long["n_b"])), **dict(zip(long["code_a"], long["n_a"]))}
            if n and long["n_units"].nunique() == 1:
                cs = [c for c in codes if c in n]
                nn = np.array([n[c] for c in cs], dtype=np.int64)
                diagonal = dict(zip(cs, pair_measure(measure, nn, nn, nn, int(long["n_units"].iloc[0]))))
        for c, v in diagonal.items():
            if c in mat.index:
                mat.loc[c, c] = v
        if value == "count" and not mat.isna().any().any():
            mat = mat.astype(np.int64)
        elif value == "count":
            mat = mat.fillna(0).astype(np.int64)
    mat.attrs.update(long.attrs)
    return mat


# ---------------------------------------------------------------------------------------


def _pair_counts(codings: pd.DataFrame, unit: str, corpus, codes, codebook, rollup, window):
    """Counts for the pair units (overlap, proximity): codes, n (per code), C (pairs), N."""
    df = codings.reset_index(drop=True)
    code = df["code"].astype(str)
    if rollup:
        code = pd.Series(map_codes(code, codebook, mode="root")["code"].to_numpy())
    if unit == "overlap":
        base = pd.DataFrame({"doc_id": df["doc_id"].astype(str), "a": df["start"].astype("int64"),
                             "b": df["end"].astype("int64"), "code": code.to_numpy()})
    else:
        base = pd.DataFrame({"doc_id": df["doc_id"].astype(str), "a": df["segment_id"].astype("int64"),
                             "b": df["segment_id"].astype("int64"), "code": code.to_numpy()})
    places = base[["doc_id", "a", "b"]].drop_duplicates()
    n_units = len(places)
    if unit == "proximity" and corpus is not None:
        n_units = len(corpus.segments)
    col_codes = _column_codes(base["code"], codes, codebook)
    col_of = {c: i for i, c in enumerate(col_codes)}
    base = base[base["code"].isin(col_of)].drop_duplicates().sort_values(["doc_id", "a", "b"]).reset_index(drop=True)
    k = len(col_codes)
    n = np.zeros(k, dtype=np.int64)
    for c, cnt in base.groupby("code").size().items():
        n[col_of[c]] = cnt
    C = np.zeros((k, k), dtype=np.int64)
    if len(base):
        # lay the documents end to end on one axis, far enough apart that no pair spans two
        doc_rank = pd.factorize(base["doc_id"], sort=False)[0]
        a = base["a"].to_numpy(dtype=np.int64)
        b = base["b"].to_numpy(dtype=np.int64)
        if a.min() < 0:
            raise ArgumentError("cooccurrence: offsets and segment ids must not be negative")
        width = int(b.max()) + (window if unit == "proximity" else 0) + 2
        ga, gb = a + doc_rank * width, b + doc_rank * width
        order = np.lexsort((gb, ga))
        ga, gb = ga[order], gb[order]
        code_idx = base["code"].map(col_of).to_numpy()[order]
        i_all = np.arange(len(ga))
        if unit == "overlap":
            # spans [a, b) intersect when each starts before the other ends (spans that only
            # touch, [0, 5) and [5, 9), do not); sorted by start, partners of i come after it
            hi = np.searchsorted(ga, gb, side="left")
        else:
            hi = np.searchsorted(ga, ga + window, side="right")
        cnt = np.maximum(hi - i_all - 1, 0)
        i_rep = np.repeat(i_all, cnt)
        j = i_rep + 1 + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        if unit == "overlap":
            keep = gb[j] > ga[i_rep]
            i_rep, j = i_rep[keep], j[keep]
        ci, cj = code_idx[i_rep], code_idx[j]
        C += np.bincount(ci * k + cj, minlength=k * k).reshape(k, k)
        C += np.bincount(cj * k + ci, minlength=k * k).reshape(k, k)
    return col_codes, n, C, n_units


def _column_codes(present: pd.Series, codes, codebook) -> list[str]:
    if codes is not None:
        return list(dict.fromkeys(str(c) for c in ([codes] if isinstance(codes, str) else codes)))
    found = list(dict.fromkeys(present.astype(str)))
    if codebook is not None:
        order = {c: i for i, c in enumerate(codebook)}
        return sorted(found, key=lambda c: (order.get(c, len(order)), c))
    return sorted(found)


@validate_params(
    choices={"measure": MEASURES, "test": _TESTS, "alternative": ("greater", "two-sided"),
             "correction": _CORRECTIONS, "form": ("long", "matrix")},
    ranges={"window": (0, None), "n_permutations": (1, None)},
    rules=[
        only_with("window", "unit", ("proximity",), example={"unit": "segment"}),
        only_with("n_permutations", "test", ("permutation",), example={"test": "fisher"}),
        only_with("random_state", "test", ("permutation",), example={"test": None, "random_state": 0}),
        only_with("alternative", "test", NOT_NONE, example={"test": None}),
        only_with("correction", "test", NOT_NONE, example={"test": None}),
        needs("rollup", "codebook", "the codebook says which code is whose parent"),
    ])
def cooccurrence(
    codings: pd.DataFrame,
    *,
    unit: str = "segment",
    measure: str = "count",
    window: int = 1,
    corpus: Corpus | None = None,
    codes: Iterable[str] | None = None,
    codebook: Codebook | None = None,
    rollup: bool = False,
    test: str | None = None,
    alternative: str = "greater",
    correction: str | None = "fdr_bh",
    n_permutations: int = 4999,
    random_state: int | None = None,
    form: str | None = None,
) -> pd.DataFrame:
    """Co-occurrence of codes: counts, a similarity measure and, optionally, a test.

    See the module documentation for what each ``unit`` counts and how each measure is
    defined.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table; several codebooks' codes may be mixed.
    unit : {"segment", "document", "sentence", "paragraph", "span", "overlap", "proximity"} or str, keyword-only
        What "together" means; any other string is a metadata column (e.g. ``"interviewees"``).
        ``"sentence"`` needs ``corpus``.
    measure : {"count", "jaccard", "dice", "cosine", "conditional", "lift", "pmi"}
    window : int
        For ``unit="proximity"``: the largest distance in segments (``segment_id`` difference).
    corpus : Corpus, optional
        Defines all units (uncoded ones count in ``n_units``); needed for ``unit="sentence"``
        and for metadata units taken from document metadata.
    codes : iterable of str, optional
        The codes to compare, in this order. Default: every code in the codings.
    codebook : Codebook, optional
        Orders the codes; needed for ``rollup``.
    rollup : bool
        Count each code as its top-level parent (a unit coded with two children of one parent
        counts once for the parent).
    test : {"fisher", "permutation", None}
        Significance test of each pair (units only; not for overlap/proximity).
    alternative : {"greater", "two-sided"}
        One-sided test of attraction (default) or two-sided.
    correction : {"fdr_bh", "holm", "bonferroni", None}
        Multiple-testing adjustment of the pairs' p values, into ``p_adj``.
    n_permutations : int
        Permutations for ``test="permutation"``.
    random_state : int, optional
        Seed of the permutations.
    form : {"long", "matrix"}, deprecated
        The result is always the long table; ``form="matrix"`` still returns
        ``to_matrix(long)`` with a ``DeprecationWarning``. Call :func:`to_matrix` instead.

    Returns
    -------
    pandas.DataFrame
        The long table: one row per pair of codes (``code_a`` before ``code_b`` in code
        order; both orders for ``conditional``) with columns ``code_a, code_b, unit, measure,
        n_a, n_b, n_ab, n_units, <measure>`` and, with a test, ``p, p_adj``. ``unit`` and
        ``measure`` repeat the settings that define the rows, so tables of several units or
        measures concatenate without losing them; ``attrs`` records every setting, the number
        of units and notes. :func:`to_matrix` turns it into the square code x code matrix,
        whose diagonal holds the measure of a code with itself (for ``count``, its own
        frequency).

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> rows = [("E1", 1, "protection"), ("E1", 1, "empowerment"), ("E1", 2, "empowerment"),
    ...         ("E2", 1, "protection"), ("E2", 2, "empowerment"), ("E3", 1, "risk.interstate")]
    >>> codings = codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": 0, "end": 1,
    ...                           "quote": "x", "coder": "me"} for d, s, c in rows])
    >>> to_matrix(cooccurrence(codings, unit="document", measure="lift")).round(2)
    code             empowerment  protection  risk.interstate
    code
    empowerment              1.5         1.5              0.0
    protection               1.5         1.5              0.0
    risk.interstate          0.0         0.0              3.0
    >>> cooccurrence(codings, unit="proximity", window=1).query("code_a == 'empowerment'")[["code_b", "n_ab"]]
                code_b  n_ab
    0       protection     3
    1  risk.interstate     0
    """
    check_columns(codings, ["doc_id", "code"], "cooccurrence")
    # measure, test, alternative, correction, form, window, n_permutations and rollup are
    # checked by the declaration above
    check_unit(unit, codings, corpus, accepted=UNITS, what="cooccurrence")
    if unit in _PAIR_UNITS and test is not None:
        # overlap and proximity count pairs of spans, not units: there is no 2x2 table to test
        raise OptionError("E104", option="test", func="cooccurrence",
                          condition="unit is not 'overlap' or 'proximity' (those count pairs of spans: there is "
                                    "no 2x2 table to test)")
    if unit in ("overlap", *SUB_SEGMENT_UNITS):
        check_columns(codings, ["start", "end"], f"cooccurrence(unit={unit!r})")
    if unit in ("proximity", "segment"):
        check_columns(codings, ["segment_id"], f"cooccurrence(unit={unit!r})")

    notes: list[str] = []
    X = None
    if unit in _PAIR_UNITS:
        if corpus is not None:
            check_known_docs(codings["doc_id"].astype(str), corpus)
        col_codes, n, C, n_units = _pair_counts(codings, unit, corpus, codes, codebook, rollup, window)
        counting = "pairs"
        notes.append(f"unit={unit!r}: n_a counts distinct {'spans' if unit == 'overlap' else 'segments'} coded with "
                     "a code and n_ab counts intersecting pairs, so coefficients can exceed 1")
    else:
        inc = incidence_matrix(codings, unit=unit, corpus=corpus, codes=codes, hierarchy=codebook,
                               rollup=rollup, binary=True)
        col_codes = inc.codes
        X = inc.matrix.astype(np.int64)
        C = np.asarray((X.T @ X).toarray(), dtype=np.int64)
        n = np.diag(C).copy()
        n_units = inc.n_units
        counting = "units"
        if inc.n_unassigned:
            if unit in SUB_SEGMENT_UNITS:
                notes.append(f"{inc.n_unassigned} coding(s) touch no {unit} of the corpus and are in no unit")
            else:
                notes.append(f"{inc.n_unassigned} coding(s) have no value of {unit!r} and are in no unit")
    k = len(col_codes)

    ordered = measure == "conditional"
    if ordered:
        ia, ib = np.nonzero(~np.eye(k, dtype=bool))
    else:
        ia, ib = np.triu_indices(k, 1)
    n_a, n_b, n_ab = n[ia], n[ib], C[ia, ib]
    values = pair_measure(measure, n_a, n_b, n_ab, n_units)
    long = pd.DataFrame({
        "code_a": pd.Series([col_codes[i] for i in ia], dtype=object),
        "code_b": pd.Series([col_codes[i] for i in ib], dtype=object),
        "unit": pd.Series([unit] * len(ia), dtype=object),
        "measure": pd.Series([measure] * len(ia), dtype=object),
        "n_a": n_a.astype(np.int64), "n_b": n_b.astype(np.int64), "n_ab": n_ab.astype(np.int64),
        "n_units": np.full(len(ia), n_units, dtype=np.int64),
        measure: values,
    })
    if measure == "count":
        long[measure] = long[measure].astype(np.int64)

    if test is not None:
        # test each unordered pair once
        ua, ub = np.triu_indices(k, 1)
        if test == "fisher":
            p_pair = _fisher(n[ua], n[ub], C[ua, ub], n_units, alternative)
        else:
            p_pair = _permutation(X, C, n, n_units, ua, ub, alternative, n_permutations, random_state)
        p_adj_pair = adjust_pvalues(p_pair, correction)
        lookup = {(a, b): i for i, (a, b) in enumerate(zip(ua, ub))}
        pos = np.array([lookup[(min(a, b), max(a, b))] for a, b in zip(ia, ib)], dtype=np.int64)
        long["p"] = p_pair[pos] if len(pos) else np.array([], dtype=float)
        long["p_adj"] = p_adj_pair[pos] if len(pos) else np.array([], dtype=float)
        if k > 1 and n_units < 20:
            notes.append(f"only {n_units} units: p values are coarse; read them as descriptive")

    attrs = {"unit": unit, "measure": measure, "window": int(window) if unit == "proximity" else None,
             "test": test, "alternative": alternative if test else None,
             "correction": correction if test else None,
             "n_permutations": int(n_permutations) if test == "permutation" else None,
             "random_state": random_state if test == "permutation" else None,
             "rollup": rollup, "n_units": int(n_units), "counting": counting,
             "codes": list(col_codes), "notes": notes}
    long.attrs.update(attrs)
    if form is None or form == "long":
        if form is not None:
            warnings.warn("cooccurrence: form= is deprecated; the result is always the long table",
                          DeprecationWarning, stacklevel=2)
        return long
    warnings.warn("cooccurrence: form='matrix' is deprecated; call hsqual.to_matrix(cooccurrence(...))",
                  DeprecationWarning, stacklevel=2)
    return to_matrix(long)


def _fisher(n_a, n_b, n_ab, N, alternative):
    n_a, n_b, n_ab = (np.asarray(x, dtype=np.int64) for x in (n_a, n_b, n_ab))
    if alternative == "greater":
        # P(X >= n_ab), X ~ hypergeometric(N units, n_a coded A, n_b drawn): Fisher one-sided
        return np.asarray(stats.hypergeom.sf(n_ab - 1, N, n_a, n_b), dtype=float).clip(0, 1)
    out = np.empty(len(n_a))
    for i, (a, b, ab) in enumerate(zip(n_a, n_b, n_ab)):
        table = [[ab, a - ab], [b - ab, N - a - b + ab]]
        out[i] = stats.fisher_exact(table, alternative="two-sided").pvalue
    return out


def _permutation(X, C, n, N, ua, ub, alternative, n_permutations, random_state):
    rng = np.random.default_rng(random_state)
    X = sparse.csr_matrix(X, dtype=np.int64)
    XT = X.T.tocsr()
    obs = C[ua, ub]
    expected = n[ua] * n[ub] / N if N else np.zeros(len(ua))
    hits = np.zeros(len(ua), dtype=np.int64)
    for _ in range(n_permutations):
        perm = rng.permutation(N)
        Cp = (XT @ X[perm]).toarray()
        sim = Cp[ua, ub]
        if alternative == "greater":
            hits += sim >= obs
        else:
            hits += np.abs(sim - expected) >= np.abs(obs - expected) - 1e-9
    return (1 + hits) / (1 + n_permutations)


# ---------------------------------------------------------------------------------------
# the passages behind a pair
# ---------------------------------------------------------------------------------------

_PASSAGE_COLUMNS = ["code_a", "code_b", "doc_id", "segment_id", "unit_start", "unit_end",
                    "n_a", "start_a", "end_a", "quote_a", "spans_a",
                    "n_b", "start_b", "end_b", "quote_b", "spans_b", "text"]


def _passage_side(rows: pd.DataFrame, suffix: str) -> dict:
    """The codings of one code on one unit: how many, the first span, every quote and span."""
    rows = rows.sort_values(["start", "end"], kind="mergesort")
    spans = list(dict.fromkeys(zip(rows["start"].astype("int64"), rows["end"].astype("int64"))))
    quotes = list(dict.fromkeys(rows["quote"].astype(str)))
    return {f"n_{suffix}": len(rows), f"start_{suffix}": int(spans[0][0]), f"end_{suffix}": int(spans[0][1]),
            f"quote_{suffix}": " … ".join(quotes), f"spans_{suffix}": ";".join(f"{a}-{b}" for a, b in spans)}


@validate_params()
def cooccurrence_passages(
    codings: pd.DataFrame,
    code_a: str,
    code_b: str,
    *,
    corpus: Corpus,
    unit: str = "segment",
) -> pd.DataFrame:
    """The passages where two codes co-occur: one row per unit carrying both.

    The drill-down of a co-occurrence table (MAXQDA's Code Relations Browser, ATLAS.ti's
    co-occurrence table): for the pair ``code_a``/``code_b`` it lists every unit in which both
    are applied, with the two codings and the unit's text, so that a count of
    :func:`cooccurrence` can be traced to the words in one step. With the same ``unit`` and
    ``corpus``, the number of rows equals the pair's ``n_ab``.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table (``doc_id, segment_id, code, start, end, quote``).
    code_a, code_b : str
        The two codes (different).
    corpus : Corpus, keyword-only
        The documents the codings point into; gives each unit's text.
    unit : {"segment", "document", "sentence", "paragraph", "overlap"}, keyword-only
        What "together" means, as for :func:`cooccurrence` (and with its default, ``"segment"``):
        the same segment ``(doc_id, segment_id)``, the same document, the same sentence or
        paragraph (a coding counts for every unit its span intersects) or intersecting spans (one row per intersecting pair of an
        A-span and a B-span; the unit is their intersection).

    Returns
    -------
    pandas.DataFrame
        ``code_a, code_b, doc_id, segment_id, unit_start, unit_end`` (the unit: ``segment_id``
        is missing for ``document`` and ``overlap``; ``unit_start``/``unit_end`` are offsets
        into the document text), then per code ``n_a, start_a, end_a, quote_a, spans_a`` (the
        number of codings of the code on the unit, the first one's offsets, every distinct
        quote joined by ``" … "`` and every span as ``"a-b;c-d"``) and the same with ``_b``,
        and ``text``, the unit's text (``doc.text[unit_start:unit_end]``). Rows follow the
        corpus order of documents, then the offsets. ``attrs`` records the settings.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> text = "We must protect people from violence. Then we empower communities to act."
    >>> corpus = Corpus([Document("E07", text, {"language": "en", "interviewees": "4"})])
    >>> def coding(code, words):
    ...     s = text.index(words)
    ...     return {"doc_id": "E07", "segment_id": 1, "code": code, "start": s, "end": s + len(words),
    ...             "quote": words, "coder": "kurusu2015"}
    >>> codings = codings_frame([coding("protection", "protect people from violence"),
    ...                          coding("empowerment", "empower communities")])
    >>> p = cooccurrence_passages(codings, "protection", "empowerment", corpus=corpus)
    >>> p[["doc_id", "quote_a", "quote_b"]]
      doc_id                       quote_a              quote_b
    0    E07  protect people from violence  empower communities
    >>> len(cooccurrence_passages(codings, "protection", "empowerment", corpus=corpus, unit="sentence"))
    0
    """
    check_columns(codings, ["doc_id", "segment_id", "code", "start", "end", "quote"], "cooccurrence_passages")
    for name, value in (("code_a", code_a), ("code_b", code_b)):
        if not isinstance(value, str) or not value:
            raise ArgumentError(f"cooccurrence_passages: {name} must be a code id (a non-empty string), not {value!r}")
    if code_a == code_b:
        raise ArgumentError(f"cooccurrence_passages: code_a and code_b are both {code_a!r}; give two different codes")
    from .corpus import Corpus

    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"cooccurrence_passages: corpus must be a Corpus (hsqual.load_corpus), not {type(corpus).__name__}")
    if unit not in PASSAGE_UNITS:
        raise ArgumentError(f"cooccurrence_passages: unit must be one of {', '.join(map(repr, PASSAGE_UNITS))}, not {unit!r}")

    df = codings.reset_index(drop=True)
    codes = str_array(df["code"]) if len(df) else np.array([], dtype=object)
    df = df[(codes == code_a) | (codes == code_b)].reset_index(drop=True)
    df["doc_id"] = str_array(df["doc_id"]) if len(df) else df["doc_id"].astype(object)
    df["code"] = str_array(df["code"]) if len(df) else df["code"].astype(object)
    check_known_docs(df["doc_id"], corpus)
    rank = {d: i for i, d in enumerate(corpus.doc_ids)}
    out: list[dict] = []

    if unit == "overlap":
        spans = df.drop_duplicates(["doc_id", "code", "start", "end"])
        rows_of = df.groupby([df["doc_id"], df["code"], df["start"].astype("int64"), df["end"].astype("int64")],
                             sort=False).indices
        for doc_id, g in sorted(spans.groupby("doc_id", sort=False), key=lambda kv: rank[kv[0]]):
            ga = g[g["code"] == code_a].sort_values(["start", "end"])
            gb = g[g["code"] == code_b].sort_values(["start", "end"])
            text = corpus.doc(doc_id).text
            for ra in ga.itertuples(index=False):
                for rb in gb.itertuples(index=False):
                    if int(ra.start) < int(rb.end) and int(rb.start) < int(ra.end):
                        lo, hi = max(int(ra.start), int(rb.start)), min(int(ra.end), int(rb.end))
                        side_a = df.iloc[rows_of[(doc_id, code_a, int(ra.start), int(ra.end))]]
                        side_b = df.iloc[rows_of[(doc_id, code_b, int(rb.start), int(rb.end))]]
                        out.append({"doc_id": doc_id, "segment_id": pd.NA, "unit_start": lo, "unit_end": hi,
                                    **_passage_side(side_a, "a"), **_passage_side(side_b, "b"),
                                    "text": text[lo:hi]})
        out.sort(key=lambda r: (rank[r["doc_id"]], r["unit_start"], r["unit_end"], r["start_a"], r["start_b"]))
    else:
        if unit == "document":
            keys = list(df["doc_id"])
            where = {d.doc_id: (pd.NA, 0, len(d.text)) for d in corpus.documents}
            unit_rows = np.arange(len(df))
        elif unit == "segment":
            segs = {(s.doc_id, int(s.segment_id)): s for s in corpus.segments}
            pairs = list(zip(df["doc_id"], df["segment_id"].astype("int64")))
            bad = [f"{d}#{n}" for d, n in pairs if (d, int(n)) not in segs]
            if bad:
                raise CodingsError(f"cooccurrence_passages: codings point at segment(s) the corpus does not have: "
                                   f"{', '.join(bad[:5])} (segment the corpus the same way)")
            keys = [(d, int(n)) for d, n in pairs]
            where = {k: (k[1], s.start, s.end) for k, s in segs.items()}
            unit_rows = np.arange(len(df))
        else:  # sentence or paragraph
            sents = unit_spans(corpus, unit)
            rows, hits = span_hits(df["doc_id"].to_numpy(dtype=object), df["start"].astype("int64").to_numpy(),
                                   df["end"].astype("int64").to_numpy(), sents)
            unit_rows = rows
            skeys = list(zip(sents["doc_id"], sents["segment_id"], sents["start"], sents["end"]))
            keys = [skeys[k] for k in hits]
            where = {k: (int(k[1]), int(k[2]), int(k[3])) for k in skeys}
        per_unit: dict = {}
        for r, key in zip(unit_rows, keys):
            per_unit.setdefault(key, []).append(int(r))
        for key, rows_of in per_unit.items():
            sub = df.iloc[rows_of]
            a, b = sub[sub["code"] == code_a], sub[sub["code"] == code_b]
            if a.empty or b.empty:
                continue
            doc_id = key if unit == "document" else key[0]
            seg, lo, hi = where[key]
            out.append({"doc_id": doc_id, "segment_id": seg, "unit_start": int(lo), "unit_end": int(hi),
                        **_passage_side(a, "a"), **_passage_side(b, "b"),
                        "text": corpus.doc(doc_id).text[lo:hi]})
        out.sort(key=lambda r: (rank[r["doc_id"]], r["unit_start"], r["unit_end"]))
    res = pd.DataFrame([{"code_a": code_a, "code_b": code_b, **r} for r in out], columns=_PASSAGE_COLUMNS)
    for c in ("unit_start", "unit_end", "n_a", "start_a", "end_a", "n_b", "start_b", "end_b"):
        res[c] = res[c].astype("int64")
    res["segment_id"] = res["segment_id"].astype("Int64")
    for c in ("code_a", "code_b", "doc_id", "quote_a", "spans_a", "quote_b", "spans_b", "text"):
        res[c] = res[c].astype(object)
    res.attrs.update({"code_a": code_a, "code_b": code_b, "unit": unit, "n_units": len(res)})
    return res
