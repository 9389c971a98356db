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

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

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


class CrosstabResult(NamedTuple):
    """What :func:`crosstab` returns: two tidy DataFrames.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per code and category, in code then category order: ``code, <by>, unit,
        n_units`` (units in the category), ``count`` (codings, or units carrying the code with
        ``values="presence"``), ``value`` (the count, or the share when ``normalize`` was
        given), ``expected`` and ``residual`` (expected count and adjusted standardised
        residual under independence; NaN without ``stats`` or outside the test).
    tests : pandas.DataFrame
        The chi-square tests, as the library's summary rows: ``level, code, chi2, p, dof,
        min_expected``; ``level="all"`` (``code`` None) tests the whole table, and with
        ``values="presence"`` a ``level="code"`` row tests each code's 2 x k table. Empty
        without ``stats``.

    Both frames' ``attrs`` hold the settings and the notes (caveats: small expected counts,
    units in several categories, units without a category). The wide views are properties:
    ``table``, ``counts``, ``expected``, ``residuals`` (codes x categories), ``category_sizes``,
    ``chi2``, ``p``, ``dof``, ``per_code``, ``notes`` and ``settings``.

    Example
    -------
    >>> cells = pd.DataFrame({"code": ["protection"], "sector": ["NGO"], "unit": ["document"], "n_units": [2],
    ...                       "count": [1], "value": [1], "expected": [np.nan], "residual": [np.nan]})
    >>> r = CrosstabResult(cells, pd.DataFrame(columns=["level", "code", "chi2", "p", "dof", "min_expected"]))
    >>> r.table.loc["protection", "NGO"], r.residuals is None
    (np.int64(1), True)
    """

    cells: pd.DataFrame
    tests: pd.DataFrame

    @property
    def settings(self) -> dict[str, Any]:
        """The settings that made the result (``by``, ``unit``, ``values``, ``normalize``, ``rollup``)."""
        keys = ("by", "unit", "values", "normalize", "rollup")
        return {k: self.cells.attrs[k] for k in keys if k in self.cells.attrs}

    @property
    def notes(self) -> tuple[str, ...]:
        """Caveats on the table and its test."""
        return tuple(self.cells.attrs.get("notes", ()))

    def _by(self) -> str:
        return self.cells.attrs.get("by") or self.cells.columns[1]

    def _wide(self, column: str, name: str) -> pd.DataFrame:
        by = self._by()
        codes = list(self.cells.attrs.get("codes", dict.fromkeys(self.cells["code"])))
        cats = list(self.cells.attrs.get("categories", dict.fromkeys(self.cells[by])))
        wide = self.cells.pivot(index="code", columns=by, values=column) if len(self.cells) else \
            pd.DataFrame(index=pd.Index([], name="code"), columns=pd.Index([], name=by))
        wide = wide.reindex(index=pd.Index(codes, name="code"), columns=pd.Index(cats, name=by))
        if len(self.cells) and self.cells[column].dtype.kind in "iu":
            wide = wide.astype(self.cells[column].dtype)
        wide.attrs.update({**self.cells.attrs, "values_in": name})
        return wide

    @property
    def table(self) -> pd.DataFrame:
        """Codes x categories of ``value``: counts, or shares when ``normalize`` was given."""
        return self._wide("value", "table")

    @property
    def counts(self) -> pd.DataFrame:
        """Codes x categories of ``count``, which the table and the test are computed from."""
        return self._wide("count", "counts")

    @property
    def expected(self) -> pd.DataFrame | None:
        """Codes x categories of expected counts (``None`` without a test)."""
        return self._wide("expected", "expected") if self.cells["expected"].notna().any() else None

    @property
    def residuals(self) -> pd.DataFrame | None:
        """Codes x categories of adjusted standardised residuals (``None`` without a test)."""
        return self._wide("residual", "residuals") if self.cells["residual"].notna().any() else None

    @property
    def category_sizes(self) -> pd.Series:
        """Units per category."""
        sizes = self.cells.attrs.get("category_sizes", {})
        return pd.Series(list(sizes.values()), index=pd.Index(list(sizes), name=self._by()), name="n_units",
                         dtype="int64")

    def _overall(self, column: str, default):
        rows = self.tests[self.tests["level"] == "all"]
        return rows[column].iloc[0] if len(rows) else default

    @property
    def chi2(self) -> float:
        """Pearson's chi-square of the whole table (NaN without a test)."""
        return float(self._overall("chi2", float("nan")))

    @property
    def p(self) -> float:
        """Its p value (NaN without a test)."""
        return float(self._overall("p", float("nan")))

    @property
    def dof(self) -> int:
        """Its degrees of freedom (0 without a test)."""
        return int(self._overall("dof", 0))

    @property
    def per_code(self) -> pd.DataFrame | None:
        """The ``level="code"`` rows of ``tests`` (``values="presence"``), else ``None``."""
        rows = self.tests[self.tests["level"] == "code"]
        if not len(rows):
            return None
        return rows[["code", "chi2", "p", "dof", "min_expected"]].reset_index(drop=True)


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
        A named tuple of two DataFrames: ``cells`` (one row per code and category: ``code,
        <by>, unit, n_units, count, value, expected, residual``) and ``tests`` (``level, code,
        chi2, p, dof, min_expected``: the whole table's test on the ``level="all"`` row, each
        code's on ``level="code"`` rows); ``table``, ``counts``, ``residuals``, ``chi2`` ... are
        the wide views (see :class:`CrosstabResult`).

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
        return _result(table, counts, sizes, None, None, float("nan"), float("nan"), 0, None, notes, settings)

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
    return _result(table, counts, sizes, residuals, expected, chi2, p, dof, per_code, notes, settings)


_TEST_COLUMNS = ["level", "code", "chi2", "p", "dof", "min_expected"]


def _result(table, counts, sizes, residuals, expected, chi2, p, dof, per_code, notes, settings) -> CrosstabResult:
    """The two tidy tables of a crosstab from its wide pieces."""
    by = settings["by"]
    codes, cats = list(counts.index), list(counts.columns)
    code_col = np.repeat(np.asarray(codes, dtype=object), len(cats))
    cat_col = np.tile(np.asarray(cats, dtype=object), len(codes))

    def flat(frame, dtype="float64"):
        if frame is None:
            return np.full(len(codes) * len(cats), np.nan)
        return frame.reindex(index=codes, columns=cats).to_numpy(dtype=dtype).ravel()

    cells = pd.DataFrame({
        "code": pd.Series(code_col, dtype=object), by: pd.Series(cat_col, dtype=object),
        "unit": pd.Series([settings["unit"]] * len(code_col), dtype=object),
        "n_units": np.tile(sizes.reindex(cats).to_numpy(dtype=np.int64), len(codes)),
        "count": counts.to_numpy(dtype=np.int64).ravel(),
        "value": table.to_numpy().ravel() if table.to_numpy().size else np.array([], dtype=table.dtypes.iloc[0]
                                                                             if len(table.columns) else "int64"),
        "expected": flat(expected), "residual": flat(residuals)})
    rows = []
    if not np.isnan(chi2) or expected is not None:
        rows.append({"level": "all", "code": None, "chi2": chi2, "p": p, "dof": dof,
                     "min_expected": float(np.nanmin(expected.to_numpy())) if expected is not None else np.nan})
    if per_code is not None:
        rows.extend({"level": "code", **r} for r in per_code.to_dict("records"))
    tests = pd.DataFrame(rows, columns=_TEST_COLUMNS)
    tests["code"] = pd.Series([r["code"] for r in rows], index=tests.index, dtype=object)
    attrs = {**settings, "chi2": float(chi2), "p": float(p), "dof": int(dof), "notes": list(notes),
             "codes": codes, "categories": cats,
             "category_sizes": {c: int(v) for c, v in sizes.items()}}
    cells.attrs.update(attrs)
    tests.attrs.update(attrs)
    return CrosstabResult(cells, tests)


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
