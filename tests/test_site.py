"""write_site and `hsqual site`: pages, relative links, counts that lead to passages, atomic writing."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pandas as pd
import pytest
from htmltree import Page

import hsqual
from hsqual import HsqualError
from hsqual.cli import main
from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame, write_codings
from hsqual.site import write_site

EN = ("---\nid: int04\nspeakers: [Interviewer, Interviewee 4]\nsector: NGO\n---\n"
      "Interviewer: What does human security add?\n\n"
      "Interviewee 4: It puts people first. We protect people from violence and empower communities.\n\n"
      "Interviewer: And <script>alert('dignity')</script>?\n\n"
      "Interviewee 4: Dignity matters. Protection alone is not enough.\n")
JA = ("---\nid: int05\nlanguage: ja\nspeakers: [聞き手, 田中]\n---\n"
      "聞き手：人間の安全保障とは何ですか。\n田中：恐怖からの自由と欠乏からの自由です。尊厳も大切です。\n")


@pytest.fixture()
def project(tmp_path):
    src = tmp_path / "interviews"
    src.mkdir()
    (src / "int04.md").write_text(EN, encoding="utf-8")
    (src / "int05.md").write_text(JA, encoding="utf-8")
    corpus = hsqual.load_corpus(src)
    codebook = Codebook("t", [
        Code(id="protection", label={"en": "Protection", "ja": "保護"}, color="#1f77b4"),
        Code(id="empowerment", label={"en": "Empowerment <b>", "ja": "エンパワーメント"}, color="#2ca02c"),
        Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"})])
    rows = []

    def add(doc, code, words, coder="ana", memo=""):
        text = corpus.doc(doc).text
        start = text.index(words)
        seg = next(s.segment_id for s in corpus.segments_of(doc) if s.start <= start < s.end)
        rows.append({"doc_id": doc, "segment_id": seg, "code": code, "start": start, "end": start + len(words),
                     "quote": words, "coder": coder, "memo": memo})

    add("int04", "protection", "protect people from violence")
    add("int04", "empowerment", "violence and empower communities", coder="ben")
    add("int04", "dignity", "<script>alert('dignity')</script>", memo="<script>alert(1)</script>")
    add("int04", "dignity", "Dignity matters")
    add("int04", "protection", "Protection alone")
    add("int05", "protection", "恐怖からの自由")
    add("int05", "dignity", "尊厳も大切です")
    add("int05", "empowerment", "欠乏からの自由です。尊厳", coder="ben")
    return corpus, codings_frame(rows), codebook, tmp_path


def pages(out: Path) -> dict[str, Page]:
    return {p.relative_to(out).as_posix(): Page(p.read_text(encoding="utf-8")) for p in sorted(out.rglob("*.html"))}


def test_the_site_has_an_index_a_page_per_code_and_document_a_matrix_and_pair_pages(project):
    corpus, codings, codebook, tmp = project
    index = write_site(codings, corpus, codebook, tmp / "site", title="Demo")
    out = tmp / "site"
    assert index == out / "index.html"
    names = sorted(pages(out))
    assert names == ["codes/dignity.html", "codes/empowerment.html", "codes/protection.html", "docs/int04.html",
                     "docs/int05.html", "index.html", "matrix.html", "pairs/dignity--empowerment.html",
                     "pairs/dignity--protection.html", "pairs/empowerment--protection.html"]
    assert (out / "assets" / "hsqual.css").is_file() and (out / "assets" / "hsqual.js").is_file()
    assert (out / ".hsqual-folder").is_file()
    assert not [p for p in tmp.iterdir() if p.name.startswith(".site.")]  # no temporary folder left


def test_every_link_is_relative_and_leads_to_a_file_and_an_anchor_that_exist(project):
    corpus, codings, codebook, tmp = project
    out = tmp / "site"
    write_site(codings, corpus, codebook, out)
    site = pages(out)
    checked = 0
    for name, page in site.items():
        for link in page.links:
            assert not re.match(r"^[a-z]+:|^/", link), f"{name}: {link} is not a relative link"
            path, frag = urldefrag(link)
            target = (out / name).parent / unquote(path)
            assert target.resolve().is_file(), f"{name}: {link} leads nowhere"
            if frag:
                assert frag in site[target.resolve().relative_to(out.resolve()).as_posix()].ids, f"{name}: #{frag}"
            checked += 1
    assert checked > 40


def test_matrix_cells_count_the_passages_they_link_to(project):
    corpus, codings, codebook, tmp = project
    out = tmp / "site"
    write_site(codings, corpus, codebook, out, unit="segment")
    html = (out / "matrix.html").read_text(encoding="utf-8")
    cells = dict(re.findall(r'<a href="(pairs/[^"]+)" title="[^"]*">(\d+)</a>', html))
    expected = hsqual.cooccurrence(codings, unit="segment")
    expected = {f"pairs/{a}--{b}.html": n for a, b, n in
                zip(expected["code_a"], expected["code_b"], expected["n_ab"]) if n}
    assert {k: int(v) for k, v in cells.items()} == expected
    assert expected == {"pairs/dignity--empowerment.html": 1, "pairs/dignity--protection.html": 2,
                        "pairs/empowerment--protection.html": 2}
    for link, n in expected.items():
        page = (out / link).read_text(encoding="utf-8")
        assert page.count('class="hsq-passage"') == n


def test_a_code_page_shows_each_passage_in_context_with_a_link_into_its_document(project):
    corpus, codings, codebook, tmp = project
    out = tmp / "site"
    write_site(codings, corpus, codebook, out)
    page = Page((out / "codes" / "protection.html").read_text(encoding="utf-8"))
    rows = codings[codings["code"] == "protection"]
    assert [page.quote_of(k) for k in page.order] == list(rows["quote"])
    assert [link for link in page.links if re.search(r"#c\d+$", link)] == [f"../docs/{d}.html#c{i}" for i, d in rows["doc_id"].items()]
    # the context is the turn around the passage
    assert "It puts people first. We protect people from violence and empower communities." in page.texts[0]
    assert page.texts[0].startswith("It puts") and page.texts[0].endswith("communities.")


def test_user_text_is_escaped_on_every_page(project):
    corpus, codings, codebook, tmp = project
    out = tmp / "site"
    write_site(codings, corpus, codebook, out)
    for name, page in pages(out).items():
        raw = (out / name).read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "Empowerment <b>" not in raw, name
        assert page.scripts == [], name  # only the shared script file, no inline script
    assert "Empowerment &lt;b&gt;" in (out / "index.html").read_text(encoding="utf-8")
    dignity = Page((out / "codes" / "dignity.html").read_text(encoding="utf-8"))
    assert dignity.quote_of(dignity.order[0]) == "<script>alert('dignity')</script>"


def test_japanese_labels_and_pages(project):
    corpus, codings, codebook, tmp = project
    out = tmp / "site_ja"
    write_site(codings, corpus, codebook, out, lang="ja", title="日本語")
    doc = (out / "docs" / "int05.html").read_text(encoding="utf-8")
    page = Page(doc)
    assert '<div class="hsq" lang="ja">' in doc and page.speakers == ["聞き手", "田中"]
    assert [page.quote_of(k) for k in page.order] == ["恐怖からの自由", "欠乏からの自由です。尊厳", "尊厳も大切です"]
    assert ">尊厳</a>" in (out / "index.html").read_text(encoding="utf-8")


def test_writing_again_replaces_the_site_and_a_failure_keeps_the_old_one(project, monkeypatch):
    corpus, codings, codebook, tmp = project
    out = tmp / "site"
    write_site(codings, corpus, codebook, out, title="First")
    write_site(codings, corpus, codebook, out, title="Second")
    assert "<title>Second</title>" in (out / "index.html").read_text(encoding="utf-8")

    from hsqual import site as site_module

    def broken(self, a, b, n):
        raise RuntimeError("disk full")

    monkeypatch.setattr(site_module._Site, "pair_page", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_site(codings, corpus, codebook, out, title="Third")
    assert "<title>Second</title>" in (out / "index.html").read_text(encoding="utf-8")
    assert len(list((out / "pairs").glob("*.html"))) == 3
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith(".")) == []


def test_a_folder_hsqual_did_not_write_is_never_replaced(project):
    corpus, codings, codebook, tmp = project
    mine = tmp / "thesis"
    mine.mkdir()
    (mine / "chapter1.docx").write_text("years of work")
    with pytest.raises(HsqualError, match="thesis: the folder exists and was not written by hsqual"):
        write_site(codings, corpus, codebook, mine)
    assert [p.name for p in mine.iterdir()] == ["chapter1.docx"]


def test_codings_of_documents_the_corpus_lacks_are_an_error(project):
    corpus, codings, codebook, tmp = project
    bad = codings_frame(pd.concat([codings, codings.iloc[:1].assign(doc_id="int99")]))
    with pytest.raises(hsqual.CodingsError, match="1 document\\(s\\) of the codings are not in the corpus: int99"):
        write_site(bad, corpus, codebook, tmp / "site")
    assert not (tmp / "site").exists()


def test_the_site_command(project, capsys):
    corpus, codings, codebook, tmp = project
    write_codings(codings, tmp / "codings.csv")
    code = main(["site", "--corpus", str(tmp / "interviews"), "--codings", str(tmp / "codings.csv"),
                 "--out", str(tmp / "out"), "--title", "Interviews", "--unit", "document"])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"hsqual site: wrote 10 pages to {(tmp / 'out').resolve()}")
    assert "<title>Interviews</title>" in (tmp / "out" / "index.html").read_text(encoding="utf-8")
    # without a codebook, codes are shown by their id
    assert ">empowerment</a>" in (tmp / "out" / "index.html").read_text(encoding="utf-8")
    (tmp / "mine").mkdir()
    (tmp / "mine" / "notes.txt").write_text("x")
    assert main(["site", "--corpus", str(tmp / "interviews"), "--codings", str(tmp / "codings.csv"),
                 "--out", str(tmp / "mine")]) == 1
    assert "was not written by hsqual" in capsys.readouterr().err


def test_reproduce_writes_the_study_site(reproduced_study):
    tmp_path, written = reproduced_study
    assert tmp_path / "site" / "index.html" in written
    study = hsqual.studies.kurusu2015.load()
    assert len(list((tmp_path / "site" / "docs").glob("*.html"))) == len(study.corpus) == 101
    assert len(list((tmp_path / "site" / "codes").glob("*.html"))) == study.codings["code"].nunique()
