"""A co-occurrence report: tables (CSV), figures (PNG, PDF, SVG) and a one-page ``report.md``.

:func:`write_cooccurrence_report` writes, for a study's codings, the code frequencies, the code
co-occurrence per document (for the Kurusu study, per excerpt) and per case (e.g. per
interviewee), in long and matrix form, with their figures, and a page that shows them with
short captions computed from the tables. Everything is written through :mod:`hsqual.writers`
(atomically).

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.codings import codings_frame
>>> from hsqual.corpus import Corpus, Document
>>> cb = Codebook("t", [Code(id="protection", label={"en": "Protection", "ja": "保護"}),
...                     Code(id="empowerment", label={"en": "Empowerment", "ja": "エンパワーメント"})])
>>> corpus = Corpus([Document(f"K{i}", "x", {"interviewees": str(i % 3 + 1)}) for i in range(6)])
>>> codings = codings_frame([{"doc_id": f"K{i}", "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
...                           "coder": "kurusu2015"} for i in range(6) for c in ("protection", "empowerment")[: i % 2 + 1]])
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> paths = write_cooccurrence_report(codings, corpus, cb, out, title="Demo")
>>> [p.name for p in paths][-1], (out / "report.md").read_text(encoding="utf-8").splitlines()[0]
('report.md', '# Demo')
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .cooccur import cooccurrence, to_matrix
from .crosstabs import code_by_case
from .frequencies import code_frequencies
from .incidence import incidence_matrix
from .writers import atomic_write, write_table, write_text
from .params import validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["write_cooccurrence_report", "write_figure", "write_figures", "FIGURE_FORMATS", "markdown_table"]

#: The formats every figure of a report is written in: PNG to look at, PDF and SVG (vector) for print.
FIGURE_FORMATS = ("png", "pdf", "svg")


def write_figure(fig, path: str | os.PathLike, *, dpi: int = 150) -> Path:
    """Save a matplotlib figure atomically (rendered to memory first), in the format of its suffix.

    ``.png`` (at ``dpi``), ``.pdf`` and ``.svg`` (vector, fonts embedded) are written.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> p = write_figure(Figure(), pathlib.Path(tempfile.mkdtemp()) / "f.png")
    >>> p.read_bytes()[:4]
    b'\\x89PNG'
    """
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise ArgumentError(f"write_figure: the file name must end in {', '.join('.' + f for f in FIGURE_FORMATS)}, "
                         f"not {Path(path).name!r}")
    import matplotlib

    buf = io.BytesIO()
    # no creation date and a fixed id salt: the same figure gives the same bytes on every run
    metadata = {"pdf": {"Creator": "hsqual", "CreationDate": None},
                "svg": {"Creator": "hsqual", "Date": None}}.get(fmt)
    with matplotlib.rc_context({"pdf.fonttype": 42, "svg.fonttype": "path", "svg.hashsalt": "hsqual"}):
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    with atomic_write(path, "wb") as fh:
        fh.write(buf.getvalue())
    return Path(path)


def write_figures(fig, stem: str | os.PathLike, *, formats: Sequence[str] = FIGURE_FORMATS,
                  dpi: int = 150) -> list[Path]:
    """Save a figure once per format: ``stem.png``, ``stem.pdf``, ``stem.svg`` (see :func:`write_figure`).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> paths = write_figures(Figure(), pathlib.Path(tempfile.mkdtemp()) / "network")
    >>> [p.name for p in paths], paths[1].read_bytes()[:5], b"<svg" in paths[2].read_bytes()[:400]
    (['network.png', 'network.pdf', 'network.svg'], b'%PDF-', True)
    """
    stem = Path(stem)
    return [write_figure(fig, stem.with_name(f"{stem.name}.{fmt}"), dpi=dpi) for fmt in formats]


def markdown_table(df: pd.DataFrame, *, floatfmt: str = ".3f") -> str:
    """A DataFrame as a GitHub-flavoured Markdown table (``|`` in cells escaped).

    Example
    -------
    >>> print(markdown_table(pd.DataFrame({"code": ["freedoms.fear"], "jaccard": [0.5]})))
    | code | jaccard |
    |---|---|
    | freedoms.fear | 0.500 |
    """
    def cell(v) -> str:
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else format(float(v), floatfmt)
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _heatmap_codes(long: pd.DataFrame, measure: str, limit: int) -> list[str]:
    """The codes in pairs co-occurring in two or more units, from the strongest pair down, at most ``limit``."""
    pairs = long[long["n_ab"] >= 2].sort_values([measure, "n_ab"], ascending=False)
    out: list[str] = []
    for a, b in zip(pairs["code_a"], pairs["code_b"]):
        for c in (a, b):
            if c not in out and len(out) < limit:
                out.append(c)
    return out


#: Figure titles per language (the page itself is in English).
_FIGURE_TEXT = {
    "en": {"freq": "{Docs} coded with each code", "freq_x": "{docs} (n_documents)",
           "heat": "Co-occurrence per {what} ({measure})",
           "net": "Co-occurrence network per {what} ({measure}, top {top}, pairs in 2+ units)",
           "case_value": "codings ({docs} citing the {case})", "case": "Codings per code and {case}"},
    "ja": {"freq": "コード別の{docs}数", "freq_x": "{docs}数 (n_documents)",
           "heat": "{what}単位の共起（{measure}）",
           "net": "{what}単位の共起ネットワーク（{measure}、上位{top}、2単位以上で共起する組）",
           "case_value": "コーディング数（{case}を引く{docs}）", "case": "{case}別のコーディング数"},
}
#: Japanese for the unit names the study uses (others are shown as given).
_JA_NAMES = {"document": "文書", "documents": "文書", "excerpt": "抜粋", "excerpts": "抜粋",
             "interviewee": "インタビュー対象者", "interviewees": "インタビュー対象者"}


def _figure_md(alt: str, stem: str) -> str:
    """A figure on the page (its PNG) with links to its vector files."""
    return f"![{alt}]({stem}.png)\n\nVector files: [PDF]({stem}.pdf), [SVG]({stem}.svg).\n"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text).strip("_") or "unit"


@validate_params(choices={"lang": ("en", "ja")}, ranges={"top": (1, None)})
def write_cooccurrence_report(
    codings: pd.DataFrame,
    corpus: Corpus,
    codebook: Codebook,
    out_dir: str | os.PathLike,
    *,
    title: str,
    unit_columns: Sequence[str] = ("interviewees",),
    measure: str = "jaccard",
    lang: str = "en",
    top: int = 30,
    case_labels: Mapping[str, Mapping[str, str]] | None = None,
    case_titles: Mapping[str, str] | None = None,
    document_name: str = "document",
    heatmap_codes: int = 16,
) -> list[Path]:
    """Write co-occurrence tables, figures and a one-page ``report.md`` to ``out_dir``.

    Parameters
    ----------
    codings : pandas.DataFrame
        The codings to report on.
    corpus : Corpus
        The documents (every document is a unit; metadata gives the case columns).
    codebook : Codebook
        Labels, ordering, node colours.
    out_dir : str or PathLike
        Created if missing; files in it with the same names are replaced.
    title : str, keyword-only
        The page title.
    unit_columns : sequence of str
        Metadata columns to report co-occurrence per case for (``";"``-joined cells count for
        each value), besides per document.
    measure : str
        The co-occurrence measure of the matrices, heatmaps and networks (see
        :func:`hsqual.cooccur.cooccurrence`); the long tables always hold the counts too,
        with Fisher's one-sided exact test and Benjamini-Hochberg adjusted p values.
    lang : {"en", "ja"}
        Language of the code labels, titles and axis titles in the figures (the page is in
        English).
    top : int
        Edges drawn in each network.
    case_labels : mapping, optional
        Per unit column, a mapping from value to a display name (e.g. interviewee numbers to
        names) for the code-by-case figure.
    case_titles : mapping, optional
        Per unit column, the title of its axis in the figures (e.g. ``"Interviewee"``).
    document_name : str
        What a document of the corpus is, in the page's words (``"excerpt"`` for a corpus of
        excerpts); file names keep ``document``.
    heatmap_codes : int
        Most codes in a heatmap: the codes in pairs that co-occur in two or more units, the
        strongest first; every code is in the matrix CSV.

    Returns
    -------
    list of Path
        Every file written, ``report.md`` last.

    Files: ``code_frequencies.csv``, ``frequencies.*``; for ``document`` and each unit
    column ``U``: ``cooccurrence_U_long.csv``, ``cooccurrence_U_matrix.csv``,
    ``heatmap_U.*``, ``network_U.*``; for each unit column: ``codes_by_U.csv``,
    ``codes_by_U.*``. Every figure is written as ``.png``, ``.pdf`` and ``.svg``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> cb = Codebook("t", [Code(id="a", label={"en": "A"}), Code(id="b", label={"en": "B"})])
    >>> corpus = Corpus([Document("K1", "x", {"interviewees": "1;2"}), Document("K2", "y", {"interviewees": "2"})])
    >>> codings = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
    ...                           "coder": "me"} for d, c in [("K1", "a"), ("K1", "b"), ("K2", "a")]])
    >>> paths = write_cooccurrence_report(codings, corpus, cb, pathlib.Path(tempfile.mkdtemp()), title="T")
    >>> sorted(p.name for p in paths if p.suffix == ".csv")  # doctest: +NORMALIZE_WHITESPACE
    ['code_frequencies.csv', 'codes_by_interviewees.csv', 'cooccurrence_document_long.csv',
     'cooccurrence_document_matrix.csv', 'cooccurrence_interviewees_long.csv', 'cooccurrence_interviewees_matrix.csv']
    """
    from . import figures

    if corpus is None or codebook is None:
        raise ArgumentError("write_cooccurrence_report: corpus and codebook are needed")
    if not isinstance(title, str) or not title.strip():
        raise ArgumentError("write_cooccurrence_report: title must be a non-empty string")
    if isinstance(unit_columns, str):
        unit_columns = [unit_columns]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sections: list[str] = []

    docs = f"{document_name}s"
    case = unit_columns[0] if unit_columns else None
    freq = code_frequencies(codings, corpus=corpus, case=case, codebook=codebook)
    used = freq[freq["n_codings"] > 0].reset_index(drop=True)
    written.append(write_table(freq, out / "code_frequencies.csv"))
    words = _FIGURE_TEXT["ja" if lang == "ja" else "en"]

    def name(text: str) -> str:
        return _JA_NAMES.get(text.lower(), text) if lang == "ja" else text

    fig = figures.frequency_bars(used, column="n_documents", codebook=codebook, lang=lang,
                                 title=words["freq"].format(Docs=name(docs).capitalize(), docs=name(docs)))
    fig.axes[0].set_xlabel(words["freq_x"].format(docs=name(docs)))
    written += write_figures(fig, out / "frequencies")
    n_docs = freq.attrs["n_documents"]
    most = used.sort_values("n_documents", ascending=False).head(3)
    most_text = ", ".join(f"{r.code} ({r.n_documents})" for r in most.itertuples()) or "none"
    sections.append(
        "## Code frequencies\n\n"
        f"{int(freq['n_codings'].sum())} codings of {len(used)} codes (of {len(freq)} in the codebooks) "
        f"across {n_docs} {docs}; `n_documents` counts {docs}. Most widespread: {most_text}. Table: "
        "[code_frequencies.csv](code_frequencies.csv).\n\n" + _figure_md("Code frequencies", "frequencies"))

    for unit in ["document", *unit_columns]:
        slug = _slug(unit)
        # the codes that occur in at least one unit (codings in no unit, e.g. excerpts citing
        # nobody, leave their codes out of the per-case tables; the notes say how many)
        inc = incidence_matrix(codings, unit=unit, corpus=corpus, hierarchy=codebook)
        present = [c for c, n in inc.counts().items() if n > 0]
        long = cooccurrence(codings, unit=unit, corpus=corpus, codebook=codebook, measure=measure,
                            codes=present, test="fisher", correction="fdr_bh")
        mat = to_matrix(long)
        written.append(write_table(long, out / f"cooccurrence_{slug}_long.csv"))
        written.append(write_table(mat, out / f"cooccurrence_{slug}_matrix.csv", index=True))
        what = document_name if unit == "document" else (
            (case_titles or {}).get(unit, "").lower() or f"value of {unit!r}")
        shown = _heatmap_codes(long, measure, heatmap_codes)
        if len(shown) >= 2:
            sub = mat.loc[shown, shown]
            sub.attrs.update(mat.attrs)
            fig = figures.cooccurrence_heatmap(sub, codebook=codebook, lang=lang,
                                               title=words["heat"].format(what=name(what), measure=measure))
        else:
            fig = figures.cooccurrence_heatmap(mat, codebook=codebook, lang=lang,
                                               title=words["heat"].format(what=name(what), measure=measure))
        written += write_figures(fig, out / f"heatmap_{slug}")
        fig = figures.cooccurrence_network(long, top=top, min_n=2, codebook=codebook, lang=lang,
                                           title=words["net"].format(what=name(what), measure=measure, top=top))
        written += write_figures(fig, out / f"network_{slug}")
        overlaps = figures.label_overlaps(fig)
        n_units = long.attrs["n_units"]
        strongest = long[long["n_ab"] > 0].sort_values([measure, "n_ab"], ascending=False).head(10)
        n_sig = int((long["p_adj"] < 0.05).sum())
        unit_words = docs if unit == "document" else "units"
        lines = [f"## Co-occurrence per {what}\n",
                 f"{n_units} {unit_words}; {int((long['n_ab'] > 0).sum())} of {len(long)} code pairs co-occur at least "
                 f"once; {n_sig} pair(s) co-occur more often than chance (Fisher's one-sided exact test, "
                 f"Benjamini-Hochberg adjusted p < 0.05). Tables: "
                 f"[long](cooccurrence_{slug}_long.csv), [matrix](cooccurrence_{slug}_matrix.csv) "
                 f"(all {len(present)} codes present).\n"]
        if len(strongest):
            lines.append(f"Strongest pairs by {measure}:\n")
            lines.append(markdown_table(strongest[["code_a", "code_b", "n_a", "n_b", "n_ab", measure, "p_adj"]]) + "\n")
        for note in long.attrs.get("notes", []):
            lines.append(f"Note: {note}.\n")
        if len(shown) >= 2:
            lines.append(f"The heatmap shows {len(shown)} codes: those in the strongest pairs that co-occur in "
                         f"two or more {unit_words}, ordered by clustering; the matrix CSV holds all {len(present)}.\n")
        lines.append(_figure_md(f"Heatmap per {what}", f"heatmap_{slug}"))
        lines.append(_figure_md(f"Network per {what}", f"network_{slug}"))
        lines.append(f"Node colours: communities (Louvain, seeded); node labels that overlap another, measured on "
                     f"the drawn figure: {overlaps} pair(s).\n")
        if unit != "document":
            by_case = code_by_case(codings, case=unit, corpus=corpus, codebook=codebook, values="count")
            written.append(write_table(by_case, out / f"codes_by_{slug}.csv", index=True))
            case_title = (case_titles or {}).get(unit, unit)
            fig = figures.code_case_matrix(by_case, codebook=codebook, lang=lang,
                                           case_labels=(case_labels or {}).get(unit), case_title=name(case_title),
                                           value_title=words["case_value"].format(docs=name(docs),
                                                                                  case=name(case_title).lower()),
                                           title=words["case"].format(case=name(case_title).lower()))
            written += write_figures(fig, out / f"codes_by_{slug}")
            n_empty = int((by_case.sum(axis=1) == 0).sum())
            lines.append(f"Codings per code and {unit} ([table](codes_by_{slug}.csv)); {'an excerpt' if document_name == 'excerpt' else 'a ' + document_name} "
                         f"citing several counts for each of them. The figure leaves out the {n_empty} code(s) "
                         f"coded for no {case_title.lower()}.\n")
            lines.append(_figure_md(f"Codes by {unit}", f"codes_by_{slug}"))
        sections.append("\n".join(lines))

    header = (f"# {title}\n\n"
              f"Coder(s): {', '.join(sorted(set(codings['coder'].astype(str)))) or '(none)'}; "
              f"codebook: {codebook.id}; measure: {measure}.\n")
    written.append(write_text(header + "\n" + "\n".join(sections), out / "report.md"))
    return written
