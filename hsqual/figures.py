"""Figures: co-occurrence heatmap and network, code-by-case matrix, code frequency bars.

Every function returns the matplotlib :class:`~matplotlib.figure.Figure` (draw on your own axes
with ``ax=``) and labels codes by a ``labels`` mapping, or by their codebook labels in ``lang``
(``"en"`` or ``"ja"``), or by their ids. Japanese text renders with the IPAexGothic font that
the ``matplotlib-fontja`` package carries, so figures look the same on any machine.

Example
-------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> freq = pd.DataFrame({"code": ["freedoms.fear", "freedoms.want"], "n_documents": [7, 4]})
>>> fig = frequency_bars(freq, labels={"freedoms.fear": "恐怖からの自由", "freedoms.want": "欠乏からの自由"})
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['恐怖からの自由', '欠乏からの自由']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib_fontja  # noqa: F401  (registers the IPAexGothic font for Japanese labels)
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .errors import ArgumentError
from .cooccur import to_matrix

__all__ = ["cluster_order", "cooccurrence_heatmap", "cooccurrence_network", "code_case_matrix",
           "frequency_bars", "code_labels", "label_overlaps", "NODE_LABEL_GID", "FONT_FAMILY"]

FONT_FAMILY = ["IPAexGothic", "DejaVu Sans"]
_SIMILARITIES = ("jaccard", "dice", "cosine", "conditional")


#: The words figures write themselves (titles, axis titles, legends), per language.
_WORDS = {
    "en": {"code": "Code", "per": ", per {unit}", "no_pair": "no pair of codes co-occurs above the threshold",
           "network_title": "Code co-occurrence network ({value}{per})",
           "heatmap_title": "Code co-occurrence ({measure}{per})",
           "community": "community {k} ({n} codes)", "node_size": "node area: units with the code ({lo} to {hi})",
           "codings": "codings", "case": "case", "codes_by": "Codes by {case}"},
    "ja": {"code": "コード", "per": "、{unit}単位", "no_pair": "閾値を超えて共起するコードの組はない",
           "network_title": "コードの共起ネットワーク（{value}{per}）",
           "heatmap_title": "コードの共起（{measure}{per}）",
           "community": "グループ {k}（{n}コード）", "node_size": "円の面積：コードのある単位数（{lo}〜{hi}）",
           "codings": "コーディング数", "case": "ケース", "codes_by": "{case}別のコード"},
}


def _words(lang: str) -> dict:
    if lang not in _WORDS:
        raise ArgumentError(f"lang must be one of {', '.join(map(repr, _WORDS))}, not {lang!r}")
    return _WORDS[lang]


def _style():
    # TrueType fonts in PDF (type 42) keep the text editable and searchable in the vector files
    return matplotlib.rc_context({"font.family": FONT_FAMILY, "axes.unicode_minus": False, "pdf.fonttype": 42})


def _code_ylabel(ax, lang: str) -> None:
    """The code axis title; Japanese stays upright (a rotated katakana word reads sideways)."""
    if lang == "ja":
        ax.set_ylabel(_words(lang)["code"], fontsize=8, rotation=0, ha="right", va="center")
    else:
        ax.set_ylabel(_words(lang)["code"], fontsize=8)


def _integer_colorbar(cbar) -> None:
    from matplotlib.ticker import MaxNLocator

    cbar.locator = MaxNLocator(integer=True)
    cbar.update_ticks()


def _new_axes(ax, size):
    if ax is not None:
        return ax.figure, ax
    # a Figure outside pyplot: nothing piles up in pyplot's state when many are made, and a
    # notebook shows the returned figure once
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def code_labels(codes: Sequence[str], *, labels: Mapping[str, str] | None = None, codebook=None,
                lang: str = "en") -> list[str]:
    """Display labels for codes: ``labels`` first, then the codebook's label in ``lang``, then the id.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("t", [Code(id="freedoms.fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"})])
    >>> code_labels(["freedoms.fear", "risk.social"], codebook=cb, lang="ja")
    ['恐怖からの自由', 'risk.social']
    """
    out = []
    for c in codes:
        if labels is not None and c in labels:
            out.append(str(labels[c]))
        elif codebook is not None and c in codebook:
            out.append(codebook.label(c, lang))
        else:
            out.append(str(c))
    return out


def _codebook_colors(codes: Sequence[str], codebook) -> tuple[list, dict]:
    """A colour per code by the codebook it comes from (and the legend entries)."""
    palette = matplotlib.colormaps["tab10"].colors
    groups = []
    for c in codes:
        g = codebook.codebook_of(c) if codebook is not None and c in codebook else "(other)"
        groups.append(g or (codebook.id if codebook is not None else "(other)"))
    known = [p.id for p in codebook.parts] if codebook is not None and codebook.parts else []
    order = list(dict.fromkeys([*known, *groups]))  # the same colour for a codebook in every figure
    color = {g: palette[i % len(palette)] for i, g in enumerate(order)}
    return [color[g] for g in groups], {g: color[g] for g in dict.fromkeys(groups)}


def _square(data: pd.DataFrame) -> pd.DataFrame:
    if {"code_a", "code_b"} <= set(data.columns):
        return to_matrix(data)
    if data.shape[0] != data.shape[1] or list(data.index) != list(data.columns):
        raise ArgumentError("expected a square code x code matrix (hsqual.to_matrix(cooccurrence(...))) "
                         "or the long form with code_a and code_b columns")
    return data


def cluster_order(matrix: pd.DataFrame, *, method: str = "average") -> list[str]:
    """Order codes by hierarchical clustering of a co-occurrence matrix (similar codes adjacent).

    Distances are ``1 - s`` for similarities in [0, 1] (Jaccard, Dice, cosine, conditional,
    made symmetric by averaging); other measures (count, lift, PMI) are first scaled to [0, 1]
    by their largest off-diagonal value. Pairs without a value are as far apart as possible.
    Uses :func:`scipy.cluster.hierarchy.linkage` with optimal leaf ordering.

    Example
    -------
    >>> m = pd.DataFrame([[1, .1, .8], [.1, 1, .2], [.8, .2, 1]], index=list("abc"), columns=list("abc"))
    >>> m.attrs["measure"] = "jaccard"
    >>> cluster_order(m)
    ['b', 'c', 'a']
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform

    m = _square(matrix)
    codes = list(m.index)
    if len(codes) < 3:
        return codes
    s = m.to_numpy(dtype=float).copy()
    s = (s + s.T) / 2
    np.fill_diagonal(s, np.nan)
    measure = m.attrs.get("measure", "count")
    finite = s[np.isfinite(s)]
    if measure not in _SIMILARITIES:
        if finite.size == 0:
            return codes
        lo = min(finite.min(), 0.0)
        span = finite.max() - lo
        s = (s - lo) / span if span > 0 else np.zeros_like(s)
    s = np.where(np.isfinite(s), np.clip(s, 0, 1), 0.0)
    d = 1 - s
    np.fill_diagonal(d, 0)
    z = linkage(squareform(d, checks=False), method=method, optimal_ordering=True)
    return [codes[i] for i in leaves_list(z)]


def cooccurrence_heatmap(
    data: pd.DataFrame,
    *,
    ax=None,
    order: str | Sequence[str] = "cluster",
    method: str = "average",
    labels: Mapping[str, str] | None = None,
    codebook=None,
    lang: str = "en",
    annotate: bool | None = None,
    mask_diagonal: bool = True,
    drop_empty: bool = True,
    cmap: str = "Blues",
    title: str | None = None,
) -> Figure:
    """Heatmap of a co-occurrence matrix, codes ordered by clustering.

    Sized for a journal page (7 inches wide, 7-point labels) and annotated when it holds at
    most 30 codes; codes that co-occur with no other code are left out (``drop_empty``), so
    the figure shows what is there. Counts get a colour bar with whole-number ticks.

    Parameters
    ----------
    data : pandas.DataFrame
        :func:`hsqual.cooccur.cooccurrence` output, matrix or long form.
    ax : matplotlib Axes, optional
    order : "cluster", "given" or a list of codes
        ``cluster`` orders by :func:`cluster_order`.
    method : str
        Linkage method for the clustering.
    labels, codebook, lang
        How codes are labelled (see :func:`code_labels`).
    annotate : bool, optional
        Write each value in its cell (default: when at most 30 codes).
    mask_diagonal : bool
        Leave the diagonal (a code with itself) blank.
    drop_empty : bool
        Leave out codes whose every value with another code is zero or missing.
    cmap, title
        Colour map and title.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame([[3, 2, 0], [2, 4, 1], [0, 1, 2]], index=["freedoms.fear", "freedoms.want",
    ...                  "freedoms.dignity"], columns=["freedoms.fear", "freedoms.want", "freedoms.dignity"])
    >>> fig = cooccurrence_heatmap(m, order="given")
    >>> fig.axes[0].get_images()[0].get_array()[0, 1]
    np.float64(2.0)
    """
    m = _square(data)
    words = _words(lang)
    if drop_empty and not isinstance(order, (list, tuple)):
        off = m.to_numpy(dtype=float).copy()
        np.fill_diagonal(off, np.nan)
        keep = [c for c, row, col in zip(m.index, off, off.T)
                if np.nansum(np.abs(row)) > 0 or np.nansum(np.abs(col)) > 0]
        if keep and len(keep) < len(m):
            attrs = dict(m.attrs)
            m = m.loc[keep, keep]
            m.attrs.update(attrs)
    if isinstance(order, str):
        if order == "cluster":
            codes = cluster_order(m, method=method)
        elif order == "given":
            codes = list(m.index)
        else:
            raise ArgumentError(f"cooccurrence_heatmap: order must be 'cluster', 'given' or a list of codes, not {order!r}")
    else:
        codes = list(order)
        missing = [c for c in codes if c not in m.index]
        if missing:
            raise ArgumentError(f"cooccurrence_heatmap: codes not in the matrix: {', '.join(missing)}")
    sub = m.loc[codes, codes]
    values = sub.to_numpy(dtype=float).copy()
    if mask_diagonal:
        np.fill_diagonal(values, np.nan)
    values[~np.isfinite(values)] = np.nan
    k = len(codes)
    measure = m.attrs.get("measure", "count")
    names = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    longest = max((_text_width(n) for n in names), default=10)
    with _style():
        # 7 inches: a two-column journal page; the cells share what the labels leave
        label_in = min(3.2, 0.055 * longest + 0.2)
        cell = min(0.3, max(0.13, (7.0 - label_in - 1.0) / max(k, 1)))
        fig, ax = _new_axes(ax, (min(7.0, label_in + 1.0 + cell * k), label_in + 0.6 + cell * k))
        cm = matplotlib.colormaps[cmap].with_extremes(bad="#f4f4f4")
        im = ax.imshow(np.ma.masked_invalid(values), cmap=cm, aspect="equal", vmin=0 if measure != "pmi" else None)
        ax.set_xticks(range(k), names, rotation=90, fontsize=7)
        ax.set_yticks(range(k), names, fontsize=7)
        ax.set_xlabel(words["code"], fontsize=8)
        _code_ylabel(ax, lang)
        if annotate is None:
            annotate = k <= 30
        if annotate:
            top = np.nanmax(values) if np.isfinite(values).any() else 0
            for i in range(k):
                for j in range(k):
                    v = values[i, j]
                    if np.isfinite(v) and v != 0:
                        ax.text(j, i, _short_number(v, measure), ha="center", va="center", fontsize=5.5,
                                color="white" if top and v > 0.6 * top else "black")
        cbar = fig.colorbar(im, ax=ax, shrink=0.6, aspect=30)
        cbar.set_label(measure, fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        if measure == "count":
            _integer_colorbar(cbar)
        unit = m.attrs.get("unit")
        ax.set_title(title if title is not None else
                     words["heatmap_title"].format(measure=measure, per=words["per"].format(unit=unit) if unit else ""),
                     fontsize=9)
    return fig


def _text_width(text: str) -> float:
    """Width of a label in Latin letters (a wide CJK character counts as two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _short_number(v: float, measure: str) -> str:
    """A cell value in few characters: counts whole, coefficients in [0, 1] without the leading 0."""
    if measure == "count" or float(v).is_integer():
        return f"{v:.0f}"
    text = f"{v:.2f}"
    return text[1:] if text.startswith("0.") else text.replace("-0.", "-.")


def cooccurrence_network(
    long: pd.DataFrame,
    *,
    value: str | None = None,
    top: int | None = 30,
    min_value: float | None = None,
    min_n: int = 1,
    ax=None,
    labels: Mapping[str, str] | None = None,
    codebook=None,
    lang: str = "en",
    color_by: str = "community",
    seed: int = 0,
    title: str | None = None,
) -> Figure:
    """Network of codes: an edge for each strongly co-occurring pair, labels that never overlap.

    Nodes are the codes of the kept edges, sized by their frequency (``n_a``/``n_b`` of the
    long table: units carrying the code) and coloured by community (Louvain modularity on the
    edge weights, seeded, as KH Coder colours its subgraphs) or by the codebook they come
    from; edge width grows with the coefficient, and a legend gives the widths' values. Pairs
    that never co-occur are never drawn. Each label is set beside its node at the first place
    (below, above, right, left, the diagonals, then further out with a leader line) where its
    box overlaps no other label and no node, measured with the renderer;
    :func:`label_overlaps` counts what overlap is left.

    Parameters
    ----------
    long : pandas.DataFrame
        Long form of :func:`hsqual.cooccur.cooccurrence`.
    value : str, optional
        The column giving edge strength (default: the measure the table was computed with).
    top : int, optional
        Keep the ``top`` strongest edges (ties at the cut are kept); ``None`` keeps all.
    min_value : float, optional
        Keep edges whose value is at least this.
    min_n : int
        Keep edges whose codes co-occur in at least this many units (``n_ab``); 2 hides pairs
        resting on a single unit, whose coefficients are often 1 by accident of small numbers.
    ax, labels, codebook, lang, title
        As for :func:`cooccurrence_heatmap`; ``lang="ja"`` gives Japanese code labels and
        legend text.
    color_by : {"community", "codebook"}
        Node colours: the Louvain community (default) or the codebook a code comes from.
    seed : int
        Seed of the layout and of the community detection (the same seed, the same picture).

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> long = pd.DataFrame({"code_a": ["protection", "protection", "empowerment"],
    ...                      "code_b": ["empowerment", "risk.social", "risk.social"],
    ...                      "n_a": [5, 5, 4], "n_b": [4, 2, 2], "n_ab": [3, 0, 1], "jaccard": [0.5, 0.0, 0.2]})
    >>> fig = cooccurrence_network(long, value="jaccard", min_value=0.2)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['empowerment', 'protection', 'risk.social']
    >>> label_overlaps(fig)
    0
    """
    import networkx as nx

    if not {"code_a", "code_b", "n_a", "n_b", "n_ab"} <= set(long.columns):
        raise ArgumentError("cooccurrence_network: expected the long form of cooccurrence() "
                         "(columns code_a, code_b, n_a, n_b, n_ab, <measure>)")
    if color_by not in ("community", "codebook"):
        raise ArgumentError(f"cooccurrence_network: color_by must be 'community' or 'codebook', not {color_by!r}")
    words = _words(lang)
    if value is None:
        value = long.attrs.get("measure", "count")
    if value not in long.columns:
        raise ArgumentError(f"cooccurrence_network: no column {value!r} (columns: {', '.join(long.columns)})")
    edges = long[(long["n_ab"] >= max(1, min_n)) & np.isfinite(long[value].astype(float))].copy()
    if long.attrs.get("measure") == "conditional":
        edges = edges[edges["code_a"] < edges["code_b"]]  # one edge per pair
    if min_value is not None:
        edges = edges[edges[value] >= min_value]
    if top is not None and len(edges) > top:
        cut = edges[value].nlargest(top).min()
        edges = edges[edges[value] >= cut]
    freq: dict[str, int] = {}
    for a, b, na, nb in zip(long["code_a"], long["code_b"], long["n_a"], long["n_b"]):
        freq[a], freq[b] = int(na), int(nb)
    G = nx.Graph()
    for a, b, w in zip(edges["code_a"], edges["code_b"], edges[value].astype(float)):
        G.add_edge(a, b, weight=w)
    nodes = list(G.nodes)
    own = ax is None
    pos = _network_layout(G, seed) if nodes else {}
    if nodes:
        xy = np.array([pos[n] for n in nodes], dtype=float)
        ext = np.ptp(xy, axis=0) + 1.0
        longest = max(_text_width(n) for n in code_labels(nodes, labels=labels, codebook=codebook, lang=lang))
        plot_w = 6.8 - 0.06 * longest  # inches left for the nodes once half a label sits on each side
        size = (7.0, float(np.clip(max(plot_w, 5.5) * ext[1] / ext[0] + 1.6, 5.0, 9.0)))
    else:
        size = (7.0, 4.0)
    with _style():
        fig, ax = _new_axes(ax, size)
        ax.set_axis_off()
        unit = long.attrs.get("unit")
        ax.set_title(title if title is not None else
                     words["network_title"].format(value=value, per=words["per"].format(unit=unit) if unit else ""))
        if not nodes:
            ax.text(0.5, 0.5, words["no_pair"], ha="center", va="center", transform=ax.transAxes)
            return fig
        w = np.array([G.edges[e]["weight"] for e in G.edges], dtype=float)
        lo_w, hi_w = float(w.min()), float(w.max())

        def width(x):
            return 0.8 + 4.2 * (x - lo_w) / (hi_w - lo_w) if hi_w > lo_w else 2.5

        nx.draw_networkx_edges(G, pos, ax=ax, width=[width(x) for x in w], edge_color="#8c8c8c", alpha=0.75)
        counts = np.array([freq.get(n, 1) for n in nodes], dtype=float)
        sizes = 80 + 620 * (counts - counts.min()) / (counts.max() - counts.min()) if counts.max() > counts.min() \
            else np.full(len(nodes), 300.0)
        if color_by == "community":
            colors, legend = _community_colors(G, nodes, seed, words)
        else:
            colors, legend = _codebook_colors(nodes, codebook)
        nx.draw_networkx_nodes(G, pos, ax=ax, nodelist=nodes, node_size=list(sizes), node_color=colors,
                               alpha=0.9, edgecolors="white")
        from matplotlib.lines import Line2D

        handles = []
        if len(legend) > 1:
            handles += [Line2D([], [], marker="o", linestyle="", color=c, markersize=7, label=g)
                        for g, c in legend.items()]
        shown = sorted({lo_w, hi_w, float(np.median(w))}) if hi_w > lo_w else [lo_w]
        fmt = "{:.0f}" if np.allclose(w, np.round(w)) else "{:.2f}"
        handles += [Line2D([], [], color="#8c8c8c", linewidth=width(x), label=f"{value} {fmt.format(x)}")
                    for x in shown]
        handles.append(Line2D([], [], linestyle="", label=words["node_size"].format(lo=int(counts.min()),
                                                                                     hi=int(counts.max()))))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(4, len(handles)),
                  fontsize=7, frameon=False, handlelength=2.2, borderaxespad=0.2, columnspacing=1.2)
        names = code_labels(nodes, labels=labels, codebook=codebook, lang=lang)
        span = np.ptp(xy, axis=0)
        span[span == 0] = 1.0
        pad = 0.08 * span + 0.5
        ax.set_xlim(xy[:, 0].min() - pad[0], xy[:, 0].max() + pad[0])
        ax.set_ylim(xy[:, 1].min() - pad[1], xy[:, 1].max() + pad[1])
        ax.set_autoscale_on(False)
        if own:
            fig.draw_without_rendering()  # fix the layout, then place labels in its coordinates
            # room for half the widest label beside the outermost nodes
            renderer = _renderer(fig)
            probe = ax.text(0, 0, max(names, key=_text_width), fontsize=7.5)
            half = probe.get_window_extent(renderer).width / 2 / ax.get_window_extent(renderer).width
            probe.remove()
            x0, x1 = ax.get_xlim()
            extra = (x1 - x0) * half / max(1e-9, 1 - 2 * half)
            x0, x1 = x0 - extra, x1 + extra
            y0, y1 = ax.get_ylim()
            box = ax.get_window_extent(renderer)
            # a figure no taller than the nodes need at the scale the width allows
            spare = (box.height - (y1 - y0) / ((x1 - x0) / box.width)) / fig.dpi
            if spare > 0.2:
                w_in, h_in = fig.get_size_inches()
                fig.set_size_inches(w_in, max(3.5, h_in - spare))
                fig.draw_without_rendering()
                box = ax.get_window_extent(renderer)
            # equal scales on both axes (a circle of nodes stays a circle): widen the short side
            per_px = max((x1 - x0) / box.width, (y1 - y0) / box.height)
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            ax.set_xlim(cx - per_px * box.width / 2, cx + per_px * box.width / 2)
            ax.set_ylim(cy - per_px * box.height / 2, cy + per_px * box.height / 2)
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        radii = np.sqrt(sizes) / 2 * fig.dpi / 72  # marker radius in pixels
        _place_labels(ax, nodes, names, xy, radii, groups=list(nx.connected_components(G)))
    return fig


#: gid of the node labels of :func:`cooccurrence_network` (what :func:`label_overlaps` measures)
NODE_LABEL_GID = "hsqual-node-label"


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not hasattr(fig.canvas, "get_renderer"):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _place_labels(ax, nodes, names, xy, radii, groups=()) -> None:
    """Put each node's label at the first candidate place free of other labels and nodes."""
    fig = ax.figure
    renderer = _renderer(fig)
    to_px = ax.transData
    centres = to_px.transform(xy)
    box = ax.get_window_extent(renderer)
    gap = 2.0 * fig.dpi / 72
    texts = []
    sizes = []
    for name in names:
        t = ax.text(0, 0, name, fontsize=7.5, ha="center", va="center", gid=NODE_LABEL_GID, zorder=5,
                    bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "alpha": 0.8, "linewidth": 0})
        t.set_in_layout(False)
        bb = t.get_window_extent(renderer)
        texts.append(t)
        sizes.append((bb.width + 2 * gap, bb.height + 2 * gap))
    placed: list[tuple[float, float, float, float]] = []
    directions = [(0, -1), (0, 1), (1, 0), (-1, 0), (1, -1), (-1, -1), (1, 1), (-1, 1)]
    diagonals = [(0.5, -1), (-0.5, -1), (0.5, 1), (-0.5, 1)]
    inv = to_px.inverted()
    # each label first tried on the side facing away from its group (outside a cluster, off its
    # edges), below first where sides tie
    away = np.zeros_like(centres)
    for group in groups:
        idx = [nodes.index(n) for n in group]
        if len(idx) > 1:
            away[idx] = centres[idx] - centres[idx].mean(axis=0)

    def order(i):
        v = away[i]
        norm = float(np.hypot(*v))
        if norm == 0:
            return directions
        return sorted(directions, key=lambda d: (round(-(d[0] * v[0] + d[1] * v[1]) / (norm * np.hypot(*d)), 2),
                                                 directions.index(d)))

    # the biggest nodes first: they have the least room
    for i in sorted(range(len(nodes)), key=lambda i: -radii[i]):
        cx, cy = centres[i]
        w, h = sizes[i]
        best: tuple[tuple[bool, bool, float, float], tuple[float, float],
                    tuple[float, float, float, float], float] | None = None
        for ring in (1.0, 1.9, 2.8, 3.8, 5.0, 6.5, 8.0, 10.0):
            for dx, dy in order(i) + (diagonals if ring > 2 else []):
                dist = radii[i] * ring + gap * ring
                # the box's centre so that its near edge sits ``dist`` from the node centre
                x = cx + dx * (dist + w / 2) if abs(dx) == 1 else cx + dx * w / 2
                y = cy + dy * (dist + h / 2) if dy else cy
                rect = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                inside = rect[0] >= box.x0 and rect[2] <= box.x1 and rect[1] >= box.y0 and rect[3] <= box.y1
                hard = sum(_overlap(rect, r) for r in placed)
                soft = sum(_overlap(rect, (px - rr, py - rr, px + rr, py + rr))
                           for (px, py), rr in zip(centres, radii))
                cost = (hard > 0 or not inside, soft > 0, ring, hard + soft)
                if best is None or cost < best[0]:
                    best = (cost, (x, y), rect, ring)
            if best is not None and not best[0][0] and not best[0][1]:
                break
        assert best is not None  # every ring tries at least one position
        _, (x, y), rect, ring = best
        placed.append(rect)
        texts[i].set_position(inv.transform((x, y)))
        if ring > 1:  # a leader line from the node to a label set further out
            near = (min(max(cx, rect[0]), rect[2]), min(max(cy, rect[1]), rect[3]))
            (x0, y0), (x1, y1) = inv.transform((cx, cy)), inv.transform(near)
            ax.plot([x0, x1], [y0, y1], color="#666666", linewidth=0.5, zorder=4)


def _overlap(a, b) -> float:
    """Area shared by two rectangles ``(x0, y0, x1, y1)``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def label_overlaps(fig) -> int:
    """How many pairs of node labels of a network figure overlap, measured on the rendered figure.

    Every text drawn by :func:`cooccurrence_network` as a node label is measured with the
    renderer (``get_window_extent``); two labels overlap when their boxes share any area.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> for x in (0.5, 0.51):
    ...     _ = ax.text(x, 0.5, "Freedom from fear", gid=NODE_LABEL_GID)
    >>> label_overlaps(fig)
    1
    """
    renderer = _renderer(fig)
    boxes = []
    for ax in fig.axes:
        for t in ax.texts:
            if t.get_gid() == NODE_LABEL_GID and t.get_text():
                bb = t.get_window_extent(renderer)
                boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    return sum(1 for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if _overlap(boxes[i], boxes[j]) > 0)


def _community_colors(G, nodes, seed: int, words) -> tuple[list, dict]:
    """A colour per node by its Louvain community (largest community first)."""
    import networkx as nx

    palette = matplotlib.colormaps["tab10"].colors
    H = nx.Graph()  # a fixed node and edge order, so the seed gives the same communities in every run
    H.add_nodes_from(sorted(G.nodes))
    H.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in G.edges(data=True)))
    comms = nx.community.louvain_communities(H, weight="weight", seed=seed)
    comms = sorted((sorted(c) for c in comms), key=lambda c: (-len(c), c))
    which = {n: k for k, c in enumerate(comms) for n in c}
    colors = [palette[which[n] % len(palette)] for n in nodes]
    legend = {words["community"].format(k=k + 1, n=len(c)): palette[k % len(palette)] for k, c in enumerate(comms)}
    return colors, legend


def _network_layout(G, seed: int) -> dict:
    """Positions of a network's nodes: each connected component laid out on its own.

    A spring layout of a graph in several pieces pushes the pieces to the rim and piles each
    one's nodes together; here every component gets its own layout (a circle for a dense
    cluster, Kamada-Kawai otherwise, spring for large ones), scaled to its size, and the
    components are set out in rows, largest first.
    """
    import networkx as nx

    comps = sorted((sorted(c) for c in nx.connected_components(G)), key=lambda c: (-len(c), c))

    def sub(comp):
        # a subgraph in a fixed node and edge order: networkx's views follow set order, which
        # changes between runs, and the layouts follow the node order
        H = nx.Graph()
        H.add_nodes_from(comp)
        H.add_edges_from(sorted((min(u, v), max(u, v), d) for u, v, d in G.edges(comp, data=True)))
        return H

    pos: dict = {}
    x = y = row_height = 0.0
    row_width = max(9.0, 3.0 * np.sqrt(G.number_of_nodes()))
    for comp in comps:
        k = len(comp)
        # a big component gets more room per node: its labels need it
        radius = 1.1 if k == 2 else 0.7 + (0.55 if k <= 8 else 0.95) * np.sqrt(k - 1)
        if k == 1:
            local = {comp[0]: np.zeros(2)}
        elif k == 2:
            local = {comp[0]: np.array([-1.0, 0.0]), comp[1]: np.array([1.0, 0.0])}
        elif nx.density(sub(comp)) >= 0.4:
            local = nx.circular_layout(sub(comp))  # a dense cluster: every node on the rim
        elif k <= 40:
            local = nx.kamada_kawai_layout(sub(comp))
        else:
            local = nx.spring_layout(sub(comp), seed=seed)
        pts = np.array([local[n] for n in comp], dtype=float)
        pts -= pts.mean(axis=0)
        if k > 8:  # a big component fills a square: its labels need the height as much as the width
            extent = np.abs(pts).max(axis=0)
            extent[extent == 0] = 1.0
        else:
            extent = np.abs(pts).max() or 1.0
        pts *= radius / extent
        tall = 1.6 if k > 8 else 1.0  # labels are wide: a big component gets room between its rows
        pts[:, 1] *= tall
        width = 2 * radius + 4.0  # room for the labels beside the outer nodes
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        centre = np.array([x + width / 2, y - tall * radius - 0.8])
        for n, p in zip(comp, pts):
            pos[n] = p + centre
        x += width
        row_height = max(row_height, 2 * tall * radius + 1.8)
    return pos


def code_case_matrix(
    matrix: pd.DataFrame,
    *,
    ax=None,
    labels: Mapping[str, str] | None = None,
    codebook=None,
    lang: str = "en",
    case_labels: Mapping[str, str] | None = None,
    case_title: str | None = None,
    value_title: str | None = None,
    drop_empty: bool = True,
    annotate: bool | None = None,
    cmap: str = "Greens",
    title: str | None = None,
) -> Figure:
    """Codes x cases (or documents) as a shaded grid, e.g. :func:`hsqual.crosstabs.code_by_case`.

    Codes coded for no case are left out (``drop_empty``); counts get a colour bar with
    whole-number ticks; both axes and the colour bar carry a title.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Codes (rows) by cases (columns).
    ax, labels, codebook, lang, title
        As for :func:`cooccurrence_heatmap`.
    case_labels : mapping, optional
        Display names of the cases (e.g. interviewee numbers to names).
    case_title : str, optional
        Title of the case axis (default: the columns' name, else "case").
    value_title : str, optional
        Title of the colour bar (default: "codings").
    drop_empty : bool
        Leave out codes whose row is all zero.
    annotate : bool, optional
        Write each non-zero value in its cell (default: when at most 900 cells).
    cmap : str

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame([[1, 0], [2, 1], [0, 0]], index=["protection", "empowerment", "risk.social"],
    ...                  columns=["1", "2"])
    >>> fig = code_case_matrix(m, case_labels={"1": "Interviewee 1", "2": "Interviewee 2"}, case_title="Interviewee")
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()], fig.axes[0].get_xlabel()
    (['Interviewee 1', 'Interviewee 2'], 'Interviewee')
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]  # risk.social, coded for no one, is left out
    ['protection', 'empowerment']
    """
    if not isinstance(matrix, pd.DataFrame):
        raise ArgumentError("code_case_matrix: expected a codes x cases DataFrame")
    words = _words(lang)
    if drop_empty:
        matrix = matrix[(matrix.fillna(0) != 0).any(axis=1)]
    values = matrix.to_numpy(dtype=float)
    codes = [str(c) for c in matrix.index]
    cases = [str(c) for c in matrix.columns]
    xnames = [str(case_labels.get(c, c)) if case_labels else c for c in cases]
    ynames = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    case_title = case_title if case_title is not None else (matrix.columns.name or words["case"])
    longest_y = max((_text_width(n) for n in ynames), default=10)
    longest_x = max((_text_width(n) for n in xnames), default=4)
    with _style():
        cell = 0.22
        width = min(7.0, 0.055 * longest_y + 1.6 + cell * len(cases))
        height = 0.055 * longest_x + 1.2 + cell * len(codes)
        fig, ax = _new_axes(ax, (max(4.0, width), max(2.5, height)))
        im = ax.imshow(values, cmap=cmap, aspect="auto", vmin=0)
        ax.set_xticks(range(len(cases)), xnames, rotation=90, fontsize=7)
        ax.set_yticks(range(len(codes)), ynames, fontsize=7)
        ax.set_xlabel(case_title, fontsize=8)
        _code_ylabel(ax, lang)
        if annotate is None:
            annotate = values.size <= 900
        if annotate:
            top = values.max() if values.size else 0
            for i in range(len(codes)):
                for j in range(len(cases)):
                    if values[i, j]:
                        ax.text(j, i, f"{values[i, j]:.0f}" if float(values[i, j]).is_integer() else
                                f"{values[i, j]:.2f}", ha="center", va="center", fontsize=6.5,
                                color="white" if top and values[i, j] > 0.6 * top else "black")
        cbar = fig.colorbar(im, ax=ax, shrink=0.8, aspect=25)
        cbar.set_label(value_title if value_title is not None else words["codings"], fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        if values.size and np.allclose(values, np.round(values)):
            _integer_colorbar(cbar)
        ax.set_title(title if title is not None else words["codes_by"].format(case=case_title), fontsize=9)
    return fig


def frequency_bars(
    freq: pd.DataFrame,
    *,
    column: str = "n_documents",
    ax=None,
    labels: Mapping[str, str] | None = None,
    codebook=None,
    lang: str = "en",
    title: str | None = None,
) -> Figure:
    """Horizontal bars of a code frequency table (:func:`hsqual.frequencies.code_frequencies`).

    Bars follow the table's row order (top to bottom) and are coloured by codebook.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> freq = pd.DataFrame({"code": ["risk.natural_disaster", "risk.social"], "n_documents": [9, 2]})
    >>> [float(p.get_width()) for p in frequency_bars(freq).axes[0].patches]
    [9.0, 2.0]
    """
    if "code" not in freq.columns or column not in freq.columns:
        raise ArgumentError(f"frequency_bars: expected columns 'code' and {column!r} "
                         f"(columns: {', '.join(map(str, freq.columns))})")
    codes = [str(c) for c in freq["code"]]
    names = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    vals = freq[column].to_numpy(dtype=float)
    colors, legend = _codebook_colors(codes, codebook)
    longest = max((len(n) for n in names), default=10)
    with _style():
        # 7 inches wide (a journal page); 7-point labels
        fig, ax = _new_axes(ax, (7.0 if longest > 30 else 5.5, max(2.5, 0.2 * len(codes) + 1.4)))
        ax.barh(range(len(codes)), vals, color=colors)
        ax.set_yticks(range(len(codes)), names, fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(column, fontsize=8)
        _code_ylabel(ax, lang)
        if np.allclose(vals, np.round(vals)):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if codebook is not None and len(legend) > 1:
            from matplotlib.patches import Patch

            # below the axis title, clear of the bars
            below = 0.4 / max(1.0, fig.get_size_inches()[1] - 1.2)
            ax.legend(handles=[Patch(color=c, label=g) for g, c in legend.items()], fontsize=7,
                      loc="upper center", bbox_to_anchor=(0.5, -below), ncol=min(2, len(legend)), frameon=False)
        ax.set_title(title if title is not None else f"Code frequencies ({column})", fontsize=9)
    return fig
