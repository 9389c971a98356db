"""Tests of the figures: content, ordering, and Japanese labels rendering with a real font."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from hsqual.codebook import Code, Codebook  # noqa: E402
from hsqual.codings import codings_frame  # noqa: E402
from hsqual.cooccur import cooccurrence, to_matrix  # noqa: E402
from hsqual.crosstabs import code_by_case  # noqa: E402
from hsqual.corpus import Corpus, Document  # noqa: E402
from hsqual.figures import (cluster_order, code_case_matrix, cooccurrence_heatmap,  # noqa: E402
                            cooccurrence_network, frequency_bars, label_overlaps)
from hsqual.frequencies import code_frequencies  # noqa: E402

JA = {"freedoms.fear": "恐怖からの自由", "freedoms.want": "欠乏からの自由", "freedoms.dignity": "尊厳をもって生きる自由",
      "protection": "保護", "empowerment": "エンパワーメント"}


@pytest.fixture
def codebook():
    return Codebook("three_freedoms", [Code(id=c, label={"en": c.title(), "ja": j}) for c, j in list(JA.items())[:3]]) \
        .merged_with(Codebook("protection_empowerment", [Code(id=c, label={"en": c.title(), "ja": j})
                                                         for c, j in list(JA.items())[3:]]))


@pytest.fixture
def study():
    # fear+want always together, protection+empowerment always together, dignity alone
    groups = [["freedoms.fear", "freedoms.want"]] * 4 + [["protection", "empowerment"]] * 3 + \
             [["freedoms.dignity"]] * 2 + [["freedoms.fear", "protection"]]
    docs, rows = [], []
    for i, codes in enumerate(groups):
        docs.append(Document(f"E{i}", "x", {"interviewees": f"{i % 4 + 1}"}))
        rows += [{"doc_id": f"E{i}", "segment_id": 1, "code": c, "start": 0, "end": 1, "quote": "x",
                  "coder": "kurusu2015"} for c in codes]
    return codings_frame(rows), Corpus(docs)


def _render(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    return [str(w.message) for w in caught]


def test_japanese_labels_render_without_missing_glyphs(study, codebook):
    codings, corpus = study
    mat = to_matrix(cooccurrence(codings, unit="document", measure="jaccard"))
    long = cooccurrence(codings, unit="document", measure="jaccard")
    figs = [cooccurrence_heatmap(mat, codebook=codebook, lang="ja", title="共起行列", drop_empty=False),
            cooccurrence_network(long, codebook=codebook, lang="ja"),
            code_case_matrix(code_by_case(codings, case="interviewees", corpus=corpus), codebook=codebook, lang="ja",
                             case_labels={"1": "岡田"}),
            frequency_bars(code_frequencies(codings, codebook=codebook), codebook=codebook, lang="ja")]
    for fig in figs:
        assert isinstance(fig, Figure)
        messages = _render(fig)
        assert not [m for m in messages if "Glyph" in m], messages
    labels = [t.get_text() for t in figs[0].axes[0].get_yticklabels()]
    assert set(labels) == set(JA.values())


def test_the_glyph_check_would_catch_a_latin_only_font():
    # the same check fails with a font without Japanese glyphs, so the test above can fail
    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("恐怖からの自由", fontfamily="DejaVu Sans")
    assert any("Glyph" in m for m in _render(fig))


def test_cluster_order_puts_co_occurring_codes_together(study):
    codings, _ = study
    mat = to_matrix(cooccurrence(codings, unit="document", measure="jaccard"))
    order = cluster_order(mat)
    pos = {c: i for i, c in enumerate(order)}
    assert abs(pos["freedoms.fear"] - pos["freedoms.want"]) == 1
    assert abs(pos["protection"] - pos["empowerment"]) == 1
    fig = cooccurrence_heatmap(mat, drop_empty=False)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == order
    arr = fig.axes[0].get_images()[0].get_array()
    i, j = pos["freedoms.fear"], pos["freedoms.want"]
    assert arr[i, j] == pytest.approx(mat.loc["freedoms.fear", "freedoms.want"])
    assert np.ma.is_masked(arr[i, i])  # diagonal left blank


def test_heatmap_accepts_long_form_and_an_axes(study):
    codings, _ = study
    long = cooccurrence(codings, unit="document", measure="count")
    fig = Figure()
    ax = fig.add_subplot()
    assert cooccurrence_heatmap(long, ax=ax, order="given") is fig
    with pytest.raises(ValueError, match="square"):
        cooccurrence_heatmap(pd.DataFrame({"x": [1, 2]}))


def test_network_edges_nodes_and_widths(study):
    codings, _ = study
    long = cooccurrence(codings, unit="document", measure="jaccard")
    fig = cooccurrence_network(long, top=2)
    ax = fig.axes[0]
    edges = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(edges) == 1 and len(edges[0].get_segments()) == 2  # the two 1.0-jaccard pairs
    assert sorted(t.get_text() for t in ax.texts) == ["empowerment", "freedoms.fear", "freedoms.want", "protection"]
    fig_all = cooccurrence_network(long, top=None)
    ax = fig_all.axes[0]
    edges = [c for c in ax.collections if isinstance(c, LineCollection)][0]
    assert len(edges.get_segments()) == int((long["n_ab"] > 0).sum())
    widths = edges.get_linewidths()
    assert max(widths) > min(widths)
    nodes = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    names = [t.get_text() for t in ax.texts]
    sizes = dict(zip(names, nodes.get_sizes()))
    assert sizes["freedoms.fear"] > sizes["empowerment"]  # 5 documents against 3


def test_network_with_nothing_to_draw(study):
    codings, _ = study
    long = cooccurrence(codings, unit="document", measure="jaccard")
    fig = cooccurrence_network(long, min_value=2.0)
    assert "no pair of codes" in fig.axes[0].texts[0].get_text()


def test_frequency_bars_follow_the_table(study, codebook):
    codings, _ = study
    freq = code_frequencies(codings, codebook=codebook)
    fig = frequency_bars(freq, column="n_documents", codebook=codebook)
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == freq["n_documents"].tolist()
    with pytest.raises(ValueError, match="expected columns"):
        frequency_bars(freq, column="n_cases")


def test_cooccurrence_report_writes_what_it_shows(study, codebook, tmp_path):
    from hsqual.report import write_cooccurrence_report

    codings, corpus = study
    paths = write_cooccurrence_report(codings, corpus, codebook, tmp_path, title="人間の安全保障: co-occurrence",
                                      lang="ja")
    names = [p.name for p in paths]
    assert names[-1] == "report.md" and all(p.parent == tmp_path and p.is_file() for p in paths)
    for png in [p for p in paths if p.suffix == ".png"]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert page.startswith("# 人間の安全保障: co-occurrence\n")
    for name in names[:-1]:
        assert f"({name})" in page, name
    long = pd.read_csv(tmp_path / "cooccurrence_document_long.csv")
    expected = cooccurrence(codings, unit="document", corpus=corpus, codebook=codebook, measure="jaccard",
                            test="fisher", correction="fdr_bh")
    assert long[["code_a", "code_b", "n_ab"]].values.tolist() == expected[["code_a", "code_b", "n_ab"]].values.tolist()
    assert np.allclose(long["p_adj"], expected["p_adj"])
    matrix = pd.read_csv(tmp_path / "cooccurrence_interviewees_matrix.csv", index_col=0)
    # interviewee 1 said fear+want (E0, E4, E8) and fear+protection (E9)
    assert matrix.loc["freedoms.fear", "freedoms.want"] == pytest.approx(
        to_matrix(cooccurrence(codings, unit="interviewees", corpus=corpus, measure="jaccard"))
        .loc["freedoms.fear", "freedoms.want"])
    assert "10 units" in page


def test_network_min_n_hides_single_unit_pairs(study):
    codings, _ = study
    long = cooccurrence(codings, unit="document", measure="jaccard")
    fig = cooccurrence_network(long, top=None, min_n=2)
    edges = [c for c in fig.axes[0].collections if isinstance(c, LineCollection)][0]
    assert len(edges.get_segments()) == int((long["n_ab"] >= 2).sum()) == 2  # fear-protection (1 doc) dropped


def test_heatmap_leaves_out_codes_that_co_occur_with_nothing(study):
    codings, _ = study
    mat = to_matrix(cooccurrence(codings, unit="document", measure="count"))
    fig = cooccurrence_heatmap(mat)
    shown = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "freedoms.dignity" not in shown and len(shown) == 4  # dignity is always coded alone
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Code" and ax.get_ylabel() == "Code"
    ticks = fig.axes[1].get_yticks()  # the colour bar of counts has whole-number ticks
    assert len(ticks) and all(float(t).is_integer() for t in ticks)
    assert [t.get_text() for t in ax.texts]  # annotated


def test_code_case_matrix_drops_empty_rows_and_titles_its_axes(study, codebook):
    codings, corpus = study
    m = code_by_case(codings, case="interviewees", corpus=corpus, codebook=codebook, values="count")
    m.loc["freedoms.extra"] = 0
    fig = code_case_matrix(m, case_title="Interviewee", lang="ja", codebook=codebook)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == int((m.sum(axis=1) > 0).sum())
    assert ax.get_xlabel() == "Interviewee" and ax.get_ylabel() == "コード"
    assert fig.axes[1].get_ylabel() == "コーディング数"
    assert all(float(t).is_integer() for t in fig.axes[1].get_yticks())


def test_label_overlaps_counts_overlapping_labels():
    fig = Figure()
    ax = fig.add_subplot()
    from hsqual.figures import NODE_LABEL_GID

    for x, y in ((0.1, 0.1), (0.12, 0.1), (0.8, 0.8)):
        ax.text(x, y, "Freedom from fear", gid=NODE_LABEL_GID)
    assert label_overlaps(fig) == 1
    ax.text(0.81, 0.8, "Freedom from want", gid=NODE_LABEL_GID)
    assert label_overlaps(fig) == 2


def test_network_legend_and_community_colours(study, codebook):
    codings, _ = study
    long = cooccurrence(codings, unit="document", measure="jaccard")
    fig = cooccurrence_network(long, top=None, codebook=codebook)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("jaccard ") for t in legend)  # edge weights explained
    assert any(t.startswith("community ") for t in legend)
    nodes = [c for c in fig.axes[0].collections if isinstance(c, PathCollection)][0]
    names = [t.get_text() for t in fig.axes[0].texts]
    colour = {n: tuple(c) for n, c in zip(names, nodes.get_facecolors())}
    # fear-want and protection-empowerment are two communities
    assert colour["Freedoms.Fear"] == colour["Freedoms.Want"] != colour["Protection"] == colour["Empowerment"]
    by_codebook = cooccurrence_network(long, top=None, codebook=codebook, color_by="codebook")
    nodes = [c for c in by_codebook.axes[0].collections if isinstance(c, PathCollection)][0]
    names = [t.get_text() for t in by_codebook.axes[0].texts]
    colour = {n: tuple(c) for n, c in zip(names, nodes.get_facecolors())}
    assert colour["Freedoms.Fear"] == colour["Freedoms.Want"] and colour["Protection"] == colour["Empowerment"]
    with pytest.raises(ValueError, match="color_by"):
        cooccurrence_network(long, color_by="sector")


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("unit", ["document", "interviewees"])
def test_no_label_overlaps_in_the_study_networks(unit, lang):
    from hsqual.studies import kurusu2015

    study = kurusu2015.load()
    long = cooccurrence(study.codings, unit=unit, corpus=study.corpus, codebook=study.codebook, measure="jaccard")
    fig = cooccurrence_network(long, top=30, min_n=2, codebook=study.codebook, lang=lang)
    assert len(fig.axes[0].texts) >= 15
    assert label_overlaps(fig) == 0
    # the labels the measure saw are the rendered ones: each lies inside the figure
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    for t in fig.axes[0].texts:
        bb = t.get_window_extent(renderer)
        assert bb.x0 >= 0 and bb.y0 >= 0 and bb.x1 <= W and bb.y1 <= H, t.get_text()


def test_the_same_network_in_every_run(tmp_path):
    """Layout, communities and label places do not follow Python's per-run set order:
    two runs with different hash seeds write the same bytes."""
    import os
    import subprocess
    import sys

    script = (
        "import matplotlib; matplotlib.use('Agg')\n"
        "import sys\n"
        "from hsqual.cooccur import cooccurrence\n"
        "from hsqual.figures import cooccurrence_network\n"
        "from hsqual.report import write_figures\n"
        "from hsqual.studies import kurusu2015\n"
        "s = kurusu2015.load()\n"
        "long = cooccurrence(s.codings, unit='document', corpus=s.corpus, codebook=s.codebook, measure='jaccard')\n"
        "write_figures(cooccurrence_network(long, min_n=2, codebook=s.codebook), sys.argv[1])\n")
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        stem = tmp_path / f"net{seed}"
        subprocess.run([sys.executable, "-c", script, str(stem)], check=True, env=env)
        outs.append([stem.with_name(f"net{seed}.{ext}").read_bytes() for ext in ("png", "pdf", "svg")])
    assert outs[0] == outs[1]
