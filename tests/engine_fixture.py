"""The codings of the bundled codebooks on the bundled corpora, as a comparable table.

``python tests/engine_fixture.py`` writes ``tests/data/engine/codings.csv.gz`` from the engine
of the working tree; ``tests/test_engine_fixture.py`` codes the same corpora again and asserts
every row equal, so a change to the engine that alters one coding (a unit, a code, a rule
label, an evidence span) fails.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FIXTURE = Path(__file__).parent / "data" / "engine" / "codings.csv.gz"
COLUMNS = ["corpus", "unit", "doc_id", "segment_id", "start", "end", "code", "rule", "match_spans"]


def corpora():
    from hsqual.resources import bundled_path
    from hsqual.studies.kurusu2015 import load
    from hsqual.transcripts import load_corpus

    root = bundled_path("transcripts")
    return {"kurusu2015": load().corpus, "ja": load_corpus(root / "ja"), "interviews": load_corpus(root / "interviews")}


def codings() -> pd.DataFrame:
    from hsqual.apply import apply_codebook
    from hsqual.codebook import load_codebooks
    from hsqual.resources import bundled_codebooks

    cb = load_codebooks(bundled_codebooks())
    frames = []
    for name, corpus in corpora().items():
        for unit in ("sentence", "segment", "document"):
            df = apply_codebook(corpus, cb, unit=unit)
            df = df.assign(corpus=name, unit=unit)
            df["match_spans"] = df["match_spans"].astype(str)
            frames.append(df[COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    out["segment_id"] = out["segment_id"].astype("Int64")
    return out


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    df = codings()
    df.to_csv(FIXTURE, index=False, compression={"method": "gzip", "mtime": 0})
    print(f"{FIXTURE}: {len(df)} codings")
