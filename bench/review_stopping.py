"""When the review loop suggests stopping, and how much it has found by then.

Replays reviews through :class:`hsqual.review.ReviewSession` (five units a batch, re-ranked
after each, verdicts from the gold standard's adjudicated coding) on the gold standard's
documents, code by code, until the session suggests stopping or every unit is read. Per code:
the gold's units, the units read, how many of the gold's units were found (recall), why the
session suggested stopping, and the session's estimate of what was left at each tenth of the
review beside the true number.

Usage::

    .venv/bin/python bench/review_stopping.py [--split dev] [--codes freedoms.fear freedoms.want]
        [--stop-after 40] [--stop-below 0] [--embedder e5]
"""

from __future__ import annotations

import argparse
import tempfile
import warnings
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", choices=("dev", "test", "heldout", "heldout2", "heldout3", "heldout4"))
    ap.add_argument("--codes", nargs="+", default=["freedoms.fear", "freedoms.want", "freedoms.dignity"])
    ap.add_argument("--stop-after", type=int, default=40)
    ap.add_argument("--stop-below", type=float, default=0.0)
    ap.add_argument("--embedder", default=None)
    args = ap.parse_args()

    import pandas as pd

    import hsqual
    from hsqual.review import ReviewSession

    warnings.simplefilter("ignore")
    codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    gold = hsqual.load_gold(split=args.split)
    folder = Path(tempfile.mkdtemp())
    rows = []
    for code in args.codes:
        g = gold.codings[gold.codings["code"] == code]
        truth = set(zip(g["doc_id"], g["start"], g["end"]))
        s = ReviewSession(gold.corpus, codebook, log=folder / f"{code}.jsonl", reviewer="gold", codes=[code],
                          stop_after_rejections=args.stop_after, stop_below=args.stop_below,
                          embedder=args.embedder)
        trace = []
        while not s.stop_advice():
            batch = s.next_units()
            if not batch:
                break
            for item in batch:
                s.decide(item, "accept" if (item.doc_id, item.start, item.end) in truth else "reject")
            trace.append((len(s.log), s.estimate_remaining(), len(truth) - s.found()))
        n_units = len(s.ranking)
        rows.append({"code": code, "units": n_units, "gold units": len(truth), "read": len(s.log),
                     "share read": round(len(s.log) / n_units, 3), "found": s.found(),
                     "recall": round(s.found() / len(truth), 3) if truth else float("nan"),
                     "estimate left at the stop": round(s.estimate_remaining(), 1),
                     "truly left": len(truth) - s.found(),
                     "why": s.stop_advice().reason})
        print(f"\n{code}: estimate of what is left / truly left, after reading")
        step = max(1, len(trace) // 10)
        for read, estimate, left in trace[::step]:
            print(f"  {read:5d}  {estimate:7.1f} / {left}")
    print()
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
