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

from .cooccurrence import to_matrix

__all__ = ["cluster_order", "cooccurrence_heatmap", "cooccurrence_network", "code_case_matrix",
           "frequency_bars", "code_labels", "FONT_FAMILY"]

FONT_FAMILY = ["IPAexGothic", "DejaVu Sans"]
_SIMILARITIES = ("jaccard", "dice", "cosine", "conditional")


def _style():
    return matplotlib.rc_context({"font.family": FONT_FAMILY, "axes.unicode_minus": False})


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
        raise ValueError("expected a square code x code matrix (cooccurrence(..., form='matrix')) "
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
    cmap: str = "Blues",
    title: str | None = None,
) -> Figure:
    """Heatmap of a co-occurrence matrix, codes ordered by clustering.

    Parameters
    ----------
    data : pandas.DataFrame
        :func:`hsqual.cooccurrence.cooccurrence` output, matrix or long form.
    ax : matplotlib Axes, optional
    order : "cluster", "given" or a list of codes
        ``cluster`` orders by :func:`cluster_order`.
    method : str
        Linkage method for the clustering.
    labels, codebook, lang
        How codes are labelled (see :func:`code_labels`).
    annotate : bool, optional
        Write each value in its cell (default: when at most 25 codes).
    mask_diagonal : bool
        Leave the diagonal (a code with itself) blank.
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
    if isinstance(order, str):
        if order == "cluster":
            codes = cluster_order(m, method=method)
        elif order == "given":
            codes = list(m.index)
        else:
            raise ValueError(f"cooccurrence_heatmap: order must be 'cluster', 'given' or a list of codes, not {order!r}")
    else:
        codes = list(order)
        missing = [c for c in codes if c not in m.index]
        if missing:
            raise ValueError(f"cooccurrence_heatmap: codes not in the matrix: {', '.join(missing)}")
    sub = m.loc[codes, codes]
    values = sub.to_numpy(dtype=float).copy()
    if mask_diagonal:
        np.fill_diagonal(values, np.nan)
    values[~np.isfinite(values)] = np.nan
    k = len(codes)
    measure = m.attrs.get("measure", "count")
    names = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    with _style():
        fig, ax = _new_axes(ax, (max(5.0, 0.45 * k + 3), max(4.0, 0.45 * k + 2)))
        cm = matplotlib.colormaps[cmap].with_extremes(bad="#eeeeee")
        im = ax.imshow(np.ma.masked_invalid(values), cmap=cm, aspect="equal")
        ax.set_xticks(range(k), names, rotation=90)
        ax.set_yticks(range(k), names)
        if annotate is None:
            annotate = k <= 25
        if annotate:
            top = np.nanmax(values) if np.isfinite(values).any() else 0
            for i in range(k):
                for j in range(k):
                    v = values[i, j]
                    if np.isfinite(v):
                        text = f"{v:.0f}" if measure == "count" else f"{v:.2f}"
                        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                                color="white" if top and v > 0.6 * top else "black")
        fig.colorbar(im, ax=ax, shrink=0.8, label=measure)
        unit = m.attrs.get("unit")
        ax.set_title(title if title is not None else f"Code co-occurrence ({measure}{', per ' + unit if unit else ''})")
    return fig


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
    seed: int = 0,
    title: str | None = None,
) -> Figure:
    """Network of codes: an edge for each strongly co-occurring pair, spring layout.

    Nodes are the codes of the kept edges, sized by their frequency (``n_a``/``n_b`` of the
    long table: units carrying the code) and coloured by the codebook they come from; edge
    width grows with the coefficient. Pairs that never co-occur are never drawn.

    Parameters
    ----------
    long : pandas.DataFrame
        Long form of :func:`hsqual.cooccurrence.cooccurrence`.
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
        As for :func:`cooccurrence_heatmap`.
    seed : int
        Seed of the spring layout (the same seed gives the same picture).

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
    """
    import networkx as nx

    if not {"code_a", "code_b", "n_a", "n_b", "n_ab"} <= set(long.columns):
        raise ValueError("cooccurrence_network: expected the long form of cooccurrence() "
                         "(columns code_a, code_b, n_a, n_b, n_ab, <measure>)")
    if value is None:
        value = long.attrs.get("measure", "count")
    if value not in long.columns:
        raise ValueError(f"cooccurrence_network: no column {value!r} (columns: {', '.join(long.columns)})")
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
    with _style():
        fig, ax = _new_axes(ax, (8, 7))
        ax.set_axis_off()
        ax.set_title(title if title is not None else
                     f"Code co-occurrence network ({value}{', per ' + long.attrs['unit'] if long.attrs.get('unit') else ''})")
        if not nodes:
            ax.text(0.5, 0.5, "no pair of codes co-occurs above the threshold", ha="center", va="center",
                    transform=ax.transAxes)
            return fig
        w = np.array([G.edges[e]["weight"] for e in G.edges], dtype=float)
        span = w.max() - w.min()
        pos = _network_layout(G, seed)
        widths = 0.8 + 5.2 * (w - w.min()) / span if span > 0 else np.full(len(w), 2.5)
        nx.draw_networkx_edges(G, pos, ax=ax, width=list(widths), edge_color="#888888", alpha=0.7)
        sizes = np.array([freq.get(n, 1) for n in nodes], dtype=float)
        sizes = 150 + 1350 * (sizes - sizes.min()) / (sizes.max() - sizes.min()) if sizes.max() > sizes.min() \
            else np.full(len(nodes), 600.0)
        colors, legend = _codebook_colors(nodes, codebook)
        nx.draw_networkx_nodes(G, pos, ax=ax, nodelist=nodes, node_size=list(sizes), node_color=colors,
                               alpha=0.85, edgecolors="white")
        names = dict(zip(nodes, code_labels(nodes, labels=labels, codebook=codebook, lang=lang)))
        radius = {n: np.sqrt(sz / np.pi) for n, sz in zip(nodes, sizes)}  # in points
        for n in nodes:
            ax.annotate(names[n], pos[n], xytext=(0, -radius[n] - 2), textcoords="offset points",
                        fontsize=7.5, ha="center", va="top",
                        bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "alpha": 0.75, "linewidth": 0})
        if codebook is not None and len(legend) > 1:
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], marker="o", linestyle="", color=c, markersize=9, label=g)
                       for g, c in legend.items()]
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
                      fontsize=8, frameon=False)
        ax.margins(0.12)
    return fig


def _network_layout(G, seed: int) -> dict:
    """Positions of a network's nodes: each connected component laid out on its own.

    A spring layout of a graph in several pieces pushes the pieces to the rim and piles each
    one's nodes together; here every component gets its own layout (a circle for a dense
    cluster, Kamada-Kawai otherwise, spring for large ones), scaled to its size, and the
    components are set out in rows, largest first.
    """
    import networkx as nx

    comps = sorted((sorted(c) for c in nx.connected_components(G)), key=lambda c: (-len(c), c))
    pos: dict = {}
    x = y = row_height = 0.0
    row_width = max(6.0, 3.0 * np.sqrt(G.number_of_nodes()))
    for comp in comps:
        k = len(comp)
        radius = 1.1 if k == 2 else 0.7 + 0.55 * np.sqrt(k - 1)
        if k == 1:
            local = {comp[0]: np.zeros(2)}
        elif k == 2:
            local = {comp[0]: np.array([-1.0, 0.0]), comp[1]: np.array([1.0, 0.0])}
        elif nx.density(G.subgraph(comp)) >= 0.4:
            local = nx.circular_layout(G.subgraph(comp))  # a dense cluster: every node on the rim
        elif k <= 40:
            local = nx.kamada_kawai_layout(G.subgraph(comp))
        else:
            local = nx.spring_layout(G.subgraph(comp), seed=seed)
        pts = np.array([local[n] for n in comp], dtype=float)
        pts -= pts.mean(axis=0)
        extent = np.abs(pts).max() or 1.0
        pts *= radius / extent
        width = 2 * radius + 1.6  # room for the labels beside the outer nodes
        if x > 0 and x + width > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        centre = np.array([x + width / 2, y - radius - 0.4])
        for n, p in zip(comp, pts):
            pos[n] = p + centre
        x += width
        row_height = max(row_height, 2 * radius + 1.4)
    return pos


def code_case_matrix(
    matrix: pd.DataFrame,
    *,
    ax=None,
    labels: Mapping[str, str] | None = None,
    codebook=None,
    lang: str = "en",
    case_labels: Mapping[str, str] | None = None,
    annotate: bool | None = None,
    cmap: str = "Greens",
    title: str | None = None,
) -> Figure:
    """Codes x cases (or documents) as a shaded grid, e.g. :func:`hsqual.crosstab.code_by_case`.

    Example
    -------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> m = pd.DataFrame([[1, 0], [2, 1]], index=["protection", "empowerment"], columns=["1", "2"])
    >>> fig = code_case_matrix(m, case_labels={"1": "Interviewee 1", "2": "Interviewee 2"})
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['Interviewee 1', 'Interviewee 2']
    """
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError("code_case_matrix: expected a codes x cases DataFrame")
    values = matrix.to_numpy(dtype=float)
    codes = [str(c) for c in matrix.index]
    cases = [str(c) for c in matrix.columns]
    xnames = [str(case_labels.get(c, c)) if case_labels else c for c in cases]
    ynames = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    with _style():
        fig, ax = _new_axes(ax, (max(5.0, 0.45 * len(cases) + 4), max(3.5, 0.32 * len(codes) + 1.5)))
        im = ax.imshow(values, cmap=cmap, aspect="auto", vmin=0)
        ax.set_xticks(range(len(cases)), xnames, rotation=90)
        ax.set_yticks(range(len(codes)), ynames)
        if annotate is None:
            annotate = values.size <= 900
        if annotate:
            top = values.max() if values.size else 0
            for i in range(len(codes)):
                for j in range(len(cases)):
                    if values[i, j]:
                        ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=7,
                                color="white" if top and values[i, j] > 0.6 * top else "black")
        fig.colorbar(im, ax=ax, shrink=0.8)
        ax.set_title(title if title is not None else f"Codes by {matrix.columns.name or 'case'}")
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
        raise ValueError(f"frequency_bars: expected columns 'code' and {column!r} "
                         f"(columns: {', '.join(map(str, freq.columns))})")
    codes = [str(c) for c in freq["code"]]
    names = code_labels(codes, labels=labels, codebook=codebook, lang=lang)
    vals = freq[column].to_numpy(dtype=float)
    colors, legend = _codebook_colors(codes, codebook)
    longest = max((len(n) for n in names), default=10)
    with _style():
        fig, ax = _new_axes(ax, (max(7.0, 4 + 0.09 * longest), max(2.5, 0.28 * len(codes) + 1.2)))
        ax.barh(range(len(codes)), vals, color=colors)
        ax.set_yticks(range(len(codes)), names)
        ax.invert_yaxis()
        ax.set_xlabel(column)
        if np.allclose(vals, np.round(vals)):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if codebook is not None and len(legend) > 1:
            from matplotlib.patches import Patch

            ax.legend(handles=[Patch(color=c, label=g) for g, c in legend.items()], fontsize=8,
                      loc="best", frameon=True)
        ax.set_title(title if title is not None else f"Code frequencies ({column})")
    return fig
