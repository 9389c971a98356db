"""Screenshots of the study's site for the README, taken with headless Chromium.

Run from the repository root (needs ``chromium``; ``make test`` as root installs it):

    python docs/screenshots.py

It writes the Kurusu site with :func:`hsqual.write_site` into a temporary folder (as
``hsqual reproduce kurusu2015`` writes ``site/``), takes a document page with the pointer over
its first passage and the co-occurrence matrix, then a site of the Japanese documents coded by
the rules and one of their pages at its first coding, and saves them as PNG files (256
colours) in ``docs/``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import hsqual
from hsqual.writers import atomic_write

DOCS = Path(__file__).resolve().parent
HOVER = """<script>window.addEventListener('load',function(){
var s=document.getElementById('ANCHOR')||document.querySelector('.hsq-c');
if(document.getElementById('ANCHOR')){var y=s.getBoundingClientRect().top;document.body.style.marginTop=(140-y)+'px';}
while(s.querySelector('.hsq-c'))s=s.querySelector('.hsq-c');
s.dispatchEvent(new MouseEvent('mouseover',{bubbles:true}));});</script>"""
SHOTS = [  # page, file, window size, hover
    ("docs/K100.html", "screenshot_document.png", (1100, 760), True),
    ("matrix.html", "screenshot_matrix.png", (1280, 860), False),
]
JA_DOC = "essay_diplomacy_human_security"


def chromium() -> str:
    found = os.environ.get("HSQUAL_CHROMIUM") or shutil.which("chromium") or shutil.which("google-chrome")
    if not found:
        sys.exit("Chromium is not installed: sudo apt-get install chromium fonts-noto-cjk")
    return found


def shoot(page: Path, png: Path, size: tuple[int, int], hover: bool, tmp: Path, anchor: str = "") -> None:
    shown = page.with_name(f"shot-{page.name}")
    text = page.read_text(encoding="utf-8")
    script = HOVER.replace("ANCHOR", anchor)  # a page shown from a coding on is moved up to it
    shown.write_text(text.replace("</body>", script + "</body>") if hover else text, encoding="utf-8")
    raw = tmp / "shot.png"
    args = [chromium(), "--headless", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            f"--user-data-dir={tmp / 'profile'}", f"--window-size={size[0]},{size[1]}",
            f"--screenshot={raw}", shown.as_uri()]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    subprocess.run(args, check=True, capture_output=True, timeout=120)
    from PIL import Image

    image = Image.open(raw).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    with atomic_write(png, "wb") as fh:
        fh.write(buf.getvalue())
    print(f"{png}: {size[0]}x{size[1]}, {len(buf.getvalue()) // 1024} KB")


def main() -> None:
    study = hsqual.studies.kurusu2015.load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = hsqual.write_site(study.codings, study.corpus, study.codebook, tmp / "site", unit="document",
                                 title="Kurusu (2015): the study's coded excerpts").parent
        for page, name, size, hover in SHOTS:
            shoot(site / page, DOCS / name, size, hover, tmp)
        codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
        corpus = hsqual.load_corpus(DOCS.parent / "transcripts" / "ja")
        rules = hsqual.apply_codebook(corpus, codebook, unit="sentence")
        site = hsqual.write_site(rules, corpus, codebook, tmp / "site_ja", lang="ja", title="日本語の文書").parent
        first = rules.index[(rules["doc_id"] == JA_DOC)][0]
        shoot(site / "docs" / f"{JA_DOC}.html", DOCS / "screenshot_document_ja.png", (1100, 620), True, tmp,
              f"c{first}")


if __name__ == "__main__":
    main()
