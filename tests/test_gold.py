"""The held-out gold standard for Japanese (transcripts/ja/gold/): consistency and evaluation."""

from __future__ import annotations

import pandas as pd
import pytest

from hsqual.apply import apply_codebook
from hsqual.codebook import load_codebooks
from hsqual.codings import CODINGS_COLUMNS, check_codings, read_codings
from hsqual.corpus import Corpus, Segment
from hsqual.evaluate import evaluate_rules
from hsqual.resources import bundled_codebooks, bundled_path
from hsqual.transcripts import load_corpus

JA = bundled_path("transcripts") / "ja"
GOLD = JA / "gold"
MANIFESTO = "manifesto_foreign_defence"
ESSAY = "essay_diplomacy_human_security"
# the essay is held out from the first sentence that starts on line 160 of the source text
HELD_OUT_ESSAY_START = "日本はこの理念を体現する好機を迎えていると言える。"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(JA, unit="document")


@pytest.fixture(scope="module")
def sample():
    return pd.read_csv(GOLD / "sample.csv", dtype={"doc_id": str, "text": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def gold():
    return read_codings(GOLD / "codings.csv")


@pytest.fixture(scope="module")
def codebook():
    return load_codebooks(bundled_codebooks())


@pytest.fixture(scope="module")
def sample_corpus(corpus, sample):
    docs = [corpus.doc(d) for d in dict.fromkeys(sample["doc_id"])]
    segs = [Segment(r.doc_id, int(r.segment_id), int(r.start), int(r.end), r.text, None, "sentence")
            for r in sample.itertuples()]
    return Corpus(docs, segs)


def test_gold_files_are_there():
    for name in ("codings.csv", "sample.csv", "README.md"):
        assert (GOLD / name).is_file(), name


def test_sample_offsets_slice_the_sentences(corpus, sample):
    assert list(sample.columns) == ["doc_id", "segment_id", "start", "end", "text"]
    assert not sample.duplicated(["doc_id", "segment_id"]).any()
    for r in sample.itertuples():
        assert corpus.doc(r.doc_id).text[r.start:r.end] == r.text, (r.doc_id, r.segment_id)
        assert r.text.strip() == r.text and r.text


def test_sample_is_the_held_out_part(corpus, sample):
    assert set(sample["doc_id"]) == {MANIFESTO, ESSAY}
    essay = corpus.doc(ESSAY).text
    held_out_from = essay.index(HELD_OUT_ESSAY_START)
    essay_rows = sample[sample["doc_id"] == ESSAY]
    assert (essay_rows["start"] >= held_out_from).all()
    # up to 60 sentences of the held-out part (it has fewer, so all of them)
    held_out = [seg for seg in load_corpus(JA, unit="sentence").segments_of(ESSAY) if seg.start >= held_out_from]
    assert len(essay_rows) == min(60, len(held_out))
    assert set(essay_rows["start"]) <= {seg.start for seg in held_out}
    # every manifesto sentence is in the sample: the spans cover every non-blank character
    manifesto = corpus.doc(MANIFESTO).text
    covered = [False] * len(manifesto)
    for r in sample[sample["doc_id"] == MANIFESTO].itertuples():
        covered[r.start:r.end] = [True] * (r.end - r.start)
    uncovered = [i for i, ch in enumerate(manifesto) if not ch.isspace() and not covered[i]]
    assert not uncovered, manifesto[uncovered[0]:uncovered[0] + 20]


def test_gold_codings_are_consistent(gold, sample, sample_corpus, codebook):
    assert list(gold.columns[: len(CODINGS_COLUMNS)]) == CODINGS_COLUMNS
    assert len(gold) > 0
    assert set(gold["coder"]) == {"gold_ja"}
    assert (gold["rule"] == "").all()
    assert (gold["memo"].str.strip() != "").all(), "every positive has a reason"
    problems = check_codings(gold, sample_corpus, codebook)
    assert problems.empty, problems.to_string()
    bounds = {(r.doc_id, r.segment_id): (r.start, r.end) for r in sample.itertuples()}
    for r in gold.itertuples():
        s, e = bounds[(r.doc_id, r.segment_id)]
        assert s <= r.start < r.end <= e, (r.doc_id, r.segment_id, r.code)
        assert sample_corpus.doc(r.doc_id).text[r.start:r.end] == r.quote
    assert not gold.duplicated(["doc_id", "segment_id", "code"]).any()


def test_readme_says_how_the_sample_was_drawn(sample, gold):
    text = " ".join((GOLD / "README.md").read_text(encoding="utf-8").split())
    assert "seed" in text.lower()
    # the README's counts are the files' counts, recomputed
    assert f"`sample.csv` lists all {len(sample)} sampled sentences" in text
    coded = gold[["doc_id", "segment_id"]].drop_duplicates()
    assert f"{len(gold)} codings on {len(coded)} of the {len(sample)} sentences" in text
    assert "gold_ja" in text


def test_rules_evaluated_on_the_gold_standard(corpus, gold, sample, sample_corpus, codebook):
    held = corpus.subset(sorted(set(sample["doc_id"])))
    auto = apply_codebook(held, codebook, unit="sentence")
    ev = evaluate_rules(gold, auto, unit="sentence", corpus=sample_corpus, codes=codebook.ids)
    assert ev["code"].tolist() == codebook.ids + [None, None]
    assert ev["level"].tolist() == ["code"] * len(codebook.ids) + ["micro", "macro"]
    assert ev.attrs["n_units"] == len(sample)
    per_code = ev.set_index("code").loc[codebook.ids]
    counts = gold.groupby("code").size()
    for code in codebook.ids:
        assert per_code.loc[code, "n_manual"] == counts.get(code, 0)
        assert per_code.loc[code, ["tp", "fp", "fn", "tn"]].sum() == len(sample)
    micro = ev.set_index("level").loc["micro"]
    assert micro["tp"] + micro["fn"] == len(gold)
