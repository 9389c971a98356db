"""Cross tabulation of codes by a document variable, with chi-square and adjusted residuals.

:func:`crosstab` is KH Coder's "cross tabulation" of codes: rows are codes, columns the
categories of a document variable (``sector``, ``section``, ``cluster`` ...), cells the
number of codings or of coded units in that category. With ``stats=True`` it adds Pearson's
chi-square test of the whole table (:func:`scipy.stats.chi2_contingency`), the expected counts,
and the adjusted (standardised) residuals ``(O - E) / sqrt(E (1 - row/n) (1 - col/n))``: a
residual beyond +-1.96 marks a cell clearly above or below what independence predicts. For
``values="presence"`` it also tests each code on its own, as KH Coder does: the 2 x k table
of units with and without the code in each category.

:func:`code_by_document` and :func:`code_by_case` give the plain code-by-document and
code-by-case matrices.

Example
-------
>>> from hsqual.codings import codings_frame
>>> from hsqual.corpus import Corpus, Document
>>> corpus = Corpus([Document("E01", "x", {"sector": "Government"}), Document("E02", "y", {"sector": "NGO"}),
...                  Document("E03", "z", {"sector": "NGO"})])
>>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": d and "x",
...                           "coder": "kurusu2015"} for d, c in [("E01", "protection"), ("E02", "empowerment"),
...                           ("E03", "empowerment"), ("E03", "protection")]])
>>> crosstab(codings, corpus, by="sector", stats=False).table
sector       Government  NGO
code
empowerment           0    2
protection            1    1
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from .errors import ArgumentError
from .incidence import BUILTIN_UNITS, check_columns, factorize_str, incidence_matrix, natural_key, split_values
from .params import needs, validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["CrosstabResult", "crosstab", "code_by_document", "code_by_case", "adjusted_residuals", "UNITS"]

_NORMALIZE = (None, "category", "row", "column", "all")
UNITS = ("document", "segment", "sentence", "paragraph")


@dataclass(frozen=True)
class CrosstabResult:
    """What :func:`crosstab` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        Codes x categories: counts, or shares when ``normalize`` was given. Its ``attrs`` (and
        those of ``counts``, ``residuals``, ``expected`` and ``per_code``) hold the settings,
        the test (``chi2``, ``p``, ``dof``) and the notes, so a frame passed on or saved keeps them.
    counts : pandas.DataFrame
        The counts the table (and the test) are computed from.
    category_sizes : pandas.Series
        Units (documents or segments) per category.
    residuals, expected : pandas.DataFrame or None
        Adjusted standardised residuals and expected counts (``stats=True``).
    chi2, p : float
        Pearson's chi-square of the table and its p value (``NaN`` without stats).
    dof : int
    per_code : pandas.DataFrame or None
        For ``values="presence"``: per code, ``chi2, p, dof, min_expected`` of its 2 x k table.
    notes : tuple of str
        Caveats: small expected counts, units in several categories, units without a category.
    settings : Mapping

    Example
    -------
    >>> r = CrosstabResult(pd.DataFrame({"NGO": [1]}, index=["protection"]), pd.DataFrame({"NGO": [1]},
    ...                    index=["protection"]), pd.Series({"NGO": 2}))
    >>> r.table.loc["protection", "NGO"], r.residuals is None
    (np.int64(1), True)
    """

    table: pd.DataFrame
    counts: pd.DataFrame
    category_sizes: pd.Series
    residuals: pd.DataFrame | None = None
    expected: pd.DataFrame | None = None
    chi2: float = float("nan")
    p: float = float("nan")
    dof: int = 0
    per_code: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        attrs = {**dict(self.settings), "chi2": float(self.chi2), "p": float(self.p), "dof": int(self.dof),
                 "notes": list(self.notes)}
        for name in ("table", "counts", "residuals", "expected", "per_code"):
            frame = getattr(self, name)
            if isinstance(frame, pd.DataFrame):
                frame.attrs.update({**attrs, "values_in": name})


def adjusted_residuals(observed: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """Adjusted standardised residuals of a contingency table (Haberman).

    ``(O - E) / sqrt(E (1 - r_i / n) (1 - c_j / n))`` with row sums ``r``, column sums ``c`` and
    total ``n``; approximately standard normal under independence.

    Example
    -------
    >>> obs = pd.DataFrame([[10, 0], [0, 10]])
    >>> exp = pd.DataFrame([[5.0, 5.0], [5.0, 5.0]])
    >>> adjusted_residuals(obs, exp).round(3).to_numpy().tolist()
    [[4.472, -4.472], [-4.472, 4.472]]
    """
    O = observed.to_numpy(dtype=float)
    E = expected.to_numpy(dtype=float)
    n = O.sum()
    r = O.sum(axis=1, keepdims=True) / n
    c = O.sum(axis=0, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        res = (O - E) / np.sqrt(E * (1 - r) * (1 - c))
    return pd.DataFrame(res, index=observed.index, columns=observed.columns)


def _membership(units: pd.Index, unit: str, corpus, by: str):
    """Sparse units x categories membership from a document metadata column."""
    if not any(by in d.meta for d in corpus.documents):
        keys = sorted({k for d in corpus.documents for k in d.meta})
        raise ArgumentError(f"crosstab: by={by!r} is not a metadata column of the corpus "
                         f"(metadata columns: {', '.join(keys) or '(none)'})")
    per_doc = {d.doc_id: list(dict.fromkeys(split_values(d.meta.get(by)))) for d in corpus.documents}
    cats = sorted({v for vals in per_doc.values() for v in vals}, key=natural_key)
    col = {c: i for i, c in enumerate(cats)}
    # documents x categories once, then one row of it per unit
    doc_ids = list(per_doc)
    d_rows = [i for i, d in enumerate(doc_ids) for _ in per_doc[d]]
    d_cols = [col[v] for d in doc_ids for v in per_doc[d]]
    D = sparse.csr_matrix((np.ones(len(d_rows), dtype=np.int64), (d_rows, d_cols)), shape=(len(doc_ids), len(cats)))
    docs = units if unit == "document" else units.get_level_values("doc_id")
    doc_codes, doc_uniques = factorize_str(docs)
    doc_pos = pd.Index(doc_ids, dtype=object).get_indexer(doc_uniques).astype(np.int64)[doc_codes] \
        if len(doc_codes) else np.array([], dtype=np.int64)
    M = D[doc_pos] if len(doc_pos) else sparse.csr_matrix((0, len(cats)), dtype=np.int64)
    n_cats = np.asarray(M.sum(axis=1)).ravel()
    return M, pd.Index(cats, name=by, dtype=object), n_cats


@validate_params(choices={"unit": UNITS}, rules=[needs("rollup", "codebook", "the codebook says which code is whose parent")])
def crosstab(
    codings: pd.DataFrame,
    corpus: Corpus,
    *,
    by: str,
    unit: str = "document",
    values: str = "count",
    normalize: str | None = None,
    stats: bool = True,
    codes: Iterable[str] | None = None,
    codebook: Codebook | None = None,
    rollup: bool = False,
) -> CrosstabResult:
    """Codes x categories of a document variable, with a chi-square test and residuals.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table.
    corpus : Corpus
        Holds the variable (document metadata) and defines the units of each category.
    by : str, keyword-only
        The metadata column whose values are the columns; a ``";"``-joined cell puts the
        document in each of its categories (noted, as the test then counts it more than once).
    unit : {"document", "segment", "sentence", "paragraph"}
        What ``values="presence"`` counts, and what ``category_sizes`` counts. ``"sentence"``
        (``"paragraph"``): every sentence (paragraph) of every segment, cut as
        ``apply_codebook(unit=...)`` cuts it (a coding counts for each unit its span intersects).
    values : {"count", "presence"}
        ``count``: codings; ``presence``: units carrying the code (each unit once).
    normalize : {None, "category", "row", "column", "all"}
        ``category`` divides by the number of units in the category (with ``presence``: the
        share of the category's documents that carry the code, KH Coder's percentage);
        ``row``/``column``/``all`` by the row, column or grand total.
    stats : bool
        Add the chi-square test, expected counts and adjusted residuals (of the counts).
        Rows and columns that are all zero are left out of the test (noted). The test is
        Pearson's without continuity correction; when more than 20% of expected counts are
        below 5, or any below 1, the chi-square approximation is unreliable and a note says so.
    codes, codebook, rollup
        As for :func:`hsqual.incidence.incidence_matrix` (``codebook`` is the ``hierarchy``).

    Returns
    -------
    CrosstabResult

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> sectors = ["Government"] * 4 + ["NGO"] * 4
    >>> corpus = Corpus([Document(f"E{i}", "x", {"sector": s}) for i, s in enumerate(sectors)])
    >>> rows = [(f"E{i}", "protection") for i in range(4)] + [(f"E{i}", "empowerment") for i in range(3, 8)]
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
    ...                           "coder": "kurusu2015"} for d, c in rows])
    >>> r = crosstab(codings, corpus, by="sector", values="presence", normalize="category")
    >>> r.table
    sector       Government  NGO
    code
    empowerment        0.25  1.0
    protection         1.00  0.0
    >>> round(r.chi2, 3), r.dof, r.residuals.round(2).loc["protection", "Government"]
    (5.76, 1, np.float64(2.4))
    >>> r.notes[0]
    'chi-square: 4 of 4 expected counts are below 5 (min 1.78); the approximation is unreliable'
    """
    check_columns(codings, ["doc_id", "segment_id", "code"], "crosstab")
    if corpus is None:
        raise ArgumentError("crosstab: a corpus is needed (it holds the variable given as by=)")
    if not isinstance(by, str) or not by:
        raise ArgumentError(f"crosstab: by must name a metadata column, not {by!r}")
    if unit not in UNITS:
        raise ArgumentError(f"crosstab: unit must be one of {', '.join(map(repr, UNITS))}, not {unit!r}")
    if values not in ("count", "presence"):
        raise ArgumentError(f"crosstab: values must be 'count' or 'presence', not {values!r}")
    if normalize not in _NORMALIZE:
        raise ArgumentError(f"crosstab: normalize must be one of {', '.join(map(str, _NORMALIZE))}, not {normalize!r}")
    inc = incidence_matrix(codings, unit=unit, corpus=corpus, codes=codes, hierarchy=codebook,
                           rollup=rollup, binary=values == "presence")
    M, cats, n_cats = _membership(inc.units, unit, corpus, by)
    counts_arr = np.asarray((inc.matrix.T @ M).toarray(), dtype=np.int64)
    index = pd.Index(inc.codes, name="code")
    counts = pd.DataFrame(counts_arr, index=index, columns=cats)
    sizes = pd.Series(np.asarray(M.sum(axis=0)).ravel().astype(np.int64), index=cats, name="n_units")
    notes: list[str] = []
    multi = int((n_cats > 1).sum())
    if multi:
        notes.append(f"{multi} {unit}(s) belong to several {by!r} categories and are counted in each")
    none = int((n_cats == 0).sum())
    if none:
        coded_without = int(np.asarray(inc.matrix[n_cats == 0].sum()))
        notes.append(f"{none} {unit}(s) have no {by!r} value; {coded_without} of their "
                     f"{'codings' if values == 'count' else 'code applications'} are in no column")
    if inc.n_unassigned:
        notes.append(f"{inc.n_unassigned} coding(s) touch no {unit} of the corpus and are in no cell")

    with np.errstate(divide="ignore", invalid="ignore"):
        if normalize is None:
            table = counts.copy()
        elif normalize == "category":
            table = counts / sizes.replace(0, np.nan)
        elif normalize == "row":
            table = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
        elif normalize == "column":
            table = counts / counts.sum(axis=0).replace(0, np.nan)
        else:
            total = counts.to_numpy().sum()
            table = counts / total if total else counts * np.nan
    settings = {"by": by, "unit": unit, "values": values, "normalize": normalize, "rollup": rollup}
    if not stats:
        return CrosstabResult(table, counts, sizes, notes=notes, settings=settings)

    keep_r = counts.sum(axis=1) > 0
    keep_c = counts.sum(axis=0) > 0
    sub = counts.loc[keep_r, keep_c]
    dropped = (~keep_r).sum() + (~keep_c).sum()
    chi2 = p = float("nan")
    dof = 0
    expected = residuals = None
    if sub.shape[0] >= 2 and sub.shape[1] >= 2:
        res = _chi2(sub.to_numpy())
        chi2, p, dof, exp = res
        expected = pd.DataFrame(exp, index=sub.index, columns=sub.columns).reindex(index=index, columns=cats)
        residuals = adjusted_residuals(sub, expected.loc[sub.index, sub.columns]).reindex(index=index, columns=cats)
        small = int((exp < 5).sum())
        if small / exp.size > 0.2 or (exp < 1).any():
            notes.insert(0, f"chi-square: {small} of {exp.size} expected counts are below 5 (min {exp.min():.2f}); "
                            "the approximation is unreliable")
        if dropped:
            notes.append(f"chi-square: {dropped} all-zero row(s)/column(s) left out of the test")
    else:
        notes.insert(0, "chi-square: fewer than two non-empty rows or columns; no test")
    per_code = None
    if values == "presence":
        rows = []
        for code in index:
            yes = counts.loc[code].to_numpy()
            no = sizes.to_numpy() - yes
            tab = np.vstack([yes, no])[:, sizes.to_numpy() > 0]
            if tab.shape[1] < 2 or (tab.sum(axis=1) == 0).any():
                rows.append({"code": code, "chi2": np.nan, "p": np.nan, "dof": 0, "min_expected": np.nan})
                continue
            c2, pv, df_, exp = _chi2(tab)
            rows.append({"code": code, "chi2": c2, "p": pv, "dof": df_, "min_expected": float(exp.min())})
        per_code = pd.DataFrame(rows, columns=["code", "chi2", "p", "dof", "min_expected"])
    return CrosstabResult(table, counts, sizes, residuals, expected, chi2, p, dof, per_code, notes, settings)


def _chi2(arr: np.ndarray):
    res = stats.chi2_contingency(arr, correction=False)
    return float(res.statistic), float(res.pvalue), int(res.dof), np.asarray(res.expected_freq, dtype=float)


@validate_params(rules=[needs("rollup", "codebook", "the codebook says which code is whose parent")])
def code_by_document(
    codings: pd.DataFrame,
    *,
    corpus: Corpus | None = None,
    values: str = "presence",
    codes: Iterable[str] | None = None,
    codebook: Codebook | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Codes x documents: 1/0 (``presence``) or the number of codings (``count``).

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
    ...                           "coder": "me"} for d, c in [("E01", "risk.social"), ("E01", "risk.social"),
    ...                           ("E02", "risk.interstate")]])
    >>> code_by_document(codings, values="count")
    doc_id           E01  E02
    code
    risk.interstate    0    1
    risk.social        2    0
    """
    if values not in ("count", "presence"):
        raise ArgumentError(f"code_by_document: values must be 'count' or 'presence', not {values!r}")
    inc = incidence_matrix(codings, unit="document", corpus=corpus, codes=codes, hierarchy=codebook,
                           rollup=rollup, binary=values == "presence")
    return inc.to_frame().T


def check_case(case, codings: pd.DataFrame, corpus, *, what: str) -> None:
    """Raise a clear ``ValueError`` unless ``case`` names a metadata column (internal helper).

    The column is looked for in the documents' metadata when a corpus is given, else among
    the codings' columns.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> check_case("interviewee", pd.DataFrame({"doc_id": []}), Corpus([Document("E1", "x", {"interviewees": "2"})]),
    ...            what="code_by_case")
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: code_by_case: case 'interviewee' is not a metadata column of the corpus (metadata columns: interviewees)
    """
    if not isinstance(case, str) or not case or case in (*BUILTIN_UNITS, "overlap", "proximity", "character"):
        raise ArgumentError(f"{what}: case must name a metadata column such as 'interviewees', not {case!r}")
    if corpus is not None and any(case in d.meta for d in corpus.documents):
        return
    if case in codings.columns:
        return
    if corpus is not None:
        keys = sorted({k for d in corpus.documents for k in d.meta})
        raise ArgumentError(f"{what}: case {case!r} is not a metadata column of the corpus "
                         f"(metadata columns: {', '.join(keys) or '(none)'})")
    raise ArgumentError(f"{what}: case {case!r} is not a column of the codings "
                     "(pass corpus= to take cases from the documents' metadata)")


@validate_params(rules=[needs("rollup", "codebook", "the codebook says which code is whose parent")])
def code_by_case(
    codings: pd.DataFrame,
    *,
    case: str,
    corpus: Corpus | None = None,
    values: str = "presence",
    codes: Iterable[str] | None = None,
    codebook: Codebook | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Codes x cases (values of a metadata column such as ``"interviewees"``).

    ``presence``: 1 when the case's documents carry the code; ``count``: the number of
    codings in documents citing the case (an excerpt citing three interviewees counts for each).
    ``attrs["n_unassigned"]`` counts codings whose document cites no case.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("E01", "x", {"interviewees": "1;4"}), Document("E02", "y", {"interviewees": "4"})])
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
    ...                           "coder": "me"} for d, c in [("E01", "freedoms.dignity"), ("E02", "freedoms.want")]])
    >>> code_by_case(codings, case="interviewees", corpus=corpus)
    interviewees      1  4
    code
    freedoms.dignity  1  1
    freedoms.want     0  1
    """
    if values not in ("count", "presence"):
        raise ArgumentError(f"code_by_case: values must be 'count' or 'presence', not {values!r}")
    check_columns(codings, ["doc_id", "code"], "code_by_case")
    check_case(case, codings, corpus, what="code_by_case")
    inc = incidence_matrix(codings, unit=case, corpus=corpus, codes=codes, hierarchy=codebook,
                           rollup=rollup, binary=values == "presence")
    out = inc.to_frame().T
    out.attrs.update(dict(inc.settings))
    return out
