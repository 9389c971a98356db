"""Peak memory per MB of transcript: reading, and coding ``--unit document``, at a few sizes.

A transcript of one single line (no line break anywhere, the worst case for readers that
work line by line) is written at each size, in English and in Japanese, then read and coded
in fresh processes. Each reports its peak resident memory above a process that has loaded
the codebooks and coded a 10 kB transcript of the same language (so the tokenizer and its
dictionary are counted out), divided by the file's size in MB: a ratio that stays
flat as the size grows means memory grows linearly with the text, and its value says how
many times the text's size a run needs.

Run: .venv/bin/python bench/bench_memory.py [MB ...]        (default: 4 8 16)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import hsqual
from hsqual.transcripts import read_transcript
stage, path = sys.argv[1], sys.argv[2]
codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
# warm up: the tokenizer, its dictionary and the matcher are loaded before the base is taken
warm = read_transcript(path.replace("big_", "warm_"))
hsqual.apply_codebook(hsqual.Corpus([warm]), codebook, unit="document")
del warm
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import gc; gc.collect()
t = time.perf_counter()
doc = read_transcript(path)
if stage == "code":
    corpus = hsqual.Corpus([doc])
    del doc
    codings = hsqual.apply_codebook(corpus, codebook, unit="document")
    n = len(codings)
else:
    n = len(doc.text)
dt = time.perf_counter() - t
print(json.dumps({"s": dt, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base, "n": n}))
"""

SENTENCES = {
    "en": "Interviewee 4: Human security puts people first, and freedom from fear and want matters to them. ",
    "ja": "聞き手：人間の安全保障は人々の保護とエンパワーメントを重視し、恐怖と欠乏からの自由を目指す。",
}


def write_transcript(path: Path, lang: str, mb: float) -> float:
    unit = SENTENCES[lang]
    n = int(mb * 1_000_000 // len(unit.encode("utf-8")))
    path.write_text(f"---\nid: big_{lang}\nlanguage: {lang}\n---\n" + unit * n, encoding="utf-8")
    return path.stat().st_size / 1e6


def run(stage: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, stage, str(path)], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{stage} {path.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    sizes = [float(a) for a in sys.argv[1:]] or [4, 8, 16]
    d = Path(tempfile.mkdtemp())
    print("peak resident memory above the loaded library, per MB of single-line transcript")
    print(f"{'language':8s} {'MB':>6s} {'read: MB/MB':>12s} {'code document: MB/MB':>21s} {'code s/MB':>10s}")
    for lang in ("en", "ja"):
        for mb in sizes:
            p = d / f"big_{lang}.md"
            size = write_transcript(p, lang, mb)
            write_transcript(d / f"warm_{lang}.md", lang, 0.01)
            r = run("read", p)
            c = run("code", p)
            print(f"{lang:8s} {size:6.1f} {r['peak_kb'] / 1024 / size:12.1f} {c['peak_kb'] / 1024 / size:21.1f} "
                  f"{c['s'] / size:10.2f}", flush=True)
            p.unlink()


if __name__ == "__main__":
    main()
