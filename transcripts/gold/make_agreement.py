"""Agreement of the two gold-standard coders, per code, language and split: writes agreement.csv.

Every unit of ``units.csv`` is a decision of each coder for each code (a unit a coder gave no
code is "not applied"), so the 2 x 2 tables count every unit. Kappa is Cohen's, per code;
the summary row (``level`` ``all``, no ``code``) pools every unit-code decision. Codes neither coder used in a part
are left out of that part.

Run from the repository: ``python transcripts/gold/make_agreement.py``
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import hsqual
from hsqual.goldstandard import SPLITS

HERE = Path(__file__).resolve().parent


def agreement_table() -> pd.DataFrame:
    """The agreement of ``coder_a`` and ``coder_b`` per language and split, and over all units."""
    parts = []
    for language in ("en", "ja", None):
        for split in (*SPLITS, None):
            gold = hsqual.load_gold(language=language, split=split, folder=HERE)
            a, b = gold.coders["coder_a"], gold.coders["coder_b"]
            table = hsqual.agreement(a, b, unit="segment", corpus=gold.corpus)
            table.insert(0, "split", split or "all")
            table.insert(0, "language", language or "all")
            parts.append(table)
    return pd.concat(parts, ignore_index=True)


if __name__ == "__main__":
    out = agreement_table()
    hsqual.write_table(out.round(4), HERE / "agreement.csv")
    overall = out[(out["level"] == "all")]
    print(overall[["language", "split", "n_units", "both", "only_a", "only_b", "kappa"]].to_string(index=False))
