"""Code frequencies: how often, in how many segments, documents and cases each code is used.

Example
-------
>>> from hsqual.codings import codings_frame
>>> rows = [("E01", 1, "freedoms.fear"), ("E01", 1, "freedoms.fear"), ("E02", 2, "freedoms.fear"),
...         ("E02", 1, "freedoms.want")]
>>> codings = codings_frame([{"doc_id": d, "segment_id": s, "code": c, "start": 0, "end": 1,
...                           "quote": "x", "coder": "kurusu2015"} for d, s, c in rows])
>>> code_frequencies(codings)[["code", "n_codings", "n_segments", "n_documents", "share_documents"]]
            code  n_codings  n_segments  n_documents  share_documents
0  freedoms.fear          3           2            2              1.0
1  freedoms.want          1           1            1              0.5
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .crosstabs import check_case
from .incidence import check_columns, factorize_str, incidence_matrix, map_codes
from .params import needs, validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["code_frequencies"]


@validate_params(rules=[needs("rollup", "codebook", "the codebook says which code is whose parent")])
def code_frequencies(
    codings: pd.DataFrame,
    *,
    corpus: Corpus | None = None,
    case: str | None = None,
    sentences: bool = False,
    codebook: Codebook | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Per code: codings, coded segments, coded documents and (optionally) cases.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table.
    corpus : Corpus, optional
        The denominator of ``share_documents`` (all documents of the corpus; without it, the
        documents the codings touch) and the document metadata for ``case``.
    case : str, optional
        A metadata column that defines cases, e.g. ``"interviewees"``: a code's ``n_cases`` is
        the number of distinct values of that column among the documents it is applied in
        (``";"``-joined cells count for each value). Taken from the documents' metadata when a
        corpus is given, else from a column of the codings. A column found in neither is an
        error naming the columns there are.
    sentences : bool
        Also count coded sentences (``corpus`` needed): ``n_sentences`` is the number of
        sentences a code's codings intersect and ``share_sentences`` its share of all sentences
        of the corpus, split as ``apply_codebook(unit="sentence")`` splits them (uncoded
        sentences count in the denominator).
    codebook : Codebook, optional
        Lists every code of the codebook (unused ones with zeros), in codebook order, with
        ``codebook``, ``parent``, ``depth``, ``label_en``, ``label_ja``; codes the codebook
        does not hold follow, flagged ``in_codebook=False``.
    rollup : bool
        With a codebook: a parent's figures also count the codings of its descendants (each
        coding once; a segment, document or case counted once however many children it
        carries). Children keep their own figures.

    Returns
    -------
    pandas.DataFrame
        ``code, n_codings, n_segments, n_documents, share_documents`` (+ ``n_sentences,
        share_sentences`` with ``sentences``; + ``n_cases, share_cases`` with ``case``;
        + codebook columns). Without a codebook, rows are sorted
        by ``n_codings`` (most used first). ``attrs`` holds ``n_documents`` (the
        denominator), ``n_sentences``, ``n_cases`` and the settings.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> cb = Codebook("three_freedoms", [
    ...     Code(id="freedoms", label={"en": "Three freedoms", "ja": "三つの自由"}),
    ...     Code(id="freedoms.fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"}, parent="freedoms"),
    ...     Code(id="freedoms.want", label={"en": "Freedom from want", "ja": "欠乏からの自由"}, parent="freedoms")])
    >>> corpus = Corpus([Document("E01", "x", {"interviewees": "2;3"}), Document("E02", "y", {"interviewees": "3"}),
    ...                  Document("E03", "z", {"interviewees": "4"})])
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": q,
    ...                           "coder": "kurusu2015"} for d, c, q in [("E01", "freedoms.fear", "x"),
    ...                           ("E02", "freedoms.fear", "y"), ("E02", "freedoms.want", "y")]])
    >>> f = code_frequencies(codings, corpus=corpus, case="interviewees", codebook=cb, rollup=True)
    >>> f[["code", "depth", "label_ja", "n_codings", "n_documents", "n_cases", "share_cases"]]
                code  depth  label_ja  n_codings  n_documents  n_cases  share_cases
    0       freedoms      0     三つの自由          3            2        2     0.666667
    1  freedoms.fear      1   恐怖からの自由          2            2        2     0.666667
    2  freedoms.want      1   欠乏からの自由          1            1        1     0.333333
    """
    check_columns(codings, ["doc_id", "segment_id", "code"], "code_frequencies")
    if rollup and codebook is None:
        raise ArgumentError("code_frequencies: rollup=True needs codebook= (the codebook that says who is whose parent)")
    if case is not None:
        check_case(case, codings, corpus, what="code_frequencies")
    if sentences and corpus is None:
        raise ArgumentError("code_frequencies: sentences=True needs corpus= (the sentences are found by splitting "
                         "every segment of the corpus, as apply_codebook(unit='sentence') does)")
    df = codings.reset_index(drop=True)
    if rollup:
        mapped = map_codes(df["code"].astype(str), codebook, mode="aggregate")
        df = df.iloc[mapped["row"].to_numpy()].reset_index(drop=True)
        df["code"] = mapped["code"].to_numpy()
    row_codes, code_uniques = factorize_str(df["code"])
    if codebook is not None:
        order = {c: i for i, c in enumerate(codebook)}
        extra = sorted(set(code_uniques) - set(order))
        codes = [*codebook, *extra]
    else:
        codes = sorted(code_uniques)

    n_codings = pd.Series(np.bincount(row_codes, minlength=len(code_uniques)) if len(row_codes) else [],
                          index=pd.Index(code_uniques, dtype=object), dtype=np.int64).reindex(codes, fill_value=0)
    n_segments = incidence_matrix(df, unit="segment", codes=codes).counts()
    n_documents = incidence_matrix(df, unit="document", codes=codes).counts()
    total_docs = len(corpus) if corpus is not None else df["doc_id"].nunique()
    out = pd.DataFrame({
        "code": pd.Series(codes, dtype=object),
        "n_codings": n_codings.to_numpy(dtype=np.int64),
        "n_segments": n_segments.to_numpy(dtype=np.int64),
        "n_documents": n_documents.to_numpy(dtype=np.int64),
    })
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_documents"] = out["n_documents"] / total_docs if total_docs else np.nan
    attrs = {"n_documents": int(total_docs), "case": case, "sentences": bool(sentences), "rollup": rollup,
             "codebook": None if codebook is None else codebook.id}
    if sentences:
        inc_s = incidence_matrix(df, unit="sentence", corpus=corpus, codes=codes)
        out["n_sentences"] = inc_s.counts().to_numpy(dtype=np.int64)
        total_sents = inc_s.n_units
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share_sentences"] = out["n_sentences"] / total_sents if total_sents else np.nan
        attrs["n_sentences"] = int(total_sents)
        attrs["n_codings_without_sentence"] = int(inc_s.n_unassigned)
    if case is not None:
        inc = incidence_matrix(df, unit=case, corpus=corpus, codes=codes)
        out["n_cases"] = inc.counts().to_numpy(dtype=np.int64)
        total_cases = inc.n_units
        out["share_cases"] = out["n_cases"] / total_cases if total_cases else np.nan
        attrs["n_cases"] = int(total_cases)
        attrs["n_codings_without_case"] = int(inc.n_unassigned)
    if codebook is not None:
        meta = codebook.to_frame().set_index("code")
        out["in_codebook"] = out["code"].isin(meta.index)
        out["codebook"] = out["code"].map(meta["codebook"]).astype(object)
        out["parent"] = out["code"].map(meta["parent"]).astype(object)
        out["depth"] = out["code"].map(meta["depth"]).astype("Int64")
        for lang in ("en", "ja"):
            col = f"label_{lang}"
            out[col] = out["code"].map(meta[col]).fillna("").astype(object) if col in meta else ""
        lead = ["code", "codebook", "parent", "depth", "label_en", "label_ja"]
        out = out[lead + [c for c in out.columns if c not in lead]]
        out["parent"] = out["parent"].where(out["parent"].notna(), None)
    else:
        out = out.sort_values(["n_codings", "code"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    out.attrs.update(attrs)
    return out
