"""The pages in a real browser: headless Chromium renders them with no console error, and the
coded spans are laid out on screen, visible, in text order; the filters and the hover work.

Needs Debian's ``chromium`` (and ``fonts-noto-cjk`` for Japanese): ``make test`` installs them
when run as root; otherwise these tests fail saying how to install them. ``HSQUAL_CHROMIUM``
names another Chromium or Chrome binary.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.site import write_site
from hsqual.view import show_document

INSTALL = ("run `make test` as root (it installs them with apt-get), or "
           "`sudo apt-get install chromium fonts-noto-cjk`; HSQUAL_CHROMIUM may name another Chromium binary")
WIDTH, HEIGHT = 1200, 2400

# first in <head>: record every error, failed load and console.error of the page
CATCH = """<script>window.__errors=[];
window.addEventListener('error',function(e){var t=e.target;__errors.push(t&&t!==window?'failed to load '+(t.src||t.href):
String(e.message));},true);
window.addEventListener('unhandledrejection',function(e){__errors.push('unhandled rejection '+e.reason);});
(function(){var f=console.error;console.error=function(){__errors.push([].join.call(arguments,' '));f.apply(console,arguments);};})();
</script>"""

# last in <body>: measure the coded spans, then use the filter and the hover, and write it all down
PROBE = """<script>window.addEventListener('load',function(){
var out={errors:__errors,width:innerWidth,height:innerHeight,spans:[],filter:null,tip:null};
document.querySelectorAll('[data-code]').forEach(function(s){var r=s.getClientRects()[0]||s.getBoundingClientRect();
out.spans.push({code:s.getAttribute('data-code'),coding:s.getAttribute('data-coding'),first:!!s.id,
left:r.left,top:r.top,right:r.right,bottom:r.bottom,width:r.width,height:r.height,
bg:getComputedStyle(s).backgroundColor,line:getComputedStyle(s).borderBottomColor});});
out.cells=[].map.call(document.querySelectorAll('table.hsq-matrix td a'),function(a){var r=a.getBoundingClientRect();
return {href:a.getAttribute('href'),text:a.textContent,left:r.left,top:r.top,right:r.right,bottom:r.bottom};});
var box=document.querySelector('input[data-filter="code"]');
if(box){var code=box.value;box.checked=false;box.dispatchEvent(new Event('change',{bubbles:true}));
var off=[],on=[];document.querySelectorAll('[data-code]').forEach(function(s){
(s.getAttribute('data-code')===code?off:on).push(getComputedStyle(s).backgroundColor);});
out.filter={code:code,off:off,on:on};box.checked=true;box.dispatchEvent(new Event('change',{bubbles:true}));}
var first=document.querySelector('.hsq-c');
if(first&&document.querySelector('.hsq-tip')){first.dispatchEvent(new MouseEvent('mouseover',{bubbles:true}));
var tip=document.querySelector('.hsq-tip');out.tip={hidden:tip.hidden,text:tip.innerText,left:tip.getBoundingClientRect().left};}
var pre=document.createElement('pre');pre.id='probe';pre.textContent=JSON.stringify(out);document.body.appendChild(pre);});
</script>"""


@pytest.fixture(scope="module")
def chromium():
    found = os.environ.get("HSQUAL_CHROMIUM") or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) if p),
        None)
    if not found:
        pytest.fail(f"Chromium is not installed; the browser tests need it: {INSTALL}")
    return found


@pytest.fixture(scope="module")
def japanese_font():
    fonts = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True).stdout \
        if shutil.which("fc-list") else ""
    if not fonts.strip():
        pytest.fail(f"no Japanese font is installed, so Japanese text would show as boxes: {INSTALL}")
    return fonts


def render(chromium: str, page: Path, tmp: Path) -> dict:
    """Open ``page`` (with the probe added beside it) in headless Chromium; the probe's findings."""
    text = page.read_text(encoding="utf-8")
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(text.replace("<head>", "<head>" + CATCH, 1).replace("</body>", PROBE + "</body>", 1),
                     encoding="utf-8")
    args = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
            f"--user-data-dir={tmp / 'chromium-profile'}", f"--window-size={WIDTH},{HEIGHT}",
            "--enable-logging=stderr", "--v=0", "--dump-dom", probe.resolve().as_uri()]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.insert(1, "--no-sandbox")  # Chromium refuses to run as root inside its sandbox
    run = subprocess.run(args, capture_output=True, text=True, timeout=120)
    probe.unlink()
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, flags=re.S)
    assert found, f"the page did not finish loading in Chromium:\n{run.stderr[-2000:]}"
    result = json.loads(html.unescape(found.group(1)))
    result["console"] = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return result


def check_layout(result: dict, n_codings: int) -> None:
    assert result["errors"] == [] and result["console"] == []
    spans = result["spans"]
    assert len({s["coding"] for s in spans}) == n_codings
    for s in spans:
        assert s["width"] > 0 and s["height"] > 0, s
        assert 0 <= s["left"] and s["right"] <= result["width"] and 0 <= s["top"] and s["bottom"] <= result["height"], s
        assert s["bg"] not in ("rgba(0, 0, 0, 0)", "transparent") and s["line"] != "rgba(0, 0, 0, 0)", s
    # the first fragment of each coding, in document order, reads left to right, top to bottom
    firsts = [s for s in spans if s["first"]]
    assert len(firsts) == n_codings
    for a, b in zip(firsts, firsts[1:]):
        same_line = abs(a["top"] - b["top"]) < 4
        assert (same_line and a["left"] <= b["left"] + 0.5) or (not same_line and a["top"] < b["top"]), (a, b)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    src = tmp / "interviews"
    src.mkdir()
    (src / "int04.md").write_text(
        "---\nid: int04\nspeakers: [Interviewer, Interviewee 4]\n---\n"
        "Interviewer: What does human security add?\n\n"
        "Interviewee 4: It puts people first. We protect people from violence and empower communities, "
        "which is what <script>dignity</script> means in practice.\n\n"
        "Interviewer: And the state?\n\nInterviewee 4: Protection alone is not enough.\n", encoding="utf-8")
    (src / "int05.md").write_text(
        "---\nid: int05\nlanguage: ja\nspeakers: [聞き手, 田中]\n---\n"
        "聞き手：人間の安全保障とは何ですか。\n田中：恐怖からの自由と欠乏からの自由です。尊厳をもって生きる自由も大切です。"
        "国家の安全保障だけでは人々を守れません。\n", encoding="utf-8")
    corpus = hsqual.load_corpus(src)
    codebook = Codebook("t", [Code(id="protection", label={"en": "Protection", "ja": "保護"}, color="#1f77b4"),
                              Code(id="empowerment", label={"en": "Empowerment", "ja": "エンパワーメント"}),
                              Code(id="dignity", label={"en": "Dignity", "ja": "尊厳"}, color="#ffbb78")])
    rows = []
    for doc, code, words, coder in [
            ("int04", "protection", "protect people from violence", "ana"),
            ("int04", "empowerment", "violence and empower communities", "ben"),
            ("int04", "dignity", "<script>dignity</script>", "ana"),
            ("int04", "protection", "Protection alone", "rules"),
            ("int05", "protection", "恐怖からの自由", "ana"),
            ("int05", "empowerment", "欠乏からの自由です。尊厳", "ben"),
            ("int05", "dignity", "尊厳をもって生きる自由", "ana"),
            ("int05", "protection", "人々を守れません", "rules")]:
        text = corpus.doc(doc).text
        start = text.index(words)
        seg = next(s.segment_id for s in corpus.segments_of(doc) if s.start <= start < s.end)
        rows.append({"doc_id": doc, "segment_id": seg, "code": code, "start": start, "end": start + len(words),
                     "quote": words, "coder": coder, "rule": "x/en#1: protect*" if coder == "rules" else ""})
    codings = codings_frame(rows)
    write_site(codings, corpus, codebook, tmp / "site", title="Browser test")
    show_document(codings, corpus, "int04", codebook=codebook).save(tmp / "notebook_view.html")
    return tmp


def test_a_document_page_lays_out_every_coded_span(chromium, site, tmp_path):
    result = render(chromium, site / "site" / "docs" / "int04.html", tmp_path)
    check_layout(result, 4)
    # unticking a code clears its highlights and leaves the others
    f = result["filter"]
    assert f["code"] == "protection" and f["off"] and set(f["off"]) == {"rgba(0, 0, 0, 0)"}
    assert f["on"] and "rgba(0, 0, 0, 0)" not in f["on"]
    # hovering shows the coding's label and coder
    assert result["tip"]["hidden"] is False and result["tip"]["text"].splitlines()[:2] == ["Protection (protection)",
                                                                                          "coder: ana"]


def test_a_japanese_document_page(chromium, japanese_font, site, tmp_path):
    result = render(chromium, site / "site" / "docs" / "int05.html", tmp_path)
    check_layout(result, 4)
    # Japanese wraps by character: the span of seven characters is about seven characters wide
    seven = next(s for s in result["spans"] if s["first"] and s["code"] == "protection")
    assert 5 * 15 < seven["width"] < 9 * 17


def test_the_matrix_page(chromium, site, tmp_path):
    result = render(chromium, site / "site" / "matrix.html", tmp_path)
    assert result["errors"] == [] and result["console"] == [] and result["spans"] == []
    cells = result["cells"]
    # 3 codes: 3 diagonal cells to the code pages, 2 x 3 pair cells to the passages (the pairs of the fixture)
    assert sorted(c["href"] for c in cells if c["href"].startswith("pairs/")) == sorted(2 * [
        "pairs/dignity--empowerment.html", "pairs/dignity--protection.html", "pairs/empowerment--protection.html"])
    assert len(cells) == 9
    for c in cells:
        assert c["right"] > c["left"] >= 0 and c["bottom"] > c["top"] >= 0 and c["right"] <= result["width"], c
    rows = sorted({round(c["top"]) for c in cells})
    assert len(rows) == 3  # a row of the table per code


def test_the_notebook_view_works_as_a_standalone_page(chromium, site, tmp_path):
    result = render(chromium, site / "notebook_view.html", tmp_path)
    check_layout(result, 4)
    assert result["tip"]["hidden"] is False


def test_the_view_in_an_executed_notebook(chromium, tmp_path):
    """What Jupyter shows: a notebook cell returning show_document, executed and exported to HTML."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import hsqual\n"
        "from hsqual.codings import codings_frame\n"
        "from hsqual.corpus import Corpus, Document\n"
        "text = '聞き手：人間の安全保障とは何ですか。 Dignity matters, and <b>so</b> does protection.'\n"
        "corpus = Corpus([Document('d1', text, {'language': 'ja'})])\n"
        "rows = [(c, w) for c, w in [('dignity', 'Dignity matters'), ('protection', 'protection'),\n"
        "                            ('security', '人間の安全保障'), ('dignity', 'matters, and <b>so</b>')]]\n"
        "codings = codings_frame([{'doc_id': 'd1', 'segment_id': 1, 'code': c, 'start': text.index(w),\n"
        "                          'end': text.index(w) + len(w), 'quote': w, 'coder': 'ana'} for c, w in rows])\n"
        "hsqual.show_document(codings, corpus, 'd1')")])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    [output] = nb.cells[0].outputs
    assert output["output_type"] == "execute_result" and "text/html" in output["data"]
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(nb)
    page = tmp_path / "notebook.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>',
                    encoding="utf-8")
    result = render(chromium, page, tmp_path)
    check_layout(result, 4)
    assert result["tip"]["hidden"] is False and "coder: ana" in result["tip"]["text"]
