"""The analysis layer at archive scale, as ratios measured in one run.

A synthetic codings table of N segments (default 1,000,000) in documents of 100 segments,
200 codes of Zipf-like popularity, one to several codes per segment (about 3 million codings
at the default size), a second coder holding a 90% sample of the first coder's rows. Each
hsqual function is timed against the plain pandas operation that gives the same figures, and
the results are checked to agree:

* ``cooccurrence(unit="segment")`` against a self-merge of the distinct (segment, code) rows;
* ``agreement(unit="segment")`` against an outer merge of the two coders' (segment, code) keys;
* ``code_frequencies`` against a ``groupby`` of code (codings) and of distinct keys;
* ``crosstab(by=...)`` (documents) against a merge with the document variable and a
  ``groupby``;
* peak memory (tracemalloc) of each hsqual call, divided by the memory of its input tables.

Run: .venv/bin/python bench/bench_analysis.py [N_SEGMENTS]
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from hsqual.reliability import agreement
from hsqual.cooccur import cooccurrence
from hsqual.corpus import Corpus, Document
from hsqual.crosstabs import crosstab
from hsqual.frequencies import code_frequencies

N_CODES = 200
PER_DOC = 100


def synthetic(n_units: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    per_unit = rng.poisson(2, n_units) + 1
    weights = 1 / np.arange(1, N_CODES + 1)
    weights /= weights.sum()
    unit = np.repeat(np.arange(n_units), per_unit)
    code = rng.choice(N_CODES, size=unit.size, p=weights)
    docs = np.array([f"D{i:06d}" for i in range(n_units // PER_DOC + 1)], dtype=object)
    names = np.array([f"code{c:03d}" for c in range(N_CODES)], dtype=object)
    a = pd.DataFrame({"doc_id": pd.array(docs[unit // PER_DOC], dtype="str"), "segment_id": unit % PER_DOC + 1,
                      "code": pd.array(names[code], dtype="str"), "start": 0, "end": 1, "quote": "",
                      "coder": "a", "rule": "", "memo": ""})
    b = a.sample(frac=0.9, random_state=seed + 1).reset_index(drop=True)
    b["coder"] = "b"
    return a, b


def timed(fn):
    gc.collect()
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def peak(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def mem(*frames: pd.DataFrame) -> int:
    return int(sum(f.memory_usage(deep=True).sum() for f in frames))


def main() -> None:
    n_units = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    a, b = synthetic(n_units)
    print(f"codings: {len(a):,} rows (coder a), {len(b):,} (coder b); {n_units:,} segments x {N_CODES} codes; "
          f"input {mem(a) / 1e6:.0f} MB")
    keys = ["doc_id", "segment_id", "code"]

    def self_merge():
        u = a[keys].drop_duplicates()
        p = u.merge(u, on=["doc_id", "segment_id"], suffixes=("_a", "_b"))
        p = p[p["code_a"] < p["code_b"]]
        return p.groupby(["code_a", "code_b"]).size()

    t_naive, naive = timed(self_merge)
    t_ours, ours = timed(lambda: cooccurrence(a, unit="segment", measure="count"))
    got = ours.set_index(["code_a", "code_b"])["n_ab"]
    assert (got.reindex(naive.index) == naive).all() and got.sum() == naive.sum(), "co-occurrence counts differ"
    print(f"cooccurrence(unit='segment'):  {t_ours:6.2f} s | pandas self-merge {t_naive:6.2f} s | "
          f"{t_naive / t_ours:4.1f}x faster; peak memory {peak(lambda: cooccurrence(a, unit='segment')) / mem(a):.2f}x "
          "the input table")

    def merged_keys():
        m = a[keys].drop_duplicates().merge(b[keys].drop_duplicates(), how="outer", indicator=True)
        return m.groupby(["code", "_merge"], observed=False).size().unstack()

    t_naive, naive = timed(merged_keys)
    t_ours, ours = timed(lambda: agreement(a, b, unit="segment"))
    ours = ours.set_index("code")
    assert (ours.loc[naive.index, "both"].to_numpy() == naive["both"].to_numpy()).all(), "agreement counts differ"
    assert (ours.loc[naive.index, "only_a"].to_numpy() == naive["left_only"].to_numpy()).all()
    print(f"agreement(unit='segment'):     {t_ours:6.2f} s | pandas merge of keys {t_naive:6.2f} s | "
          f"{t_naive / t_ours:4.1f}x; peak memory {peak(lambda: agreement(a, b, unit='segment')) / mem(a, b):.2f}x "
          "the input tables")

    def grouped():
        n = a.groupby("code").size()
        seg = a[keys].drop_duplicates().groupby("code").size()
        doc = a[["doc_id", "code"]].drop_duplicates().groupby("code").size()
        return n, seg, doc

    t_naive, (n, seg, doc) = timed(grouped)
    t_ours, ours = timed(lambda: code_frequencies(a))
    ours = ours.set_index("code")
    assert (ours.loc[n.index, "n_codings"] == n).all() and (ours.loc[seg.index, "n_segments"] == seg).all()
    assert (ours.loc[doc.index, "n_documents"] == doc).all(), "code frequencies differ"
    print(f"code_frequencies:              {t_ours:6.2f} s | pandas groupby {t_naive:6.2f} s | "
          f"{t_ours / t_naive:4.1f}x the groupby's time")

    n_docs = n_units // PER_DOC + 1
    corpus = Corpus([Document(f"D{i:06d}", "x", {"sector": ("NGO", "Government", "University")[i % 3]})
                     for i in range(n_docs)])
    sector = pd.DataFrame({"doc_id": [f"D{i:06d}" for i in range(n_docs)],
                           "sector": [("NGO", "Government", "University")[i % 3] for i in range(n_docs)]})

    def merged_table():
        return a.merge(sector, on="doc_id").groupby(["code", "sector"]).size().unstack(fill_value=0)

    t_naive, naive = timed(merged_table)
    t_ours, ours = timed(lambda: crosstab(a, corpus, by="sector", unit="document", stats=False))
    assert (ours.counts.loc[naive.index, naive.columns].to_numpy() == naive.to_numpy()).all(), "crosstab differs"
    print(f"crosstab(by='sector'):         {t_ours:6.2f} s | pandas merge + groupby {t_naive:6.2f} s | "
          f"{t_ours / t_naive:4.1f}x its time")


if __name__ == "__main__":
    main()
