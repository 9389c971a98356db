"""The cycle collector's thresholds within and after fewer_collections."""

import gc
import threading

import pytest

from hsqual.gcpause import fewer_collections


@pytest.fixture(autouse=True)
def _thresholds():
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_raised_within_and_restored_after_nested_blocks_and_errors():
    gc.set_threshold(700, 10, 10)
    with fewer_collections(5_000):
        assert gc.get_threshold() == (5_000, 10, 10)
        with fewer_collections(3_000):  # never lowered by an inner block
            assert gc.get_threshold() == (5_000, 10, 10)
        assert gc.get_threshold() == (5_000, 10, 10)  # the outer block is still open
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(ValueError), fewer_collections(5_000):
        raise ValueError("inside")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_or_switched_off_threshold_is_left_alone():
    gc.set_threshold(50_000, 10, 10)
    with fewer_collections(5_000):
        assert gc.get_threshold() == (50_000, 10, 10)
    gc.set_threshold(0, 10, 10)  # automatic collection off: not switched on
    with fewer_collections(5_000):
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)


def test_overlapping_blocks_in_two_threads_restore_the_first_thresholds():
    gc.set_threshold(700, 10, 10)
    inside, release = threading.Event(), threading.Event()

    def other():
        with fewer_collections(5_000):
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    with fewer_collections(5_000):
        t.start()
        inside.wait(5)
    assert gc.get_threshold() == (5_000, 10, 10)  # the other thread's block is still open
    release.set()
    t.join()
    assert gc.get_threshold() == (700, 10, 10)


def test_apply_codebook_leaves_the_thresholds_as_they_were():
    import hsqual
    from hsqual.corpus import Corpus, Document
    from hsqual.codebook import Code, Codebook

    gc.set_threshold(700, 10, 10)
    cb = Codebook("t", [Code("fear", {"en": "Fear"}, rules={"en": ["fear"]})])
    df = hsqual.apply_codebook(Corpus([Document("d", "Fear is real.", {"language": "en"})]), cb)
    assert df["quote"].tolist() == ["Fear is real."]
    assert gc.get_threshold() == (700, 10, 10)
