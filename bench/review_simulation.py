"""How fast a review guided by :func:`hsqual.rank_units` finds each code's units.

Replays a review with :func:`hsqual.simulate_review` (batches of five, the model refitted after
each) on a coded sample and prints the summary per language and, with ``--per-code``, every
code. Data sets:

``gold-dev`` / ``gold-test`` / ``gold-heldout`` / ``gold-heldout2`` / ``gold-heldout3`` / ``gold-heldout4``
    The development gold standard (``transcripts/gold/``, adjudicated codings), its ``dev``,
    ``test``, ``heldout``, ``heldout2``, ``heldout3`` or ``heldout4`` documents. The loop's
    settings were chosen on every part but ``heldout4``; the rules that start its ranking were
    revised on ``dev``, ``test``, ``heldout`` and ``heldout2``; ``heldout4`` was kept apart from
    both.
``ja-sample``
    The 83 earlier Japanese sentences of ``transcripts/ja/gold/`` (now part of the gold
    standard's ``dev``: the rules were tuned on them).
``kurusu``
    The paper's 101 excerpts as coded by the paper (the codebook's examples quote them, so
    this measures fit, not generalisation).
``kurusu-defs``
    The same, ranked from a codebook stripped of its examples and rules (labels,
    definitions, when to use and when not to use only): nearer to generalisation.

Usage::

    .venv/bin/python bench/review_simulation.py gold-dev [--embedder e5] [--unit sentence]
        [--set rule_weight=1.5 ...] [--per-code] [--out results.csv]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings


def load(name: str):
    """(corpus, codebook, gold codings) of a data set."""
    import pandas as pd

    import hsqual
    from hsqual.corpus import Corpus, Segment

    codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    if name in ("gold-dev", "gold-test", "gold-heldout", "gold-heldout2", "gold-heldout3", "gold-heldout4"):
        from hsqual.goldstandard import load_gold

        gold = load_gold(split=name.split("-")[1])
        if gold.codings is None:
            sys.exit("the gold standard has no adjudicated codings yet (transcripts/gold/adjudicated.csv)")
        return gold.corpus, codebook, gold.codings
    if name == "ja-sample":
        from hsqual.resources import bundled_path

        folder = bundled_path("transcripts") / "ja"
        corpus = hsqual.load_corpus(folder, unit="document")
        sample = pd.read_csv(folder / "gold" / "sample.csv")
        units = Corpus([corpus.doc(d) for d in dict.fromkeys(sample["doc_id"])],
                       [Segment(r.doc_id, int(r.segment_id), int(r.start), int(r.end), r.text, None, "sentence")
                        for r in sample.itertuples()])
        return units, codebook, hsqual.read_codings(folder / "gold" / "codings.csv")
    if name in ("kurusu", "kurusu-defs"):
        study = hsqual.studies.kurusu2015.load()
        if name == "kurusu":
            return study.corpus, study.codebook, study.codings
        from hsqual.codebook import Codebook

        bare = Codebook("bare", [dataclasses.replace(c, examples=(), rules={}) for c in study.codebook.codes])
        return study.corpus, bare, study.codings
    raise SystemExit(f"unknown data set {name!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", choices=["gold-dev", "gold-test", "gold-heldout", "gold-heldout2", "gold-heldout3", "gold-heldout4", "ja-sample", "kurusu", "kurusu-defs"])
    ap.add_argument("--embedder", default=None, help="e5, use or tfidf (default: hsqual's default)")
    ap.add_argument("--unit", default="sentence", choices=["sentence", "window", "segment"])
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="override a field of hsqual.ranking.Settings (repeatable)")
    ap.add_argument("--per-code", action="store_true", help="print every code's figures")
    ap.add_argument("--out", help="write the per-code table to this CSV file")
    args = ap.parse_args(argv)

    import pandas as pd

    from hsqual.ranking import DEFAULT_SETTINGS, simulate_review

    changes = {}
    for item in args.set:
        key, _, value = item.partition("=")
        field = {f.name: f for f in dataclasses.fields(DEFAULT_SETTINGS)}.get(key)
        if field is None:
            sys.exit(f"--set: no setting {key!r}")
        changes[key] = value.lower() in ("1", "true", "yes") if field.type in (bool, "bool") else float(value)
    settings = dataclasses.replace(DEFAULT_SETTINGS, **changes)
    corpus, codebook, gold = load(args.data)
    unit = "segment" if args.data.startswith("kurusu") and args.unit == "sentence" else args.unit
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sim = simulate_review(corpus, codebook, gold, unit=unit, batch=args.batch, embedder=args.embedder,
                              settings=settings)
    elapsed = time.perf_counter() - t0
    pd.set_option("display.width", 200)
    print(f"{args.data}, unit {unit}, batch {args.batch}, embedder {sim.summary.attrs['embedder']}, "
          f"{settings}; {elapsed:.0f} s")
    print(sim.summary.round(3).to_string(index=False))
    if args.per_code:
        print(sim.per_code.round(3).to_string(index=False))
    if args.out:
        from hsqual.writers import write_table

        write_table(sim.per_code, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
