"""The engine codes the bundled corpora exactly as the engine the fixture was written with.

The fixture (``tests/data/engine/codings.csv.gz``) was written by ``tests/engine_fixture.py``
before the rule engine was split into ``hsqual.rules.syntax``/``index``/``match``; every
row (unit, code, rule label, evidence spans) must stay the same.
"""

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from engine_fixture import COLUMNS, FIXTURE, codings  # noqa: E402


def test_the_bundled_codebooks_code_the_bundled_corpora_as_before():
    want = pd.read_csv(FIXTURE, keep_default_na=False, dtype=str)
    got = codings().astype(str).replace({"<NA>": ""})
    assert len(want) > 900 and set(want["corpus"]) == {"kurusu2015", "ja", "interviews"}
    assert list(got.columns) == COLUMNS
    assert got.values.tolist() == want[COLUMNS].values.tolist()
