"""A static site of a coded project, to read in any browser and send to a co-author.

:func:`write_site` writes, into one folder:

=========================== =================================================================
``index.html``              the codes (in codebook order, with their colour, the number of
                            codings and of documents), the documents and the coders
``codes/<code>.html``       one page per code: its definition and every passage coded with it,
                            in context (the surrounding turn or paragraph), each linked to the
                            place in its document
``docs/<document>.html``    one page per document: the text with every coded span highlighted
                            (:func:`hsqual.view.document_html`), codes and coders to hide
``matrix.html``             the code co-occurrence matrix (:func:`hsqual.cooccurrence`); each
                            number links to the passages where both codes meet
``pairs/<a>--<b>.html``     those passages (:func:`hsqual.cooccurrence_passages`), both codes
                            highlighted
``assets/hsqual.css, .js``  the style and the small script every page shares
=========================== =================================================================

Links are relative and nothing is fetched from the network, so the folder can be zipped and
opened anywhere without a server. The whole site is built in a temporary folder and moved into
place when complete (:func:`hsqual.writers.atomic_folder`): a failure leaves the previous site
as it was, and a folder hsqual did not write is never replaced.

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.codings import codings_frame
>>> from hsqual.corpus import Corpus, Document
>>> corpus = Corpus([Document("int01", "We protect people and empower them.")])
>>> cb = Codebook("demo", [Code(id="protection", label={"en": "Protection"}),
...                        Code(id="empowerment", label={"en": "Empowerment"})])
>>> codings = codings_frame([
...     {"doc_id": "int01", "segment_id": 1, "code": "protection", "start": 3, "end": 17,
...      "quote": "protect people", "coder": "ana"},
...     {"doc_id": "int01", "segment_id": 1, "code": "empowerment", "start": 22, "end": 34,
...      "quote": "empower them", "coder": "ana"}])
>>> index = write_site(codings, corpus, cb, pathlib.Path(tempfile.mkdtemp()) / "site")
>>> sorted(p.name for p in index.parent.rglob("*.html"))
['empowerment--protection.html', 'empowerment.html', 'index.html', 'int01.html', 'matrix.html', 'protection.html']
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .codings import codings_frame
from .cooccur import PASSAGE_UNITS, cooccurrence, cooccurrence_passages, to_matrix
from .errors import ArgumentError, CodingsError, HsqualError
from .view import VIEW_CSS, VIEW_JS, code_colors, document_html, highlight_text, page_html
from .writers import atomic_folder
from .writers import write_text
from .params import validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["write_site", "SITE_CSS"]

SITE_CSS = """\
body{margin:0;background:#fff;color:#1d1d1f}
.site{max-width:66rem;margin:0 auto;padding:.6em 1.2em 3em;font-family:system-ui,-apple-system,"Segoe UI",
"Noto Sans","Noto Sans CJK JP","Hiragino Sans","Yu Gothic",Meiryo,sans-serif;font-size:15px;line-height:1.5}
.site.wide{max-width:none}
.site h1{font-size:1.45em;margin:.5em 0 .2em}
.site h2{font-size:1.15em;margin:1.4em 0 .4em}
.site h3{font-size:1em;margin:1.2em 0 .3em}
.site a{color:#1456a0}
.hsq-nav{font-size:.88em;padding:.4em 0;border-bottom:1px solid #e5e5e5;color:#666}
.hsq-nav a{margin-right:1.2em}
.hsq-lead{color:#444;margin:.2em 0 .8em}
.hsq-small{color:#666;font-size:.85em}
table.hsq-t{border-collapse:collapse;font-size:.9em;margin:.3em 0}
table.hsq-t th,table.hsq-t td{padding:.22em .6em;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
table.hsq-t th{font-weight:600;color:#444;border-bottom:1px solid #ccc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.hsq-code-id{color:#777;font-size:.85em}
.hsq-passage{margin:.4em 0 1em}
.hsq-where{font-size:.8em;color:#666}
.hsq-where span{margin-right:1em}
.hsq-quote{white-space:pre-wrap;overflow-wrap:anywhere;line-break:strict;margin:.15em 0;padding:.25em .8em;
border-left:3px solid #ddd;background:#fcfcfc;line-height:2}
.hsq-def{background:#f7f7f7;border-radius:6px;padding:.5em .8em;margin:.5em 0;font-size:.92em}
.hsq-def p{margin:.2em 0}
.hsq-mwrap{overflow:auto;max-height:88vh;border:1px solid #e3e3e3}
table.hsq-matrix{border-collapse:separate;border-spacing:0;font-size:.78em}
table.hsq-matrix th,table.hsq-matrix td{border-right:1px solid #f0f0f0;border-bottom:1px solid #f0f0f0}
table.hsq-matrix td{min-width:1.9em;height:1.7em;text-align:center;padding:0;font-variant-numeric:tabular-nums}
table.hsq-matrix td a{display:block;color:inherit;text-decoration:none;line-height:1.7em}
table.hsq-matrix td a:hover{outline:2px solid #222}
table.hsq-matrix td.diag{background:#f2f2f2;color:#555}
table.hsq-matrix thead th{position:sticky;top:0;background:#fff;z-index:2;vertical-align:bottom;
padding:.3em .1em;font-weight:normal}
table.hsq-matrix thead th div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;
max-height:14em;overflow:hidden;text-overflow:ellipsis;margin:0 auto}
table.hsq-matrix tbody th{position:sticky;left:0;background:#fff;z-index:1;text-align:left;font-weight:normal;
white-space:nowrap;padding:0 .6em 0 .3em;max-width:22em;overflow:hidden;text-overflow:ellipsis}
table.hsq-matrix thead th:first-child{left:0;z-index:3}
table.hsq-matrix a{color:inherit}
"""


def _slugs(ids: Iterable[str]) -> dict[str, str]:
    """A file name per id: the id when it is plain ASCII, else a readable part and a hash.

    Names are unique even on a file system that ignores case.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for i in dict.fromkeys(map(str, ids)):
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", i).strip("._-")[:60] or "x"
        slug = base
        if base != i or slug.lower() in used:
            slug = f"{base}-{zlib.crc32(i.encode('utf-8')):08x}"
        while slug.lower() in used:
            slug += "_"
        used.add(slug.lower())
        out[i] = slug
    return out


def _h(value) -> str:
    import html

    return html.escape("" if value is None else str(value), quote=True)


_BREAK = re.compile(r"\s|(?<=[。．！？!?、，])")
_REACH = 40  # characters a cut may move to fall between words or after a sentence mark


def _snap(text: str, lo: int, hi: int, start: int, end: int, outer: tuple[int, int]) -> tuple[int, int]:
    """Move the cuts of a context ``text[lo:hi]`` to the nearest space or Japanese punctuation
    (within ``_REACH`` characters, never into the span ``start:end`` or outside ``outer``)."""
    if lo > outer[0]:
        m = _BREAK.search(text, lo, min(start, lo + _REACH))
        if m:
            lo = m.end()
    if hi < outer[1]:
        cuts = [m.start() if m.group() else m.end() for m in _BREAK.finditer(text, max(end, hi - _REACH), hi)]
        if cuts:
            hi = cuts[-1]
    return lo, hi


class _Site:
    def __init__(self, corpus, codings, codebook, *, title, lang, unit, context):
        self.corpus, self.codebook, self.title, self.lang, self.unit, self.context = (
            corpus, codebook, title, lang, unit, context)
        self.codings = codings
        order = {c: i for i, c in enumerate(codebook)} if codebook is not None else {}
        self.codes = sorted(dict.fromkeys(codings["code"]), key=lambda c: (order.get(c, len(order)), c))
        self.colors = code_colors(self.codes, codebook)
        self.code_slug = _slugs(self.codes)
        self.doc_slug = _slugs(corpus.doc_ids)
        self.by_doc = {d: g for d, g in codings.groupby("doc_id", sort=False)}
        self.by_code = {c: g for c, g in codings.groupby("code", sort=False)}

    def label(self, code: str) -> str:
        if self.codebook is not None and code in self.codebook:
            return self.codebook[code].label_for(self.lang)
        return code

    def doc_title(self, doc_id: str) -> str:
        return str(self.corpus.doc(doc_id).meta.get("title") or doc_id)

    def page(self, title: str, body: str, depth: int, *, wide: bool = False) -> str:
        up = "../" * depth
        nav = (f'<nav class="hsq-nav"><a href="{up}index.html">{_h(self.title)}</a>'
               f'<a href="{up}index.html#codes">Codes</a><a href="{up}index.html#documents">Documents</a>'
               f'<a href="{up}matrix.html">Co-occurrence</a></nav>')
        return page_html(title, f'<div class="site{" wide" if wide else ""}">{nav}\n{body}\n</div>', lang=self.lang,
                         stylesheet=f"{up}assets/hsqual.css", script=f"{up}assets/hsqual.js")

    def swatch(self, code: str) -> str:
        return f'<span class="hsq-sw" style="background:{self.colors[code]}"></span>'

    def code_link(self, code: str, up: str = "") -> str:
        return f'<a href="{up}codes/{self.code_slug[code]}.html">{_h(self.label(code))}</a>'

    # -- pages ---------------------------------------------------------------------------
    def index(self) -> str:
        c = self.codings
        parts = [f"<h1>{_h(self.title)}</h1>",
                 f'<p class="hsq-lead">{len(self.corpus)} documents, {len(c)} codings of {len(self.codes)} codes by '
                 f"{c['coder'].nunique()} coder(s). Open a code to read its passages in context, a document to "
                 'read it with every coding highlighted, or the <a href="matrix.html">co-occurrence matrix</a> '
                 "to read where two codes meet.</p>",
                 '<h2 id="codes">Codes</h2>', '<table class="hsq-t"><thead><tr><th>code</th><th>id</th>'
                 '<th class="num">codings</th><th class="num">documents</th></tr></thead><tbody>']
        listed = list(self.codebook) if self.codebook is not None else []
        listed += [x for x in self.codes if x not in set(listed)]
        for code in listed:
            g = self.by_code.get(code)
            depth = self.codebook.depth(code) if self.codebook is not None and code in self.codebook else 0
            pad = f' style="padding-left:{0.6 + 1.2 * depth:.1f}em"'
            if g is None:
                name = f'<span class="hsq-sw" style="background:#ddd"></span> {_h(self.label(code))}'
                parts.append(f'<tr><td{pad}>{name}</td><td class="hsq-code-id">{_h(code)}</td>'
                             '<td class="num">0</td><td class="num">0</td></tr>')
                continue
            missing = ("" if self.codebook is None or code in self.codebook
                       else ' <span class="hsq-small">(not in the codebook)</span>')
            parts.append(f'<tr><td{pad}>{self.swatch(code)} {self.code_link(code)}{missing}</td>'
                         f'<td class="hsq-code-id">{_h(code)}</td><td class="num">{len(g)}</td>'
                         f'<td class="num">{g["doc_id"].nunique()}</td></tr>')
        parts.append("</tbody></table>")
        parts += ['<h2 id="documents">Documents</h2>', '<table class="hsq-t"><thead><tr><th>document</th><th>id</th>'
                  '<th>language</th><th class="num">characters</th><th class="num">codings</th>'
                  '<th class="num">codes</th></tr></thead><tbody>']
        for doc in self.corpus:
            g = self.by_doc.get(doc.doc_id, c.iloc[:0])
            parts.append(f'<tr><td><a href="docs/{self.doc_slug[doc.doc_id]}.html">{_h(self.doc_title(doc.doc_id))}</a>'
                         f'</td><td class="hsq-code-id">{_h(doc.doc_id)}</td><td>{_h(doc.language)}</td>'
                         f'<td class="num">{len(doc.text):,}</td><td class="num">{len(g)}</td>'
                         f'<td class="num">{g["code"].nunique()}</td></tr>')
        parts.append("</tbody></table>")
        parts += ['<h2 id="coders">Coders</h2>', '<table class="hsq-t"><thead><tr><th>coder</th>'
                  '<th class="num">codings</th><th class="num">documents</th></tr></thead><tbody>']
        for coder, g in c.groupby("coder"):
            parts.append(f'<tr><td>{_h(coder)}</td><td class="num">{len(g)}</td>'
                         f'<td class="num">{g["doc_id"].nunique()}</td></tr>')
        parts.append("</tbody></table>")
        return self.page(self.title, "\n".join(parts), 0)

    def context_of(self, doc_id: str, start: int, end: int) -> tuple[int, int, int, int]:
        """The turn or paragraph around a span (its bounds), cut to ``context`` characters either side."""
        text = self.corpus.doc(doc_id).text
        lo, hi = 0, len(text)
        for s in self.corpus.segments_of(doc_id):
            if s.start <= start and end <= s.end:
                lo, hi = s.start, s.end
                break
        return max(lo, start - self.context), min(hi, end + self.context), lo, hi

    def snippet(self, doc_id: str, rows: pd.DataFrame, lo: int, hi: int, outer: tuple[int, int]) -> str:
        """``text[lo:hi]`` with ``rows`` highlighted; an ellipsis where it cuts into ``outer``."""
        text = self.corpus.doc(doc_id).text
        lo, hi = _snap(text, lo, hi, int(rows["start"].min()), int(rows["end"].max()), outer)
        body = highlight_text(text, rows, start=lo, end=hi, codebook=self.codebook, lang=self.lang,
                              colors=self.colors, anchors=False)
        before = "… " if lo > outer[0] else ""
        after = " …" if hi < outer[1] else ""
        lang = self.corpus.doc(doc_id).language
        return f'<div class="hsq" lang="{_h(lang)}"><div class="hsq-text hsq-quote">{before}{body}{after}</div></div>'

    def code_page(self, code: str) -> str:
        g = self.by_code[code]
        parts = [f"<h1>{self.swatch(code)} {_h(self.label(code))}</h1>"]
        info = [f"<span>{_h(code)}</span>"]
        cb = self.codebook
        if cb is not None and code in cb:
            parent = cb.parent(code)
            if parent is not None:
                info.append(f"<span>in {self.code_link(parent, '../') if parent in self.code_slug else _h(cb.label(parent, self.lang))}</span>")
            kids = [k for k in cb.children(code) if k in self.code_slug]
            if kids:
                info.append("<span>sub-codes: " + ", ".join(self.code_link(k, "../") for k in kids) + "</span>")
        info.append(f"<span>{len(g)} codings in {g['doc_id'].nunique()} documents</span>")
        parts.append(f'<p class="hsq-where">{"".join(info)}</p>')
        if cb is not None and code in cb:
            c = cb[code]
            defs = []
            for what, field in (("Definition", c.definition), ("When to use", c.when_to_use),
                                ("When not to use", c.when_not_to_use)):
                text = field.get(self.lang) or field.get("en")
                if text:
                    defs.append(f"<p><b>{what}.</b> {_h(text)}</p>")
            if defs:
                parts.append('<div class="hsq-def">' + "".join(defs) + "</div>")
        parts.append(f"<h2>Passages ({len(g)})</h2>")
        rank = {d: i for i, d in enumerate(self.corpus.doc_ids)}
        for doc_id, rows in sorted(g.groupby("doc_id", sort=False), key=lambda kv: rank.get(kv[0], len(rank))):
            doc = self.corpus.doc(doc_id)
            href = f"../docs/{self.doc_slug[doc_id]}.html"
            title = self.doc_title(doc_id)
            ident = f' <span class="hsq-code-id">{_h(doc_id)}</span>' if title != doc_id else ""
            parts.append(f'<h3><a href="{href}">{_h(title)}</a>{ident}</h3>')
            for label, row in rows.sort_values(["start", "end"], kind="mergesort").iterrows():
                where = [f"<span>{_h(row['coder'])}</span>", f"<span>{row['start']}–{row['end']}</span>"]
                speaker = self.speaker_at(doc_id, row["start"])
                if speaker:
                    where.insert(0, f"<span><b>{_h(speaker)}</b></span>")
                where.append(f'<span><a href="{href}#c{_h(label)}">in the document</a></span>')
                if row["rule"]:
                    where.append(f"<span>rule: {_h(str(row['rule'])[:200])}</span>")
                if row["memo"]:
                    where.append(f"<span>memo: {_h(row['memo'])}</span>")
                if 0 <= row["start"] <= row["end"] <= len(doc.text):
                    lo, hi, *outer = self.context_of(doc_id, int(row["start"]), int(row["end"]))
                    body = self.snippet(doc_id, rows.loc[[label]], lo, hi, tuple(outer))
                else:
                    body = (f'<div class="hsq-note">offsets outside the text; the quote: '
                            f"{_h(row['quote'])}</div>")
                parts.append(f'<div class="hsq-passage"><div class="hsq-where">{"".join(where)}</div>{body}</div>')
        return self.page(f"{self.label(code)} — {self.title}", "\n".join(parts), 1)

    def speaker_at(self, doc_id: str, pos: int) -> str | None:
        for s in self.corpus.segments_of(doc_id):
            if s.start <= pos < s.end:
                return s.speaker
        return None

    def doc_page(self, doc_id: str) -> str:
        rows = self.by_doc.get(doc_id, self.codings.iloc[:0])
        body = document_html(self.corpus, rows, doc_id, codebook=self.codebook, lang=None,
                             code_href=lambda c: f"../codes/{self.code_slug[c]}.html", colors=self.colors)
        return self.page(f"{self.doc_title(doc_id)} — {self.title}", body, 1)

    def matrix(self) -> tuple[str, list[tuple[str, str, int]]]:
        kwargs = {"corpus": self.corpus} if self.unit in ("sentence", "paragraph") else {}
        mat = to_matrix(cooccurrence(self.codings, unit=self.unit, measure="count", codes=self.codes, **kwargs))
        top = max([int(mat.iat[i, j]) for i in range(len(mat)) for j in range(len(mat)) if i != j] or [1]) or 1
        units = {"segment": "segments", "document": "documents", "sentence": "sentences",
                 "paragraph": "paragraphs", "overlap": "intersecting pairs of spans"}[self.unit]
        pairs = []
        parts = ["<h1>Code co-occurrence</h1>",
                 f'<p class="hsq-lead">Each number counts the {units} where both codes are applied '
                 f'(<code>hsqual.cooccurrence(codings, unit="{_h(self.unit)}")</code>); click it to read those '
                 f"passages. The diagonal counts the {units} of each code.</p>",
                 '<div class="hsq-mwrap"><table class="hsq-matrix"><thead><tr><th></th>']
        for code in self.codes:
            label = self.label(code)
            parts.append(f'<th title="{_h(label)} ({_h(code)})"><div>{self.swatch(code)} '
                         f'<a href="codes/{self.code_slug[code]}.html">{_h(label)}</a></div></th>')
        parts.append("</tr></thead><tbody>")
        for i, a in enumerate(self.codes):
            cells = [f'<th title="{_h(a)}">{self.swatch(a)} <a href="codes/{self.code_slug[a]}.html">'
                     f"{_h(self.label(a))}</a></th>"]
            for j, b in enumerate(self.codes):
                n = int(mat.iat[i, j])
                if i == j:
                    cells.append(f'<td class="diag"><a href="codes/{self.code_slug[a]}.html" '
                                 f'title="{_h(self.label(a))}: {n} {units}">{n}</a></td>')
                elif n == 0:
                    cells.append("<td></td>")
                else:
                    x, y = sorted((a, b))
                    if i < j:
                        pairs.append((x, y, n))
                    share = n / top
                    bg = f"rgba(31,95,170,{0.1 + 0.75 * share:.2f})"
                    fg = "#fff" if share > 0.55 else "#111"
                    cells.append(f'<td style="background:{bg};color:{fg}"><a href="pairs/{self.pair_name(x, y)}" '
                                 f'title="{_h(self.label(a))} × {_h(self.label(b))}: {n} {units}">{n}</a></td>')
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table></div>")
        return self.page(f"Code co-occurrence — {self.title}", "\n".join(parts), 0, wide=True), pairs

    def pair_name(self, a: str, b: str) -> str:
        return f"{self.code_slug[a]}--{self.code_slug[b]}.html"

    def pair_page(self, a: str, b: str, n: int) -> str:
        rows = pd.concat([self.by_code[a], self.by_code[b]])
        both = set(self.by_code[a]["doc_id"]) & set(self.by_code[b]["doc_id"])
        docs = self.corpus.subset([d for d in self.corpus.doc_ids if d in both])  # the pair's documents only
        passages = cooccurrence_passages(rows[rows["doc_id"].isin(both)], a, b, corpus=docs, unit=self.unit)
        if len(passages) != n:
            raise CodingsError(f"write_site: {a} × {b}: the matrix counts {n} units but {len(passages)} passages "
                               "were found; the codings do not fit the corpus's segments")
        parts = [f"<h1>{self.swatch(a)} {_h(self.label(a))} × {self.swatch(b)} {_h(self.label(b))}</h1>",
                 f'<p class="hsq-lead">{n} {self.unit if self.unit != "overlap" else "overlap"}'
                 f"{'s' if n != 1 else ''} where both codes are applied: "
                 f'{self.code_link(a, "../")} and {self.code_link(b, "../")}.</p>']
        for p in passages.itertuples(index=False):
            doc_id = p.doc_id
            spans = {(a, int(s), int(e)) for s, e in (x.split("-") for x in p.spans_a.split(";"))}
            spans |= {(b, int(s), int(e)) for s, e in (x.split("-") for x in p.spans_b.split(";"))}
            g = self.by_doc[doc_id]
            keep = [(c, s, e) in spans for c, s, e in zip(g["code"], g["start"], g["end"])]
            hits = g[keep]
            lo = max(int(p.unit_start), int(hits["start"].min()) - self.context)
            hi = min(int(p.unit_end), int(hits["end"].max()) + self.context)
            href = f"../docs/{self.doc_slug[doc_id]}.html"
            where = [f'<span><a href="{href}">{_h(self.doc_title(doc_id))}</a></span>']
            if not pd.isna(p.segment_id):
                where.append(f"<span>segment {int(p.segment_id)}</span>")
            where.append(f"<span>{int(p.unit_start)}–{int(p.unit_end)}</span>")
            parts.append(f'<div class="hsq-passage"><div class="hsq-where">{"".join(where)}</div>'
                         f"{self.snippet(doc_id, hits, lo, hi, (int(p.unit_start), int(p.unit_end)))}</div>")
        return self.page(f"{self.label(a)} × {self.label(b)} — {self.title}", "\n".join(parts), 1)


def _save(text: str, path: Path) -> Path:
    return write_text(text, path, sync=False)  # inside the temporary folder: moved into place as a whole


@validate_params(choices={"lang": ("en", "ja")}, ranges={"context": (0, None)}, swapped=("codings", "corpus"))
def write_site(codings: pd.DataFrame, corpus: Corpus, codebook: Codebook | None, out: str | os.PathLike, *, title: str = "Coded documents",
               lang: str = "en", unit: str = "segment", context: int = 240) -> Path:
    """Write a static site of a coded project into the folder ``out``; return its ``index.html``.

    See the module documentation for the pages. The site is built in a temporary folder beside
    ``out`` and moved into place when complete; an existing ``out`` is replaced only if hsqual
    wrote it (it holds ``.hsqual-folder``) or it is empty.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table (every coder's rows are shown; the pages tell them apart).
    corpus : Corpus
        The documents the codings point into.
    codebook : Codebook or None
        Labels, definitions, colours and the hierarchy; codes it lacks are shown by id.
    out : str or PathLike
        The folder to write.
    title : str, keyword-only
        The site's title.
    lang : {"en", "ja"}, keyword-only
        Language of code labels and definitions.
    unit : {"segment", "document", "sentence", "paragraph", "overlap"}, keyword-only
        What "together" means in the co-occurrence matrix (as for :func:`hsqual.cooccurrence`).
    context : int, keyword-only
        Characters shown either side of a passage, within its turn or paragraph.

    Returns
    -------
    pathlib.Path
        ``out/index.html``.

    Raises
    ------
    CodingsError
        A coding points at a document the corpus does not have.
    HsqualError
        ``out`` exists and is not a site hsqual wrote.

    Example
    -------
    >>> import tempfile, pathlib
    >>> import hsqual
    >>> study = hsqual.studies.kurusu2015.load()
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "site"
    >>> index = write_site(study.codings, study.corpus, study.codebook, out, unit="document")
    >>> index.relative_to(out).as_posix(), len(list((out / "docs").glob("*.html")))
    ('index.html', 101)
    >>> 'href="docs/K001.html"' in index.read_text(encoding="utf-8")
    True
    """
    from .corpus import Corpus

    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"write_site: corpus must be a Corpus (hsqual.load_corpus), not {type(corpus).__name__}")
    if unit not in PASSAGE_UNITS:
        raise ArgumentError(f"write_site: unit must be one of {', '.join(map(repr, PASSAGE_UNITS))}, not {unit!r}")
    df = codings_frame(codings)
    unknown = sorted(set(df["doc_id"]) - set(corpus.doc_ids))
    if unknown:
        raise CodingsError(f"write_site: {len(unknown)} document(s) of the codings are not in the corpus: "
                           f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}")
    site = _Site(corpus, df, codebook, title=title, lang=lang, unit=unit, context=int(context))
    out = Path(out)
    try:
        with atomic_folder(out) as tmp:
            _save(VIEW_CSS + SITE_CSS, tmp / "assets" / "hsqual.css")
            _save(VIEW_JS, tmp / "assets" / "hsqual.js")
            _save(site.index(), tmp / "index.html")
            matrix, pairs = site.matrix()
            _save(matrix, tmp / "matrix.html")
            for code in site.codes:
                _save(site.code_page(code), tmp / "codes" / f"{site.code_slug[code]}.html")
            for doc_id in corpus.doc_ids:
                _save(site.doc_page(doc_id), tmp / "docs" / f"{site.doc_slug[doc_id]}.html")
            for a, b, n in pairs:
                _save(site.pair_page(a, b, n), tmp / "pairs" / site.pair_name(a, b))
    except FileExistsError as exc:
        raise HsqualError(f"{exc} (give another folder)") from None
    return out / "index.html"
