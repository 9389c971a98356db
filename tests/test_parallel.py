"""Coding on every core and on a dask cluster gives the table coding in one process gives."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.corpus import Corpus, Document, Segment
from hsqual.apply import apply_codebook_parallel
from hsqual.errors import ArgumentError, OptionError
from hsqual.parallel import BATCH_CHARS, MIN_BATCH_CHARS, batch_size, split_corpus
from hsqual.resources import bundled_path

DIET = Path(__file__).parent / "data" / "diet"


@pytest.fixture(scope="module")
def codebook():
    return hsqual.load_codebooks(hsqual.bundled_codebooks())


@pytest.fixture(scope="module")
def corpus():
    """The bundled Japanese documents, the Diet meetings and an English interview: speakers,
    metadata columns only some documents have, two languages."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ja = hsqual.load_corpus(bundled_path("transcripts") / "ja")
        diet = hsqual.load_corpus(DIET)
    text = "Interviewer: What matters?\nInterviewee 4: Protecting people from violence and fear, and their dignity."
    en = Document("int04", text, {"language": "en", "sector": "NGO"})
    segs = [Segment("int04", 1, 13, 26, text[13:26], "Interviewer", "turn"),
            Segment("int04", 2, 42, len(text), text[42:], "Interviewee 4", "turn")]
    return Corpus([*ja.documents, en, *diet.documents], [*ja.segments, *segs, *diet.segments])


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs == b.attrs


def test_batches_cover_the_corpus_in_order(corpus):
    batches = split_corpus(corpus, batch_chars=3_000)
    assert len(batches) > 3
    assert [d for b in batches for d in b.doc_ids] == corpus.doc_ids
    assert sum(len(b.segments) for b in batches) == len(corpus.segments)
    assert all(set(b.doc("int04").meta) >= {"sector", "nameOfMeeting"} for b in batches if "int04" in b)


@given(st.integers(0, 10**9), st.integers(1, 64))
def test_default_batches_are_even_over_the_workers_and_as_large_as_allowed(total, workers):
    size = batch_size(total, workers)
    assert MIN_BATCH_CHARS <= size <= max(MIN_BATCH_CHARS, BATCH_CHARS)
    if size > MIN_BATCH_CHARS:  # the corpus is spread: each worker gets the same number of batches
        n = -(-total // size)
        assert n % workers == 0 and n // workers >= 2
        # and no more of them than keeps each within BATCH_CHARS: one fewer a worker is too large
        fewer = n // workers - 1
        assert fewer < 2 or -(-total // (workers * fewer)) > BATCH_CHARS


def test_batch_size_refuses_what_is_not_a_count():
    with pytest.raises(ArgumentError, match="n_workers must be a whole number of workers.*not 0"):
        batch_size(1_000, 0)
    with pytest.raises(ArgumentError, match="total_chars must be a whole number of characters, not -1"):
        batch_size(-1, 2)
    with pytest.raises(ArgumentError, match="n_workers must be a whole number of workers.*not True"):
        batch_size(1_000, True)
    with pytest.raises(ArgumentError, match="total_chars must be a whole number of characters, not 1000.0"):
        batch_size(1000.0, 2)


def test_the_pool_cuts_its_batches_by_batch_size_by_default(corpus, codebook, monkeypatch):
    import hsqual.parallel as par

    asked, cut = [], []
    real_size, real_split = par.batch_size, par.split_corpus
    monkeypatch.setattr(par, "batch_size", lambda total, workers: asked.append((total, workers)) or real_size(total, workers))
    monkeypatch.setattr(par, "split_corpus", lambda c, batch_chars: cut.append(batch_chars) or real_split(c, batch_chars=batch_chars))
    apply_codebook_parallel(corpus, codebook, unit="sentence", engine="local", n_jobs=3)
    assert asked == [(sum(len(d.text) for d in corpus.documents), 3)]
    assert cut == [real_size(*asked[0])]
    apply_codebook_parallel(corpus, codebook, unit="sentence", engine="local", batch_chars=4_000)  # given: used as it is
    assert len(asked) == 1 and cut[-1] == 4_000


def test_process_pool_gives_the_same_rows_in_the_same_order(corpus, codebook):
    one = hsqual.apply_codebook(corpus, codebook, unit="sentence")
    two = hsqual.apply_codebook(corpus, codebook, unit="sentence", n_jobs=2)  # through the hook
    assert len(one) > 40 and one["doc_id"].nunique() > 5
    _same(one, two)
    # many small batches, each unit a segment, the meeting headers left out
    opts = dict(unit="segment", exclude_speakers=["会議録情報"])
    one = hsqual.apply_codebook(corpus, codebook, **opts)
    two = apply_codebook_parallel(corpus, codebook, n_jobs=2, batch_chars=2_000, **opts)
    assert one.attrs["n_units_left_out"] == 3
    _same(one, two)


@pytest.mark.parametrize("opts", [
    dict(unit="sentence", speakers=["佐藤花子", "Interviewee 4"]),   # batches without either speaker
    dict(unit="document"),
    dict(unit="paragraph", language="ja"),                             # the English interview gets no rules
])
def test_batch_options_match_the_whole_corpus(corpus, codebook, opts):
    one = hsqual.apply_codebook(corpus, codebook, **opts)
    many = apply_codebook_parallel(corpus, codebook, engine="local", batch_chars=1_500, **opts)
    _same(one, many)


def test_meta_rules_mean_the_same_in_every_batch(corpus):
    cb = Codebook("demo", [
        Code(id="ngo", label={"en": "NGO", "ja": "NGO"}, rules={"en": ("meta:sector=NGO",), "ja": ("meta:sector=NGO",)}),
        Code(id="lower_house", label={"en": "House", "ja": "衆議院"},
             rules={"ja": ("人間の安全保障 AND meta:nameOfHouse=衆議院",)})])
    one = hsqual.apply_codebook(corpus, cb, unit="segment")
    many = apply_codebook_parallel(corpus, cb, unit="segment", engine="local", batch_chars=1_000)
    assert set(one["code"]) == {"ngo", "lower_house"}
    _same(one, many)
    with pytest.raises(hsqual.RuleSyntaxError, match="no document has a metadata column 'sectr'"):
        hsqual.apply_codebook(corpus, Codebook("x", [Code(id="a", label={"en": "a"}, rules={"en": ("meta:sectr=NGO",)})]),
                              n_jobs=2)


def test_dask_local_cluster_gives_the_same_table(corpus, codebook):
    import distributed  # the scale extra, part of the test extra
    one = hsqual.apply_codebook(corpus, codebook, unit="sentence", exclude_speakers="会議録情報")
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        passed = hsqual.apply_codebook(corpus, codebook, unit="sentence", exclude_speakers="会議録情報",
                                       engine="dask", client=client)
        active = apply_codebook_parallel(corpus, codebook, unit="sentence", exclude_speakers="会議録情報",
                                         engine="dask", batch_chars=4_000)  # the active client
    _same(one, passed)
    _same(one, active)


def test_bad_options(corpus, codebook):
    with pytest.raises(ValueError, match="n_jobs must be a whole number"):
        hsqual.apply_codebook(corpus, codebook, n_jobs=0)
    with pytest.raises(OptionError, match=r"\[E102\] apply_codebook: engine='spark' is not one of 'local', 'processes', 'dask'"):
        hsqual.apply_codebook(corpus, codebook, engine="spark")
    with pytest.raises(OptionError, match=r"\[E104\] apply_codebook_parallel: client= has no effect unless engine"):
        apply_codebook_parallel(corpus, codebook, engine="processes", client=None)
    with pytest.raises(ValueError, match="no segment of the corpus has the speaker 'Nobody'"):
        apply_codebook_parallel(corpus, codebook, speakers="Nobody")


def test_an_empty_result_keeps_the_columns(corpus):
    cb = Codebook("demo", [Code(id="none", label={"en": "x"}, rules={"ja": ("存在しない語句",)})])
    one = hsqual.apply_codebook(corpus, cb)
    many = apply_codebook_parallel(corpus, cb, engine="local", batch_chars=2_000)
    assert len(one) == 0
    _same(one, many)


def test_dask_without_a_cluster_uses_dask_processes(codebook):
    import distributed

    with pytest.raises(ValueError):
        distributed.get_client()  # no active client here: dask's own process scheduler codes the batches
    ja = hsqual.load_corpus(bundled_path("transcripts") / "ja")
    one = hsqual.apply_codebook(ja, codebook)
    many = apply_codebook_parallel(ja, codebook, engine="dask", batch_chars=5_000)
    assert len(split_corpus(ja, batch_chars=5_000)) == 2
    _same(one, many)
