"""Sparse incidence-based co-occurrence against a naive pandas self-merge, in one run.

A synthetic codings table: 50,000 segments, 60 codes, on average about three codes per
segment (Zipf-like code popularity). Both methods count, for every pair of codes, the segments
carrying both; the script checks they agree and prints the times and their ratio.

Run: .venv/bin/python bench/bench_cooccurrence.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from hsqual.codings import codings_frame
from hsqual.cooccur import cooccurrence

N_UNITS = 50_000
N_CODES = 60


def synthetic_codings(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    per_unit = rng.poisson(3, N_UNITS) + 1
    weights = 1 / np.arange(1, N_CODES + 1)
    weights /= weights.sum()
    unit = np.repeat(np.arange(N_UNITS), per_unit)
    code = rng.choice(N_CODES, size=unit.size, p=weights)
    return codings_frame(pd.DataFrame({
        "doc_id": [f"D{u // 50:04d}" for u in unit], "segment_id": unit % 50 + 1,
        "code": [f"code{c:02d}" for c in code], "start": 0, "end": 1, "quote": "", "coder": "bench"}))


def naive(codings: pd.DataFrame) -> pd.DataFrame:
    units = codings[["doc_id", "segment_id", "code"]].drop_duplicates()
    pairs = units.merge(units, on=["doc_id", "segment_id"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["code_a"] < pairs["code_b"]]
    return pairs.groupby(["code_a", "code_b"]).size().rename("n_ab").reset_index()


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    codings = synthetic_codings()
    print(f"codings: {len(codings):,} rows, {N_UNITS:,} segments, {codings['code'].nunique()} codes")
    t_sparse, fast = best_of(lambda: cooccurrence(codings, unit="segment", measure="count"))
    t_naive, slow = best_of(lambda: naive(codings))
    merged = fast[fast["n_ab"] > 0].merge(slow, on=["code_a", "code_b"], how="outer", suffixes=("", "_naive"))
    assert (merged["n_ab"] == merged["n_ab_naive"]).all(), "the two methods disagree"
    print(f"sparse incidence (hsqual.cooccurrence): {t_sparse * 1000:8.1f} ms")
    print(f"naive pandas self-merge:                 {t_naive * 1000:8.1f} ms")
    print(f"ratio naive / sparse: {t_naive / t_sparse:.1f}x (same {len(merged)} code pairs)")
    t_fisher, _ = best_of(lambda: cooccurrence(codings, unit="segment", measure="jaccard", test="fisher"), 1)
    print(f"with Fisher's exact test and BH correction on all {N_CODES * (N_CODES - 1) // 2} pairs: "
          f"{t_fisher * 1000:.1f} ms")


if __name__ == "__main__":
    main()
