"""What a reviewer waits for in the review loop, measured in one run.

On the 13 interviews of ``transcripts/interviews/`` (sentences, respondents and interviewers),
one code, the TF-IDF embedder by default (so the figures do not depend on the embedding
cache; ``--embedder e5`` for the default model, whose vectors the disk cache may hold):

- recording a verdict (:meth:`hsqual.review.ReviewSession.decide`: one JSON line appended,
  flushed and fsynced);
- the next unit after a verdict: :meth:`~hsqual.review.ReviewSession.next_units` re-ranks
  with the decisions so far (``refit_every=1``; the corpus's embeddings and rules are reused,
  the model is refitted);
- opening a session on a log of ``--lines`` decisions (reading and checking every line),
  against opening it on an empty log.

Prints best-of-``--repeat`` times (``timeit.repeat``) and the ratios.

Usage::

    .venv/bin/python bench/bench_review.py [--repeat 5] [--lines 2000] [--embedder tfidf]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import timeit
import warnings
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--embedder", default="tfidf")
    args = ap.parse_args()

    import hsqual
    from hsqual.resources import bundled_path
    from hsqual.review import ReviewSession

    warnings.simplefilter("ignore")
    corpus = hsqual.load_corpus(bundled_path("transcripts") / "interviews")
    codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    code = "freedoms.want"
    folder = Path(tempfile.mkdtemp())

    def session(log):
        return ReviewSession(corpus, codebook, log=log, reviewer="bench", codes=[code], embedder=args.embedder)

    s = session(folder / "decide.jsonl")
    units = s.ranking[["doc_id", "start", "end"]].values.tolist()
    n_units = len(units)
    it = iter(units * (args.repeat + 2))

    def decide():
        d, a, b = next(it)
        s.decide((d, int(a), int(b), code), "skip")   # a skip logs a line without changing the ranking

    decide_s = min(timeit.repeat(decide, number=1, repeat=args.repeat))

    s.accept(tuple(units[0]) + (code,))
    s.next_units(1)
    times = []
    for i in range(args.repeat):
        s.reject(tuple(units[2 + i]) + (code,))
        t0 = time.perf_counter()
        s.next_units(1)
        times.append(time.perf_counter() - t0)
    refit_s = min(times)

    # a log of --lines decisions (skips and verdicts on distinct units), written as a session writes it
    big = folder / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for i in range(args.lines):
            d, a, b = units[i % n_units]
            verdict = "skip" if i >= n_units else ("accept" if i % 7 == 0 else "reject")
            fh.write(json.dumps({"time": "2026-11-30T00:00:00+00:00", "reviewer": "bench", "doc_id": d,
                                 "segment_id": None, "start": int(a), "end": int(b), "unit": "sentence",
                                 "code": code, "verdict": verdict, "quote": corpus.doc(d).text[int(a):int(b)],
                                 "score": 0.5, "probability": 0.5}, ensure_ascii=False) + "\n")
    open_empty_s = min(timeit.repeat(lambda: session(folder / "empty.jsonl"), number=1, repeat=args.repeat))
    open_big_s = min(timeit.repeat(lambda: session(big), number=1, repeat=args.repeat))

    print(f"corpus: {len(corpus)} interviews, {n_units} sentences; code {code}; embedder {args.embedder}")
    print(f"record a verdict (append + fsync)   {decide_s * 1e3:8.2f} ms")
    print(f"next unit after a verdict (re-rank) {refit_s * 1e3:8.2f} ms   "
          f"({refit_s / decide_s:.0f}x recording a verdict)")
    print(f"open a session, empty log           {open_empty_s * 1e3:8.2f} ms")
    print(f"open a session, {args.lines}-line log       {open_big_s * 1e3:8.2f} ms   "
          f"({open_big_s / open_empty_s:.2f}x the empty log)")


if __name__ == "__main__":
    main()
