"""Coding on 2 cores against 1, measured in one run: apply_codebook(n_jobs=2) / n_jobs=1.

Builds a Japanese corpus from the bundled transcripts (``transcripts/ja/``) repeated to about
``--kb`` KB, each copy headed by a line of its own so that no text repeats (the token cache,
switched off on disk here, would otherwise analyse each distinct text once and the timing
would leave MeCab out), codes it by sentence with the four bundled codebooks in this process
(``n_jobs=1``) and in a pool of ``--jobs`` worker processes, round by round (every round and
variant on texts of its own), keeps the best time of each, checks on one corpus that both
give the same table, and prints the speed-up (time with one
process / time with the pool). The pool's start-up (its processes forked, MeCab loaded) is part of the
timed call, as a user meets it. It also prints the CPU seconds each variant used (this
process and its workers) and the machine's load: on a machine whose cores are busy with
other work, the wall-clock speed-up is bounded by the cores left free (and where the kernel
groups processes by session, ``/proc/sys/kernel/sched_autogroup_enabled`` = 1, a session's
workers share that session's one share of a busy machine). Run it on an idle machine to see
how coding scales with cores.

With ``--start forkserver`` a second thread runs while coding, as in a Jupyter kernel: the
pool then starts its workers from a ``forkserver`` (a process that has imported hsqual, not a
copy of this one), so each worker learns its token keys and compiles the rules' terms itself.

Usage::

    .venv/bin/python bench/bench_parallel.py [--kb 10000] [--jobs 2] [--repeat 3] [--start fork|forkserver]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=10000, help="corpus size in KB of text (default 10000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes of the pool (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="timed rounds; the best time of each is kept")
    ap.add_argument("--start", choices=("fork", "forkserver"), default="fork",
                    help="how the pool starts its workers: fork (a script, the default) or forkserver (as in Jupyter)")
    args = ap.parse_args(argv)

    import pandas as pd

    from hsqual.apply import apply_codebook
    from hsqual.codebook import load_codebooks
    from hsqual.corpus import Corpus, Document
    from hsqual.resources import bundled_codebooks, bundled_path
    from hsqual.transcripts import load_corpus

    os.environ["HSQUAL_CACHE_DIR"] = "off"      # no disk cache; distinct texts keep the memory cache out
    base = load_corpus(bundled_path("transcripts") / "ja", unit="document")
    size = sum(len(d.text.encode("utf-8")) for d in base.documents)
    copies = max(1, round(args.kb * 1000 / size))

    def corpus_of(tag: str) -> Corpus:
        return Corpus([Document(f"{d.doc_id}#{i + 1}", f"第{tag}{i:06d}部\n{d.text}", {"language": "ja"})
                       for i in range(copies) for d in base.documents])

    docs = corpus_of("0000").documents
    n_chars = sum(len(d.text) for d in docs)
    codebook = load_codebooks(bundled_codebooks())
    print(f"corpus: {len(docs)} documents, {n_chars:,} characters ({n_chars * 3 / 1e6:.1f} MB of UTF-8 at most); "
          f"cores on this machine: {os.cpu_count()}")
    apply_codebook(Corpus(docs[:1]), codebook)  # load MeCab in this process before timing

    def cpu() -> float:  # CPU seconds of this process and of its finished workers
        return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                     resource.getrusage(resource.RUSAGE_CHILDREN)))

    import threading

    idle = threading.Event()
    if args.start == "forkserver":  # a second thread, as a Jupyter kernel has: the pool uses a forkserver
        threading.Thread(target=idle.wait, daemon=True).start()
    load_before = os.getloadavg()[0]
    best = {1: float("inf"), args.jobs: float("inf")}
    cpu_best = {1: float("inf"), args.jobs: float("inf")}
    out = {}
    for r in range(args.repeat):
        for jobs in (1, args.jobs):
            corpus = corpus_of(f"{r + 1:02d}{jobs:02d}")
            c, t = cpu(), time.perf_counter()
            apply_codebook(corpus, codebook, unit="sentence", n_jobs=jobs)
            best[jobs] = min(best[jobs], time.perf_counter() - t)
            cpu_best[jobs] = min(cpu_best[jobs], cpu() - c)
    same = corpus_of("9999")
    for jobs in (1, args.jobs):
        out[jobs] = apply_codebook(same, codebook, unit="sentence", n_jobs=jobs)
    pd.testing.assert_frame_equal(out[1], out[args.jobs])
    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    grouped = autogroup.is_file() and autogroup.read_text().strip() == "1"
    print(f"load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores (other work on the machine takes its share of the cores"
          f"{'; processes are scheduled by session (autogroup)' if grouped else ''})")
    # a forkserver's workers are its children, not this process's: their CPU time is not counted here
    counted = args.start == "fork"
    print(f"{'n_jobs':<8}{'seconds':>9}{'chars/s':>13}{'CPU s':>8}")
    for jobs, t in best.items():
        shown = f"{cpu_best[jobs]:>8.2f}" if counted or jobs == 1 else f"{'-':>8}"
        print(f"{jobs:<8}{t:>9.2f}{n_chars / t:>13,.0f}{shown}")
    idle.set()
    print(f"codings: {len(out[1]):,} (identical tables); workers started by {args.start}")
    print(f"speed-up n_jobs={args.jobs} / n_jobs=1 (wall clock): {best[1] / best[args.jobs]:.2f}x")
    if counted:
        print(f"CPU seconds n_jobs={args.jobs} / n_jobs=1 (the pool's extra work): {cpu_best[args.jobs] / cpu_best[1]:.2f}")
    else:
        print("CPU seconds of the pool: not counted (the workers are the forkserver's children)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
