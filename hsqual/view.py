"""Coded documents as HTML: the text with every coded span highlighted in its code's colour.

:func:`show_document` returns a :class:`CodedDocument` that Jupyter shows as the document's text,
turn by turn with the speakers, every coded span tinted in its code's colour and underlined;
codings that overlap are drawn as stacked underlines, one line per coding. Hovering a span
lists every coding under the pointer: the code's label, the coder and, for a machine coding,
the rule that fired and the words that made it fire. A panel above the text lists the codes
and coders of the document with their counts; unticking one hides its highlights. Everything
(style and script) is inline: no external file, no network.

:func:`document_html` and :func:`highlight_text` are the shared rendering the static site of
:mod:`hsqual.site` uses. All text (document, quotes, labels, memos, rules, metadata) is
HTML-escaped.

Every coded span is an element ``<span class="hsq-c" data-code=... data-coder=...
data-coding=...>``; a coding that crosses another is cut into several such elements, all with
the same ``data-coding``, and the first one carries ``id="c<row>"`` (``row`` is the coding's
row label in the codings table), so a link can point at it.

Example
-------
>>> from hsqual.codings import codings_frame
>>> from hsqual.corpus import Corpus, Document
>>> text = "We must protect people. Dignity matters."
>>> corpus = Corpus([Document("d1", text, {"language": "en"})])
>>> codings = codings_frame([{"doc_id": "d1", "segment_id": 1, "code": "protection", "start": 8,
...                           "end": 22, "quote": "protect people", "coder": "ana"}])
>>> view = show_document(codings, corpus, "d1")
>>> 'data-code="protection"' in view._repr_html_()
True
"""

from __future__ import annotations

import html
import os
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from .errors import ArgumentError
from .params import validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus

__all__ = ["CodedDocument", "show_document", "document_html", "highlight_text", "code_colors", "page_html",
           "PALETTE", "VIEW_CSS", "VIEW_JS"]

#: Colours for codes whose codebook gives none (dark enough to read as an underline).
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
           "#31a354", "#756bb1", "#636363", "#b5179e")

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
_MAX_LANES = 6      # underlines stacked below a line of text; deeper overlaps share the last
_LANE_STEP = 4      # pixels between stacked underlines
_TIP_RULE = 400     # characters of a rule shown on hover

VIEW_CSS = """\
.hsq{position:relative;font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK JP",
"Hiragino Sans","Yu Gothic",Meiryo,sans-serif;color:#1d1d1f;background:#fff;max-width:58rem;font-size:15px;
line-height:1.5;padding:.1em .3em}
.hsq [hidden]{display:none!important}
.hsq-head h2{font-size:1.2em;margin:.2em 0 .1em}
.hsq-id{color:#777;font-weight:normal;font-size:.8em;margin-left:.5em}
.hsq-meta{color:#555;font-size:.85em;margin:.1em 0 .5em;display:flex;flex-wrap:wrap;gap:0 1.1em}
.hsq-meta b{font-weight:600;color:#444}
.hsq-panel{border:1px solid #ddd;border-radius:6px;padding:.35em .7em;margin:.4em 0 .9em;background:#fafafa;
font-size:.85em}
.hsq-panel summary{cursor:pointer;color:#333}
.hsq-row{display:flex;flex-wrap:wrap;align-items:center;gap:.2em .9em;margin:.35em 0}
.hsq-keys{max-height:9.5em;overflow:auto}
.hsq-key{display:inline-flex;align-items:center;gap:.3em;white-space:nowrap;cursor:pointer}
.hsq-key input{margin:0}
.hsq-key a{color:inherit}
.hsq-sw{display:inline-block;width:.85em;height:.85em;border-radius:2px;flex:none}
.hsq-n{color:#777}
.hsq-panel button{font-size:.9em;padding:0 .5em;cursor:pointer}
.hsq-find{font-size:.95em;padding:.05em .3em;width:11em}
.hsq-note{color:#7a4200;background:#fff5e0;border-left:3px solid #e0a030;padding:.3em .6em;font-size:.85em;
margin:.4em 0}
.hsq-text{white-space:pre-wrap;overflow-wrap:anywhere;line-break:strict}
.hsq-text:lang(ja){font-size:1.02em}
.hsq-text+.hsq-text{margin-top:.55em}
.hsq-turn{display:grid;grid-template-columns:minmax(3.5em,8.5em) minmax(0,1fr);column-gap:1em;padding:.3em 0;
border-top:1px solid #eee}
.hsq-turn:first-child{border-top:none}
.hsq-spk{font-weight:600;color:#3a3a3a;font-size:.88em;padding-top:.35em;overflow-wrap:anywhere}
.hsq-gap .hsq-text{color:#888}
.hsq-c{border-bottom:2px solid transparent}
.hsq-c:hover{filter:saturate(1.6)}
.hsq-c.hsq-off{background:none!important;border-bottom-color:transparent!important}
.hsq-point::before{content:"\\25B4";color:#a00}
.hsq-tip{position:absolute;z-index:20;max-width:32rem;background:#fff;border:1px solid #bbb;border-radius:4px;
box-shadow:0 2px 10px rgba(0,0,0,.18);padding:.35em .6em;font-size:.8em;line-height:1.4;white-space:pre-wrap;
pointer-events:none}
.hsq-tip div{border-left:4px solid #999;padding-left:.5em;margin:.25em 0}
"""

VIEW_JS = """\
(function(){
if(!window.hsqualInit){window.hsqualInit=function(root){
if(root.getAttribute('data-ready'))return;root.setAttribute('data-ready','1');
var spans=root.querySelectorAll('.hsq-c');
spans.forEach(function(s){if(s.title){s.setAttribute('data-tip',s.title);s.removeAttribute('title');}});
var tip=document.createElement('div');tip.className='hsq-tip';tip.hidden=true;root.appendChild(tip);
function apply(){var off={code:{},coder:{}};
root.querySelectorAll('input[data-filter]').forEach(function(i){if(!i.checked)off[i.getAttribute('data-filter')][i.value]=1;});
spans.forEach(function(s){var o=off.code[s.getAttribute('data-code')]||off.coder[s.getAttribute('data-coder')];
if(o)s.classList.add('hsq-off');else s.classList.remove('hsq-off');});}
root.addEventListener('change',function(e){if(e.target.matches('input[data-filter]'))apply();});
root.addEventListener('click',function(e){var b=e.target.closest('button[data-all]');if(!b)return;
var on=b.getAttribute('data-all')==='1';
root.querySelectorAll('input[data-filter="'+b.getAttribute('data-kind')+'"]').forEach(function(i){
if(!i.closest('[hidden]'))i.checked=on;});apply();});
var q=root.querySelector('input.hsq-find');
if(q)q.addEventListener('input',function(){var t=q.value.toLowerCase();
root.querySelectorAll('.hsq-key[data-key]').forEach(function(k){
k.hidden=!!t&&(k.textContent+' '+k.getAttribute('data-key')).toLowerCase().indexOf(t)<0;});});
root.addEventListener('mouseover',function(e){var s=e.target.closest&&e.target.closest('.hsq-c');
if(!s||!root.contains(s)){tip.hidden=true;return;}
tip.textContent='';var n;
for(n=s;n&&n!==root;n=n.parentElement){if(n.classList.contains('hsq-c')&&!n.classList.contains('hsq-off')){
var d=document.createElement('div');d.textContent=n.getAttribute('data-tip')||n.getAttribute('data-code');
d.style.borderLeftColor=n.style.borderBottomColor;tip.appendChild(d);}}
if(!tip.firstChild){tip.hidden=true;return;}
var r=s.getBoundingClientRect(),R=root.getBoundingClientRect();tip.hidden=false;
tip.style.left=Math.max(0,Math.min(r.left-R.left,R.width-tip.offsetWidth))+'px';
tip.style.top=(r.bottom-R.top+8)+'px';});
root.addEventListener('mouseleave',function(){tip.hidden=true;});
apply();};}
document.querySelectorAll('.hsq').forEach(function(r){window.hsqualInit(r);});
})();
"""


def _h(value) -> str:
    """HTML-escape any value (quotes too, so it is safe in an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def code_colors(codes: Iterable[str], codebook=None) -> dict[str, str]:
    """A ``#RRGGBB`` colour per code: the codebook's colour when the code has one, else a
    colour of :data:`PALETTE` that depends on the code alone (its place in the codebook, or
    its id for a code the codebook lacks), so a code keeps its colour on every page.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("t", [Code(id="fear", label={"en": "Fear"}, color="#aa0000"),
    ...                     Code(id="want", label={"en": "Want"})])
    >>> code_colors(["fear", "want"], cb)
    {'fear': '#aa0000', 'want': '#d62728'}
    >>> code_colors(["x"])["x"] == code_colors(["y", "x"])["x"]
    True
    """
    out = {}
    order = {c: i for i, c in enumerate(codebook)} if codebook is not None else {}
    for code in codes:
        code = str(code)
        color = None
        if codebook is not None and code in codebook:
            color = codebook[code].color
        if not (isinstance(color, str) and _COLOR.fullmatch(color)):  # only #RRGGBB reaches a style
            color = None
        if not color:
            i = order[code] if code in order else zlib.crc32(code.encode("utf-8"))
            color = PALETTE[i % len(PALETTE)]
        out[code] = color.lower()
    return out


def _line_color(color: str) -> str:
    """The colour of an underline: a very light colour is darkened so that the line shows."""
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    light = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    if light <= 0.62:
        return color
    k = 0.62 / light
    return "#" + "".join(f"{int(v * k):02x}" for v in (r, g, b))


def _label(code: str, codebook, lang: str) -> str:
    if codebook is not None and code in codebook:
        return codebook[code].label_for(lang)
    return code


@dataclass
class _Span:
    key: str          # anchor id of the coding
    code: str
    coder: str
    start: int
    end: int
    color: str
    tip: str
    lane: int = 0


def _anchor(label) -> str:
    return "c" + re.sub(r"[^A-Za-z0-9_-]", "_", str(label))


def _tip(row, label: str, text: str | None) -> str:
    lines = [f"{label} ({row['code']})" if label != row["code"] else str(row["code"]), f"coder: {row['coder']}"]
    speaker = row.get("speaker")
    if isinstance(speaker, str) and speaker.strip():
        lines.append(f"speaker: {speaker}")
    rule = str(row.get("rule") or "")
    if rule:
        lines.append("rule: " + (rule if len(rule) <= _TIP_RULE else rule[:_TIP_RULE] + " …"))
    evidence = row.get("match_text")
    if isinstance(evidence, str) and evidence.strip():
        lines.append(f"evidence: {evidence}")
    memo = str(row.get("memo") or "")
    if memo:
        lines.append(f"memo: {memo}")
    if text is not None and text[row["start"]:row["end"]] != row["quote"]:
        lines.append(f"the quote differs from the text here: {str(row['quote'])[:120]!r}")
    return "\n".join(lines)


def _spans(df: pd.DataFrame, text: str | None, *, colors: dict, codebook, lang: str) -> list[_Span]:
    """One record per coding, with its underline lane (overlapping codings get distinct lanes)."""
    spans = []
    for label, row in df.iterrows():
        code = str(row["code"])
        spans.append(_Span(_anchor(label), code, str(row["coder"]), int(row["start"]), int(row["end"]),
                           colors[code], _tip(row, _label(code, codebook, lang), text)))
    spans.sort(key=lambda s: (s.start, -s.end, s.code))
    lane_end: list[int] = []
    for s in spans:
        for i, e in enumerate(lane_end):
            if e <= s.start and i < _MAX_LANES:
                lane_end[i] = max(s.end, s.start + 1)
                s.lane = i
                break
        else:
            s.lane = min(len(lane_end), _MAX_LANES - 1)
            if len(lane_end) < _MAX_LANES:
                lane_end.append(max(s.end, s.start + 1))
            else:
                lane_end[-1] = max(lane_end[-1], s.end)
    return spans


def _open(s: _Span, first: bool, depth: int = 0) -> str:
    line = _line_color(s.color)
    # a span inside another gets a lighter tint, so stacked tints stay light; the lines tell them apart
    style = (f"background:{s.color}{'30' if depth == 0 else '18'};border-bottom-color:{line};"
             f"padding-bottom:{1 + s.lane * _LANE_STEP}px")
    ident = f' id="{_h(s.key)}"' if first else ""
    point = " hsq-point" if s.start == s.end else ""
    return (f'<span class="hsq-c{point}"{ident} data-code="{_h(s.code)}" data-coder="{_h(s.coder)}" '
            f'data-coding="{_h(s.key)}" title="{_h(s.tip)}" style="{style}">')


def _render(text: str, lo: int, hi: int, spans: list[_Span], opened: set[str]) -> str:
    """``text[lo:hi]`` as HTML, the spans that reach into it cut into properly nested elements."""
    inside = [s for s in spans if (s.start < hi and s.end > lo) or (s.start == s.end and lo <= s.start < hi)
              or (s.start == s.end == hi == len(text))]
    cuts = sorted({lo, hi, *(min(max(s.start, lo), hi) for s in inside), *(min(max(s.end, lo), hi) for s in inside)})
    out = []
    for a, b in zip(cuts, cuts[1:] + [None]):
        for s in inside:
            if s.start == s.end == a:
                out.append(_open(s, s.key not in opened) + "</span>")
                opened.add(s.key)
        if b is None:
            break
        active = sorted((s for s in inside if s.start < b and s.end > a), key=lambda s: (-s.lane, s.start, s.key))
        for depth, s in enumerate(active):
            out.append(_open(s, s.key not in opened, depth))
            opened.add(s.key)
        out.append(html.escape(text[a:b], quote=False))
        out.append("</span>" * len(active))
    return "".join(out)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n\s*")


def _paragraphs(text: str, lo: int, hi: int, spans: list[_Span], opened: set[str]) -> str:
    """``text[lo:hi]`` as one ``hsq-text`` block per paragraph; the blank lines between them are
    left to the page's spacing unless a coding starts in them."""
    out, pos = [], lo
    pieces = []
    for m in _PARAGRAPH_BREAK.finditer(text, lo, hi):
        pieces += [(pos, m.start(), False), (m.start(), m.end(), True)]
        pos = m.end()
    pieces.append((pos, hi, False))
    for a, b, blank in pieces:
        starts = any(a <= s.start < b for s in spans)
        if (blank and not starts) or (a == b and not any(s.start == s.end == a for s in spans)):
            continue
        out.append(f'<div class="hsq-text">{_render(text, a, b, spans, opened)}</div>')
    return "".join(out) or '<div class="hsq-text"></div>'


def highlight_text(text: str, codings: pd.DataFrame, *, start: int = 0, end: int | None = None, codebook=None,
                   lang: str = "en", colors: dict | None = None, anchors: bool = True) -> str:
    """``text[start:end]`` as escaped HTML with every coding's span highlighted.

    ``codings`` are rows with ``code, coder, start, end, quote`` whose offsets point into
    ``text`` (e.g. a document's codings); a coding reaching outside ``start:end`` is cut at
    its edges. The HTML is an inline fragment (no container); pair it with :data:`VIEW_CSS`.
    With ``anchors=False`` the spans carry no ``id`` (for a page that shows a coding twice).

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> rows = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "fear", "start": 3, "end": 7,
    ...                        "quote": "fear", "coder": "ana", "memo": "<b>sic</b>"}])
    >>> highlight_text("No fear <here>.", rows)
    'No <span class="hsq-c" id="c0" data-code="fear" data-coder="ana" data-coding="c0" title="fear\\ncoder: ana\\nmemo: &lt;b&gt;sic&lt;/b&gt;" style="...">fear</span> &lt;here&gt;.'
    """
    df = _frame(codings)
    end = len(text) if end is None else end
    if colors is None:
        colors = code_colors(dict.fromkeys(df["code"]), codebook)
    spans = _spans(df, text, colors=colors, codebook=codebook, lang=lang)
    return _render(text, start, end, spans, set() if anchors else {s.key for s in spans})


def _frame(codings: pd.DataFrame) -> pd.DataFrame:
    """The codings with the standard columns and types, keeping the caller's row labels."""
    from .codings import CODINGS_COLUMNS, codings_frame

    if not isinstance(codings, pd.DataFrame):
        raise ArgumentError(f"codings must be a DataFrame (hsqual.read_codings), not {type(codings).__name__}")
    if list(codings.columns[:len(CODINGS_COLUMNS)]) == CODINGS_COLUMNS and all(
            pd.api.types.is_integer_dtype(codings[c]) for c in ("segment_id", "start", "end")) and all(
            codings[c].dtype == object for c in ("doc_id", "code", "quote", "coder", "rule", "memo")):
        df = codings  # already a codings table (codings_frame made it): read it as it is
    else:
        df = codings_frame(codings)
        df.index = codings.index
    if not df.index.is_unique:  # row labels name the anchors: they must be unique
        df = df.reset_index(drop=True)
    return df


def _select(df: pd.DataFrame, what: str, wanted, known: Iterable[str], expand=None) -> pd.DataFrame:
    if wanted is None:
        return df
    wanted = [wanted] if isinstance(wanted, str) else [str(w) for w in wanted]
    known = set(known)
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ArgumentError(f"{what}: {', '.join(map(repr, unknown))} not found; known {what}: "
                         f"{', '.join(sorted(known)[:30])}{' …' if len(known) > 30 else ''}")
    keep = set(wanted)
    if expand is not None:
        for w in wanted:
            keep.update(expand(w))
    column = "code" if what == "codes" else "coder"
    return df[df[column].isin(keep)]


def _filtered(codings: pd.DataFrame, doc_id: str, *, codebook, codes, coders) -> pd.DataFrame:
    """The codings of one document, restricted to some codes and coders (names checked)."""
    rows = _frame(codings)
    df = rows[rows["doc_id"] == doc_id]
    known_codes = set(rows["code"]) | (set(codebook) if codebook is not None else set())
    expand = None
    if codebook is not None:
        expand = lambda c: codebook.descendants(c) if c in codebook else []  # noqa: E731
    df = _select(df, "codes", codes, known_codes, expand)
    return _select(df, "coders", coders, set(rows["coder"]))


def _speaker_prefix(gap: str, speaker: str | None) -> bool:
    """Whether a gap between turns holds nothing but white space and the next speaker's name."""
    rest = gap.strip()
    if not rest:
        return True
    if not speaker:
        return False
    return re.fullmatch(r"(\*\*)?" + re.escape(speaker) + r"(\*\*)?\s*[:：](\*\*)?", rest) is not None


def document_html(corpus, codings: pd.DataFrame, doc_id: str, *, codebook=None, codes=None, coders=None,
                  lang: str | None = None, code_href: Callable[[str], str] | None = None,
                  colors: dict | None = None, title: str | None = None) -> str:
    """One coded document as an HTML fragment (``<div class="hsq">``): header, filter panel, text.

    The shared rendering of :func:`show_document` and of the document pages of
    :func:`hsqual.site.write_site`; the keyword options are those of :func:`show_document`,
    plus ``code_href`` (a function giving the link of a code's page, for the panel),
    ``colors`` (code to ``#RRGGBB``, default :func:`code_colors`) and ``title`` (the heading;
    default the document's ``title`` metadata, else its id). Each coding's first element has
    ``id="c<row label>"``; row labels that are not unique are replaced by row numbers.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("d1", "Fear and want.")])
    >>> codings = codings_frame([{"doc_id": "d1", "segment_id": 1, "code": "fear", "start": 0, "end": 4,
    ...                           "quote": "Fear", "coder": "ana"}])
    >>> html = document_html(corpus, codings, "d1", code_href=lambda c: f"codes/{c}.html")
    >>> html.count('data-code="fear"'), 'href="codes/fear.html"' in html
    (1, True)
    """
    doc = corpus.doc(doc_id)
    text = doc.text
    if lang is None:
        lang = doc.language if codebook is None or doc.language in codebook.languages else "en"
    df = _filtered(codings, doc_id, codebook=codebook, codes=codes, coders=coders)
    placed = (df["start"] >= 0) & (df["end"] <= len(text)) & (df["start"] <= df["end"])
    bad = df[~placed]
    df = df[placed]
    order = {c: i for i, c in enumerate(codebook)} if codebook is not None else {}
    present = sorted(dict.fromkeys(df["code"]), key=lambda c: (order.get(c, len(order)), c))
    if colors is None:
        colors = code_colors(present, codebook)
    else:
        colors = {**code_colors([c for c in present if c not in colors], codebook), **colors}
    spans = _spans(df, text, colors=colors, codebook=codebook, lang=lang)
    lanes = max((s.lane for s in spans), default=0) + 1

    # header
    heading = title if title is not None else str(doc.meta.get("title") or doc_id)
    parts = [f'<div class="hsq" lang="{_h(doc.language)}">', '<div class="hsq-head">',
             f'<h2>{_h(heading)}' + (f'<span class="hsq-id">{_h(doc_id)}</span>' if heading != doc_id else "")
             + "</h2>"]
    meta = [(k, v) for k, v in doc.meta.items()
            if k not in ("title", "segments") and v not in (None, "") and not isinstance(v, (list, dict, tuple))
            and len(str(v)) <= 80]
    shown = len(df)
    meta_html = "".join(f"<span><b>{_h(k)}</b> {_h(v)}</span>" for k, v in meta[:10])
    parts.append(f'<div class="hsq-meta">{meta_html}<span>{len(text):,} characters</span>'
                 f"<span>{shown} coding{'s' if shown != 1 else ''}</span></div></div>")

    # filter panel: the codes and coders of the document, with counts
    if shown:
        n_code = df.groupby("code").size()
        n_coder = df.groupby("coder").size()
        parts.append('<details class="hsq-panel" open><summary>Codes and coders '
                     '<span class="hsq-n">(untick to hide; hover a highlight for its coding)</span></summary>')
        row = ['<div class="hsq-row">', f"<b>{len(present)} code{'s' if len(present) != 1 else ''}</b>",
               '<button type="button" data-all="1" data-kind="code">all</button>',
               '<button type="button" data-all="0" data-kind="code">none</button>']
        if len(present) > 12:
            row.append('<input class="hsq-find" type="search" placeholder="find a code" aria-label="find a code">')
        parts.append("".join(row) + "</div>")
        keys = []
        for c in present:
            label = _label(c, codebook, lang)
            name = f'<a href="{_h(code_href(c))}">{_h(label)}</a>' if code_href else _h(label)
            keys.append(f'<label class="hsq-key" data-key="{_h(c)}" title="{_h(c)}">'
                        f'<input type="checkbox" checked data-filter="code" value="{_h(c)}">'
                        f'<span class="hsq-sw" style="background:{colors[c]}"></span>{name}'
                        f' <span class="hsq-n">{int(n_code[c])}</span></label>')
        parts.append('<div class="hsq-row hsq-keys">' + "".join(keys) + "</div>")
        coders_html = "".join(
            f'<label class="hsq-key"><input type="checkbox" checked data-filter="coder" value="{_h(k)}">'
            f'{_h(k)} <span class="hsq-n">{int(n)}</span></label>' for k, n in n_coder.items())
        parts.append(f'<div class="hsq-row"><b>coders</b>{coders_html}</div></details>')
    notes = []
    if codes is not None or coders is not None:
        what = []
        if codes is not None:
            what.append("codes " + ", ".join([codes] if isinstance(codes, str) else list(map(str, codes))))
        if coders is not None:
            what.append("coders " + ", ".join([coders] if isinstance(coders, str) else list(map(str, coders))))
        notes.append("Showing only " + "; ".join(what) + ".")
    if len(bad):
        listed = "; ".join(f"{r.code} {r.start}-{r.end} ({r.coder})" for r in bad.head(10).itertuples())
        notes.append(f"{len(bad)} coding(s) lie outside the text ({len(text)} characters) and are not shown: "
                     f"{listed}{' …' if len(bad) > 10 else ''}.")
    stale = sum(1 for r in df.itertuples() if text[r.start:r.end] != r.quote)
    if stale:
        notes.append(f"{stale} coding(s) quote words that differ from the text at their offsets "
                     "(the text changed after coding); hover them to see the quote.")
    parts += [f'<div class="hsq-note">{_h(n)}</div>' for n in notes]

    # the text, turn by turn
    line_height = f"calc(1.8em + {(lanes - 1) * _LANE_STEP}px)"
    segs = sorted(corpus.segments_of(doc_id), key=lambda s: (s.start, s.end))
    turns = [s for s in segs if s.speaker]
    opened: set[str] = set()
    body = [f'<div class="hsq-body" style="line-height:{line_height}">']
    if turns:
        pos = 0
        blocks = []
        for s in segs:
            if s.start < pos:  # nested or overlapping segments: keep the first cover
                continue
            blocks.append((pos, s.start, None, True))
            blocks.append((s.start, s.end, s.speaker or "", False))
            pos = s.end
        blocks.append((pos, len(text), None, True))
        for i, (a, b, speaker, gap) in enumerate(blocks):
            if a >= b and not any(x.start == x.end == a for x in spans):
                continue
            if gap:
                nxt = blocks[i + 1][2] if i + 1 < len(blocks) else None
                touched = any(x.start < b and x.end > a for x in spans)
                if not touched and _speaker_prefix(text[a:b], nxt):
                    continue
                body.append('<div class="hsq-turn hsq-gap"><div class="hsq-spk"></div>'
                            f'<div class="hsq-txt">{_paragraphs(text, a, b, spans, opened)}</div></div>')
            else:
                body.append(f'<div class="hsq-turn"><div class="hsq-spk">{_h(speaker)}</div>'
                            f'<div class="hsq-txt">{_paragraphs(text, a, b, spans, opened)}</div></div>')
    else:
        body.append(_paragraphs(text, 0, len(text), spans, opened))
    body.append("</div>")
    parts += body
    parts.append("</div>")
    return "\n".join(parts)


def page_html(title: str, body: str, *, lang: str = "en", stylesheet: str | None = None,
              script: str | None = None, extra_css: str = "") -> str:
    """A standalone HTML page around ``body``.

    Style and script are inline (:data:`VIEW_CSS` + ``extra_css``, :data:`VIEW_JS`) unless
    ``stylesheet`` / ``script`` give relative links to files holding them.

    Example
    -------
    >>> page = page_html("Codes <&>", "<p>x</p>")
    >>> page.startswith("<!DOCTYPE html>"), "<title>Codes &lt;&amp;&gt;</title>" in page
    (True, True)
    >>> 'src="../assets/hsqual.js"' in page_html("t", "", script="../assets/hsqual.js")
    True
    """
    style = (f'<link rel="stylesheet" href="{_h(stylesheet)}">' if stylesheet
             else f"<style>\n{VIEW_CSS}{extra_css}</style>")
    js = f'<script src="{_h(script)}"></script>' if script else f"<script>\n{VIEW_JS}</script>"
    return (f'<!DOCTYPE html>\n<html lang="{_h(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_h(title)}</title>\n{style}\n</head>\n<body>\n{body}\n{js}\n</body>\n</html>\n")


class CodedDocument:
    """A coded document ready to read: Jupyter shows it as highlighted text.

    Made by :func:`show_document`. ``html`` is the fragment, :meth:`to_html` a standalone page,
    :meth:`save` writes that page (atomically); ``codings`` holds the rows shown.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("d1", "Fear and want.")])
    >>> view = show_document(codings_frame(), corpus, "d1")
    >>> view
    <CodedDocument 'd1': 14 characters, 0 codings>
    >>> view.to_html().startswith("<!DOCTYPE html>")
    True
    """

    def __init__(self, doc_id: str, html_fragment: str, codings: pd.DataFrame, n_chars: int, lang: str) -> None:
        self.doc_id = doc_id
        self.html = html_fragment
        self.codings = codings
        self.n_chars = n_chars
        self.lang = lang

    def __repr__(self) -> str:
        n = len(self.codings)
        return f"<CodedDocument {self.doc_id!r}: {self.n_chars} characters, {n} coding{'s' if n != 1 else ''}>"

    def _repr_html_(self) -> str:
        return f"<style>\n{VIEW_CSS}</style>\n{self.html}\n<script>\n{VIEW_JS}</script>\n"

    def to_html(self) -> str:
        """The document as a standalone HTML page (style and script inline)."""
        return page_html(f"{self.doc_id}: coded document", f'<main style="margin:1.5em auto;max-width:60rem;'
                         f'padding:0 1em">{self.html}</main>', lang=self.lang)

    def save(self, path: str | os.PathLike) -> Path:
        """Write :meth:`to_html` to ``path`` (atomically) and return the path."""
        from .writers import write_text

        return write_text(self.to_html(), path)


@validate_params(choices={"lang": ("en", "ja")}, swapped=("codings", "corpus"))
def show_document(codings: pd.DataFrame, corpus: Corpus, doc_id: str, *, codebook: Codebook | None = None,
                  codes: str | Iterable[str] | None = None, coders: str | Iterable[str] | None = None,
                  lang: str | None = None) -> CodedDocument:
    """Show one document with its coded spans highlighted (Jupyter renders the result).

    Each coded span is tinted in its code's colour (:func:`code_colors`: the codebook's colour,
    else a fixed palette) and underlined; overlapping codings stack their underlines. Turns
    show their speaker. Hovering a span lists every coding under the pointer with the code's
    label, the coder, a ``speaker`` column when the codings carry one, and for a machine coding
    the rule that fired (``rule``) and the words that made it fire (``match_text``), and the
    memo. A panel lists the document's codes and coders with counts, to hide them one by one.
    Codings whose offsets fall outside the text are listed above it, not dropped silently.

    Parameters
    ----------
    codings : pandas.DataFrame
        A codings table (any documents; this one's rows are shown).
    corpus : Corpus
        The documents (its segments give the turns and speakers).
    doc_id : str
        The document to show.
    codebook : Codebook, optional, keyword-only
        Labels, colours and the hierarchy of the codes.
    codes : str or list of str, optional, keyword-only
        Show only these codes (with a codebook, a code stands for its descendants too).
    coders : str or list of str, optional, keyword-only
        Show only these coders' codings (e.g. ``"rules"``).
    lang : {"en", "ja"}, optional, keyword-only
        Language of the code labels (default: the document's, when the codebook has it).

    Returns
    -------
    CodedDocument
        Shown by Jupyter; ``.html``, ``.to_html()``, ``.save(path)``.

    Raises
    ------
    KeyError
        ``doc_id`` is not in the corpus.
    ValueError
        A code or coder given to filter on is in neither the codings nor the codebook.

    Example
    -------
    >>> import hsqual
    >>> study = hsqual.studies.kurusu2015.load()
    >>> view = show_document(study.codings, study.corpus, "K100", codebook=study.codebook)
    >>> view
    <CodedDocument 'K100': 2280 characters, 12 codings>
    >>> show_document(study.codings, study.corpus, "K100", codebook=study.codebook, codes="risk")
    <CodedDocument 'K100': 2280 characters, 5 codings>
    >>> show_document(study.codings, study.corpus, "K100", coders="rules")
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: coders: 'rules' not found; known coders: kurusu2015
    """
    doc = corpus.doc(doc_id)
    fragment = document_html(corpus, codings, doc_id, codebook=codebook, codes=codes, coders=coders, lang=lang)
    df = _filtered(codings, doc_id, codebook=codebook, codes=codes, coders=coders)
    return CodedDocument(doc_id, fragment, df, len(doc.text), doc.language)
