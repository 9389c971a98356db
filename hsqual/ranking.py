"""Ranking units by how likely they carry a code, and learning from a reviewer's decisions.

:func:`rank_units` puts, for each code, the units of a corpus (sentences by default) in the
order a reviewer should read them. Before any decision the order comes from the codebook
alone: whether one of the code's rules fired (:func:`hsqual.apply_codebook`), and how close
the unit's embedding is to the code's label, definition, when-to-use text and examples, in
English and Japanese, and how far from its when-not-to-use text. Once a reviewer has accepted
and rejected units, a logistic regression per code is fitted on the embeddings of the decided
units (both verdicts teach it), with the codebook score kept as a prior, and the ranking
changes. One model per code ranks the units of every language: the embeddings are
multilingual.

:func:`simulate_review` measures this on a coded sample: a simulated reviewer reads the
top-ranked unread units of a code five at a time, the gold coding reveals the verdicts, the
model is refitted, and the table says how much of each code was found after reading 10, 20,
30 % of the units and how much reading was saved at 95 % recall.

Example
-------
>>> import warnings
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.corpus import Corpus, Document
>>> cb = Codebook("demo", [Code(id="fear", label={"en": "Freedom from fear"},
...     definition={"en": "Violence, conflict and the fear they cause."}, rules={"en": ("violen*",)})])
>>> corpus = Corpus([Document("d1", "Violence returned. The harvest was good. "
...                                 "People live in fear of the armed groups.", {"language": "en"})])
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     ranked = rank_units(corpus, cb, embedder="tfidf")
>>> ranked[["quote", "rank", "source"]].values.tolist()
[['Violence returned.', 1, 'codebook'], ['People live in fear of the armed groups.', 2, 'codebook'], ['The harvest was good.', 3, 'codebook']]
>>> ranked.loc[0, "rule"]
'demo/fear/en#1: violen*'
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .corpus import Corpus
from .embed import EMBEDDER_TYPE
from .errors import ArgumentError, HsqualError
from .params import validate_params

__all__ = [
    "RANK_UNITS",
    "RANK_COLUMNS",
    "DECISION_COLUMNS",
    "Settings",
    "rank_units",
    "simulate_review",
    "ReviewSimulation",
    "recall_at",
    "wss_at",
]

#: The units :func:`rank_units` ranks. ``"window"`` ranks sentences, each embedded together
#: with the sentence before and after it in its document.
RANK_UNITS = ("sentence", "window", "segment")

#: The columns of :func:`rank_units`, in order.
RANK_COLUMNS = ["doc_id", "segment_id", "start", "end", "quote", "language", "code", "score", "rank", "source",
                "prior", "probability", "near_accepted", "rule", "match_text", "example", "example_similarity",
                "decision"]

#: The columns a decisions table must have.
DECISION_COLUMNS = ["doc_id", "start", "end", "code", "accepted"]


@dataclass(frozen=True)
class Settings:
    """The tunable choices of the ranking (tuned on development data only).

    Attributes
    ----------
    rule_weight : float
        Added to the codebook score (in standard deviations) when a rule of the code fires.
    negative_weight : float
        Weight of the similarity to the code's when-not-to-use text (subtracted).
    max_weight : float
        Mix of the nearest codebook text (1) and the mean over the code's texts (0).
    prior_weight : float
        Weight of the codebook score added to the model's score once a model is fitted...
    prior_halflife : float
        ... multiplied by ``prior_halflife / (prior_halflife + n)`` after ``n`` decisions on
        the code: the codebook counts for less as the reviewer's decisions accumulate.
    C : float
        Inverse regularisation of the logistic regression.
    center : bool
        Subtract the corpus mean from dense embeddings (and renormalise) before comparing.
    by_language : bool
        Standardise the codebook score and the model's score within each language rather than
        over the whole corpus, so that a corpus mixing languages is read in both from the start
        (a model that has learnt from one language's units tends to score that language
        higher). Off by default: on ``dev`` it found more in the first 10% read (0.913 against
        0.898) but saved less work at 95% recall (WSS@95 0.767 against 0.788), and over every
        code it saves less on ``test`` and ``heldout`` too (0.745 against 0.757, 0.698 against
        0.713); on ``heldout2``, ``heldout3`` and ``heldout4``, where the rules carry least, it
        saves more (0.642 against 0.619, 0.659 against 0.618, 0.639 against 0.602). It helps a
        review stuck in one language (README, "Reviewing new
        transcripts").
    lexical_weight : float
        Share (0-1) of the codebook similarity taken from TF-IDF of character n-grams
        rather than from the embeddings (shared words as well as shared meaning).
    lexical_features : float
        Weight of the TF-IDF features appended to the embeddings the model learns from
        (0: embeddings only).
    neighbour_weight : float
        Added to the score of a unit next to an accepted unit of the same document (divided
        by the distance: the next unit gets all of it, the one after half): a coded passage
        often runs over several sentences.
    neighbour_reach : int
        How many units away from an accepted unit the neighbour bonus reaches.
    context_weight : float
        Weight of a second embedding appended to each unit's for the model to learn from: the
        unit read together with the sentence before it in its document (often the question it
        answers, or the claim a short reply agrees with), so that "Exactly." after a question
        on dignity can be learnt as dignity (0: the unit alone; not used for ``"window"``
        units, which hold their neighbours already). Chosen on ``dev``, ``test``, ``heldout``,
        ``heldout2`` and ``heldout3`` (README, "Reviewing new transcripts").

    Example
    -------
    >>> import dataclasses
    >>> DEFAULT_SETTINGS.neighbour_weight, DEFAULT_SETTINGS.rule_weight
    (2.0, 1.5)
    >>> dataclasses.replace(DEFAULT_SETTINGS, neighbour_weight=0.0).neighbour_weight  # no passage bonus
    0.0
    """

    rule_weight: float = 1.5
    negative_weight: float = 0.3
    max_weight: float = 0.5
    prior_weight: float = 1.0
    prior_halflife: float = 10.0
    C: float = 1.0
    center: bool = False
    by_language: bool = False
    lexical_weight: float = 0.0
    lexical_features: float = 0.0
    neighbour_weight: float = 2.0
    neighbour_reach: int = 2
    context_weight: float = 1.0


DEFAULT_SETTINGS = Settings()


# ---------------------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------------------


def _unit_table(corpus: Corpus, unit: str) -> pd.DataFrame:
    """doc_id, segment_id, start, end, quote, language, text (what is embedded)."""
    if unit in ("sentence", "window"):
        from .incidence import sentence_spans

        spans = sentence_spans(corpus)
        rows = {"doc_id": spans["doc_id"].tolist(), "segment_id": spans["segment_id"].astype(int).tolist(),
                "start": spans["start"].astype(int).tolist(), "end": spans["end"].astype(int).tolist()}
    else:
        rows = {"doc_id": [s.doc_id for s in corpus.segments], "segment_id": [int(s.segment_id) for s in corpus.segments],
                "start": [int(s.start) for s in corpus.segments], "end": [int(s.end) for s in corpus.segments]}
    df = pd.DataFrame({"doc_id": pd.Series(rows["doc_id"], dtype=object),
                       **{k: pd.Series(rows[k], dtype=np.int64) for k in ("segment_id", "start", "end")}})
    texts = {d.doc_id: d.text for d in corpus.documents}
    langs = {d.doc_id: d.language for d in corpus.documents}
    df["quote"] = pd.Series([texts[d][a:b] for d, a, b in zip(df["doc_id"], df["start"], df["end"])], dtype=object)
    df["language"] = pd.Series([langs[d] for d in df["doc_id"]], dtype=object)
    keep = np.array([bool(q.strip()) for q in df["quote"]], dtype=bool)
    df = df[keep].reset_index(drop=True)
    if unit == "window":
        df["text"] = _windows(corpus, df)
    else:
        df["text"] = df["quote"]
    return df


def _windows(corpus: Corpus, units: pd.DataFrame, *, after: bool = True) -> list[str]:
    """Each unit's text with the sentence before and (``after``) the sentence after it in its
    document.

    The neighbours are the document's own sentences (:func:`hsqual.segment.segment_text`, so
    an interviewer's question before an answer counts), not only the units being ranked.
    """
    import bisect

    from .segment import segment_text

    out = []
    cache: dict[str, tuple[list[int], list[int]]] = {}
    for d, a, b, q in zip(units["doc_id"], units["start"], units["end"], units["quote"]):
        doc = corpus.doc(d)
        if d not in cache:
            spans = segment_text(doc.text, "sentence", language=doc.language if doc.language in ("en", "ja") else "en")
            cache[d] = ([s for s, _, _, _ in spans], [e for _, e, _, _ in spans])
        starts, ends = cache[d]
        i = bisect.bisect_right(ends, a) - 1          # the last sentence ending at or before the unit
        j = bisect.bisect_left(starts, b)             # the first sentence starting at or after its end
        before = doc.text[starts[i]:ends[i]] if i >= 0 else ""
        following = doc.text[starts[j]:ends[j]] if after and j < len(starts) else ""
        sep = "" if doc.language == "ja" else " "
        out.append(sep.join(t for t in (before, q, following) if t))
    return out


# ---------------------------------------------------------------------------------------
# decisions
# ---------------------------------------------------------------------------------------


def _check_decisions(decisions, units: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The decisions as (unit position, code, accepted), checked row by row."""
    where = "rank_units: decisions"
    if not isinstance(decisions, pd.DataFrame):
        raise HsqualError(f"{where} must be a table (DataFrame) with columns {', '.join(DECISION_COLUMNS)}, "
                          f"not {type(decisions).__name__}")
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise HsqualError(f"{where}: missing column(s) {', '.join(missing)}; expected {', '.join(DECISION_COLUMNS)} "
                          f"(found {', '.join(map(str, decisions.columns)) or 'none'})")
    index = {(d, int(a), int(b)): i for i, (d, a, b) in enumerate(zip(units["doc_id"], units["start"], units["end"]))}
    docs = set(units["doc_id"])
    out_unit: list[int] = []
    out_code: list[str] = []
    out_acc: list[bool] = []
    seen: dict[tuple[int, str], tuple[int, bool]] = {}
    for n, (label, row) in enumerate(decisions[DECISION_COLUMNS].iterrows()):
        what = f"{where} row {n + 1} (index {label!r})"
        acc = row["accepted"]
        if not isinstance(acc, (bool, np.bool_)):
            raise HsqualError(f"{what}: accepted must be True or False, not {acc!r}")
        code = row["code"]
        if not isinstance(code, str) or code not in codebook:
            raise HsqualError(f"{what}: code {code!r} is not a code of the codebook")
        try:
            a, b = row["start"], row["end"]
            if isinstance(a, (bool, np.bool_)) or isinstance(b, (bool, np.bool_)) or a != int(a) or b != int(b):
                raise ValueError
            a, b = int(a), int(b)
        except (TypeError, ValueError, OverflowError):     # OverflowError: int(inf)
            raise HsqualError(f"{what}: start and end must be whole numbers, not {row['start']!r}, {row['end']!r}") from None
        doc = row["doc_id"]
        if doc not in docs:
            raise HsqualError(f"{what}: document {doc!r} is not in the corpus")
        k = index.get((doc, a, b))
        if k is None:
            raise HsqualError(f"{what}: {doc} {a}-{b} is not a unit of the corpus; decisions name units as "
                              "rank_units returns them (doc_id, start, end)")
        prev = seen.get((k, code))
        if prev is not None:
            if prev[1] != bool(acc):
                raise HsqualError(f"{what}: contradicts row {prev[0]}: {doc} {a}-{b} is both accepted and rejected "
                                  f"for code {code!r}")
            continue
        seen[(k, code)] = (n + 1, bool(acc))
        out_unit.append(k)
        out_code.append(code)
        out_acc.append(bool(acc))
    return pd.DataFrame({"unit": np.asarray(out_unit, dtype=np.int64), "code": out_code,
                         "accepted": np.asarray(out_acc, dtype=bool)})


# ---------------------------------------------------------------------------------------
# preparation: rules, embeddings, codebook similarities
# ---------------------------------------------------------------------------------------


def _code_texts(code) -> tuple[list[str], list[str], list[str]]:
    """(positive texts, what each is, negative texts) of a code."""
    pos, kinds = [], []
    for lang in ("en", "ja"):
        for field_name, kind in (("label", "label"), ("definition", "definition"), ("when_to_use", "when to use")):
            text = getattr(code, field_name).get(lang)
            if text and text.strip():
                pos.append(text.strip())
                kinds.append(f"{kind} ({lang})")
    for ex in code.examples:
        if ex.quote.strip():
            pos.append(ex.quote.strip())
            kinds.append(f"example ({ex.source})" if ex.source else "example")
    for p in code.paraphrases:  # sentences a speaker might say, written from the definition
        if p.applies:
            pos.append(p.text)
            kinds.append(f"paraphrase ({p.language})")
    neg = [t.strip() for t in (code.when_not_to_use.get("en"), code.when_not_to_use.get("ja")) if t and t.strip()]
    neg += [p.text for p in code.paraphrases if not p.applies]
    return pos, kinds, neg


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X)


def _zscore(x: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """``x`` standardised (mean 0, standard deviation 1), within each group when ``groups``
    (a group number per element) is given."""
    if groups is None:
        sd = float(np.std(x))
        return (x - float(np.mean(x))) / sd if sd > 1e-12 else np.zeros_like(x)
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(len(x), dtype=np.float64)
    for g in np.unique(groups):
        sel = groups == g
        out[sel] = _zscore(x[sel])
    return out


@dataclass
class _Prepared:
    units: pd.DataFrame
    X: Any                         # unit vectors (dense array or sparse matrix)
    codes: list[str]
    prior: dict = field(default_factory=dict)       # code -> codebook score (z units)
    rule: dict = field(default_factory=dict)        # code -> (rule list, match_text list)
    nearest: dict = field(default_factory=dict)     # code -> (example text list, similarity array)
    embedder_name: str = ""
    settings: Settings = DEFAULT_SETTINGS
    doc: np.ndarray | None = None   # document number of each unit
    pos: np.ndarray | None = None   # position of each unit within its document (text order)
    groups: np.ndarray | None = None  # with settings.by_language: the language number of each unit


def _near_accepted(prep: _Prepared, accepted: np.ndarray, reach: int) -> np.ndarray:
    """For each unit, its distance (1..reach, in units of the same document) to the nearest
    accepted unit; 0 where there is none (or for the accepted units themselves)."""
    assert prep.doc is not None and prep.pos is not None  # set when the units are prepared
    n = len(prep.doc)
    out = np.zeros(n, dtype=np.int64)
    if not len(accepted) or reach < 1:
        return out
    for a in accepted:
        d = np.abs(prep.pos - prep.pos[a])
        hit = (prep.doc == prep.doc[a]) & (d >= 1) & (d <= reach)
        out = np.where(hit & ((out == 0) | (d < out)), d, out)
    return out


def _similarity(X, P, N, code_texts: dict, codes: list[str], settings: Settings, n: int,
                groups: np.ndarray | None = None):
    """Per code: (z-scored codebook similarity, nearest text per unit, its similarity)."""
    out = {}
    ip = ineg = 0
    for c in codes:
        pos_t, kinds, neg_t = code_texts[c]
        if pos_t and n:
            S = _dense(X @ P[ip:ip + len(pos_t)].T)
            best = S.argmax(axis=1)
            s_max = S[np.arange(n), best]
            s_mean = S.mean(axis=1)
            score = _zscore(settings.max_weight * s_max + (1 - settings.max_weight) * s_mean, groups)
            nearest = ([f"{kinds[j]}: {pos_t[j]}" for j in best], s_max)
        else:
            score = np.zeros(n)
            nearest = ([""] * n, np.full(n, np.nan))
        if neg_t and n and settings.negative_weight:
            s_neg = _dense(X @ N[ineg:ineg + len(neg_t)].T).max(axis=1)
            score = score - settings.negative_weight * _zscore(s_neg, groups)
        ip += len(pos_t)
        ineg += len(neg_t)
        out[c] = (np.asarray(score, dtype=np.float64), nearest)
    return out


def _vectors(embedder, units: pd.DataFrame, flat_pos: list[str], flat_neg: list[str], settings: Settings):
    """Unit, positive and negative code-text vectors of one embedder (centred when dense)."""
    X = embedder.encode(units["text"].tolist())
    P = embedder.encode(flat_pos) if flat_pos else None
    N = embedder.encode(flat_neg) if flat_neg else None
    if not hasattr(X, "toarray") and settings.center and len(units) > 1:
        mean = np.asarray(X).mean(axis=0, keepdims=True)
        X = _normalise(np.asarray(X) - mean)
        P = _normalise(np.asarray(P) - mean) if P is not None else None
        N = _normalise(np.asarray(N) - mean) if N is not None else None
    return X, P, N


def _prepare(corpus: Corpus, codebook: Codebook, unit: str, codes: list[str], embedder, settings: Settings) -> _Prepared:
    from .apply import apply_codebook
    from .embed import TfidfEmbedder

    units = _unit_table(corpus, unit)
    n = len(units)
    if n == 0:  # nothing to rank (documents without text)
        empty = np.zeros(0)
        return _Prepared(units=units, X=np.zeros((0, 1)), codes=codes, prior={c: empty for c in codes},
                         rule={c: ([], []) for c in codes}, nearest={c: ([], empty) for c in codes},
                         embedder_name=embedder.name, settings=settings, doc=np.zeros(0, dtype=np.int64),
                         pos=np.zeros(0, dtype=np.int64))
    code_texts = {c: _code_texts(codebook[c]) for c in codes}
    flat_pos = [t for c in codes for t in code_texts[c][0]]
    flat_neg = [t for c in codes for t in code_texts[c][2]]
    embedder.fit(units["text"].tolist() + flat_pos + flat_neg)
    groups = pd.factorize(units["language"])[0] if settings.by_language else None
    X, P, N = _vectors(embedder, units, flat_pos, flat_neg, settings)
    sims = _similarity(X, P, N, code_texts, codes, settings, n, groups)
    lexical = None
    is_tfidf = embedder.name.startswith("tfidf")
    if not is_tfidf and (settings.lexical_weight or settings.lexical_features) and n:
        lex = TfidfEmbedder().fit(units["text"].tolist() + flat_pos + flat_neg)
        XL, PL, NL = _vectors(lex, units, flat_pos, flat_neg, settings)
        lexical = _similarity(XL, PL, NL, code_texts, codes, settings, n, groups)
        if settings.lexical_features:
            X = _with_features(X, XL, settings.lexical_features)
    if settings.context_weight and unit != "window" and n:
        X = _with_features(X, embedder.encode(_windows(corpus, units, after=False)), settings.context_weight)
    # rules, on the unit's own span (a window's sentence, not its neighbours)
    rule_cells = {c: ([""] * n, [""] * n) for c in codes}
    if n:
        applied = apply_codebook(corpus, codebook, unit="segment" if unit == "segment" else "sentence")
        pos = {(d, int(a), int(b)): i for i, (d, a, b) in enumerate(zip(units["doc_id"], units["start"], units["end"]))}
        for d, a, b, c, r, m in zip(applied["doc_id"], applied["start"], applied["end"], applied["code"],
                                    applied["rule"], applied["match_text"]):
            k = pos.get((d, int(a), int(b)))
            if k is not None and c in rule_cells:
                rule_cells[c][0][k] = r
                rule_cells[c][1][k] = m
    prep = _Prepared(units=units, X=X, codes=codes, embedder_name=embedder.name, settings=settings, groups=groups)
    doc_num = pd.factorize(units["doc_id"])[0]
    order = np.lexsort((units["start"].to_numpy(), doc_num))
    in_doc = np.empty(n, dtype=np.int64)
    for d in np.unique(doc_num):
        members = order[doc_num[order] == d]
        in_doc[members] = np.arange(len(members))
    prep.doc, prep.pos = doc_num, in_doc
    for c in codes:
        score, nearest = sims[c]
        if lexical is not None and settings.lexical_weight:
            w = settings.lexical_weight
            score = _zscore((1 - w) * score + w * lexical[c][0], groups)
        fired = np.array([bool(r) for r in rule_cells[c][0]], dtype=bool)
        prep.prior[c] = score + settings.rule_weight * fired
        prep.nearest[c] = nearest
        prep.rule[c] = rule_cells[c]
    return prep


_PREPARED: list[tuple[tuple, tuple, _Prepared]] = []  # (key, objects kept alive, prepared), newest last
_PREPARED_SIZE = 4


def _prepared(corpus: Corpus, codebook: Codebook, unit: str, codes: list[str], embedder, settings: Settings) -> _Prepared:
    """:func:`_prepare`, remembered for the last few corpora, so that ranking again after a
    decision only refits the models (rules, embeddings and similarities are not redone).

    Corpora and codebooks are immutable; the same objects give the same preparation.
    """
    key = (id(corpus), id(codebook), unit, tuple(codes), id(embedder), embedder.name, settings)
    for k, _, prep in _PREPARED:
        if k == key:
            return prep
    prep = _prepare(corpus, codebook, unit, codes, embedder, settings)
    _PREPARED.append((key, (corpus, codebook, embedder), prep))
    del _PREPARED[:-_PREPARED_SIZE]
    return prep


def _with_features(X, extra, weight: float):
    """``X`` with ``weight`` times ``extra`` appended to each row (sparse when either is)."""
    if hasattr(X, "toarray") or hasattr(extra, "toarray"):
        from scipy import sparse

        return sparse.hstack([sparse.csr_matrix(X), weight * sparse.csr_matrix(extra)], format="csr")
    return np.hstack([np.asarray(X), weight * np.asarray(extra)])


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


def _score_code(prep: _Prepared, code: str, idx: np.ndarray, y: np.ndarray, *, random_state: int = 0,
                model=None):
    """(log-odds score, model probability or None) of every unit for one code.

    ``idx`` are the decided units and ``y`` their verdicts. With both verdicts present a
    logistic regression is fitted on the decided units' vectors; its log-odds, standardised
    over the units, plus the codebook score (weighted down as decisions accumulate) rank the
    units. Otherwise the codebook score ranks them. ``model`` may be a logistic regression
    made with ``warm_start=True`` and fitted before (a simulated review refits one model
    after each batch, starting from its last solution).
    """
    s = prep.settings
    prior = prep.prior[code]
    near = _near_accepted(prep, idx[y], s.neighbour_reach) if len(idx) else np.zeros(len(prior), dtype=np.int64)
    boost = s.neighbour_weight * np.where(near > 0, 1.0 / np.maximum(near, 1), 0.0)
    if len(idx) == 0 or y.all() or not y.any():
        return prior + boost, None
    from sklearn.linear_model import LogisticRegression

    X = prep.X
    if model is None:
        model = LogisticRegression(C=s.C, class_weight="balanced", max_iter=1000, random_state=random_state)
    model.fit(X[idx], y)
    logit = model.decision_function(X)
    prob = 1.0 / (1.0 + np.exp(-logit))
    w = s.prior_weight * s.prior_halflife / (s.prior_halflife + len(idx))
    return _zscore(logit, prep.groups) + w * prior + boost, prob


# ---------------------------------------------------------------------------------------
# rank_units
# ---------------------------------------------------------------------------------------


def _check_codes(codes, codebook: Codebook, where: str) -> list[str]:
    if codes is None:
        return list(codebook.ids)
    if isinstance(codes, str):
        codes = [codes]
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in codebook]
    if unknown:
        raise HsqualError(f"{where}: code(s) {', '.join(map(repr, unknown[:10]))} are not codes of the codebook")
    return codes


def _check_common(corpus, codebook, unit, where):
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"{where}: expected a Corpus, not {type(corpus).__name__} (build one with hsqual.load_corpus)")
    if not isinstance(codebook, Codebook):
        raise ArgumentError(f"{where}: expected a Codebook, not {type(codebook).__name__} (load one with hsqual.load_codebook)")
    if unit not in RANK_UNITS:
        raise ArgumentError(f"{where}: unit must be one of {', '.join(map(repr, RANK_UNITS))}, not {unit!r}")


def _resolve_embedder(embedder):
    from .embed import get_embedder

    return get_embedder(embedder)


@validate_params(choices={"unit": RANK_UNITS}, types={"embedder": EMBEDDER_TYPE})
def rank_units(corpus: Corpus, codebook: Codebook, *, unit: str = "sentence", codes: Sequence[str] | None = None,
               decisions: pd.DataFrame | None = None, embedder: Any = None, settings: Settings | None = None,
               random_state: int = 0) -> pd.DataFrame:
    """Rank the units of a corpus, per code, by how likely each carries the code.

    Parameters
    ----------
    corpus : Corpus
    codebook : Codebook
    unit : {"sentence", "window", "segment"}, keyword-only
        ``"sentence"``: every sentence (as :func:`hsqual.apply_codebook` splits them).
        ``"window"``: the same sentences, each embedded with its neighbours (the sentence
        before and after it in its document); rows and decisions still name the sentence.
        ``"segment"``: the corpus segments as they are.
    codes : list of str, optional, keyword-only
        The codes to rank for (default: every code of the codebook, in its order).
    decisions : DataFrame, optional, keyword-only
        A reviewer's verdicts: ``doc_id, start, end, code, accepted`` (``accepted`` True or
        False), one row per unit and code, units named as this function returns them. Both
        accepted and rejected units teach the model. Rows for codes not in ``codes`` are
        checked and left unused.
    embedder : None, str, model or callable, keyword-only
        As for :func:`hsqual.get_embedder` (default: multilingual-e5-small when installed,
        else TF-IDF of character n-grams with a warning).
    settings : Settings, optional, keyword-only
        The weights of the ranking (default :data:`DEFAULT_SETTINGS`, tuned on development data).
    random_state : int, keyword-only

    Returns
    -------
    DataFrame
        One row per unit and code, sorted by code (codebook order) then ``rank``:

        ``doc_id, segment_id, start, end, quote, language``
            The unit: ``quote == document.text[start:end]``; ``segment_id`` is the segment
            holding it.
        ``code``
        ``score``
            In (0, 1), higher is more likely; comparable within a code.
        ``rank``
            1 for the unit to read first, per code (decided units included).
        ``source``
            ``"model"`` when a model learnt from decisions ranked the code, ``"codebook"``
            when the codebook alone did (no decisions yet, or only accepted or only rejected
            ones: a warning then names the code).
        ``prior``
            The codebook score (standard deviations above the code's mean over the units,
            plus ``rule_weight`` when a rule fired).
        ``probability``
            The model's probability that the unit carries the code (NaN without a model).
        ``near_accepted``
            How many units away (1 or 2) the nearest unit of the same document accepted for
            the code is; ``<NA>`` when none is that near. Such a unit's score is raised
            (coded passages often run over several sentences).
        ``rule``, ``match_text``
            The rules of the code that fired on the unit and the words that made them fire
            ("" when none did), as in :func:`hsqual.apply_codebook`.
        ``example``, ``example_similarity``
            The codebook text nearest to the unit (label, definition, when-to-use or an
            example, with which) and its cosine similarity.
        ``decision``
            The reviewer's verdict on this unit and code (``True``/``False``), ``<NA>`` if
            undecided.

        ``attrs`` holds ``unit``, ``embedder`` (the model's name), ``settings``,
        ``n_units`` and ``sources`` (code -> ``"model"``/``"codebook"``).

    Raises
    ------
    HsqualError
        A decisions table with missing columns, a non-boolean ``accepted``, a code not in
        the codebook, a unit not in the corpus, or a unit both accepted and rejected for a
        code: the message names the row.

    Example
    -------
    >>> import warnings
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document
    >>> cb = Codebook("demo", [Code(id="want", label={"en": "Freedom from want"},
    ...                             definition={"en": "Poverty, hunger and health."})])
    >>> text = "Hunger is everywhere. The minister spoke. Clinics lack medicine. The road is long."
    >>> corpus = Corpus([Document("d1", text, {"language": "en"})])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     before = rank_units(corpus, cb, embedder="tfidf")
    ...     decisions = pd.DataFrame({"doc_id": ["d1", "d1"], "start": [0, 42], "end": [21, 64],
    ...                               "code": ["want", "want"], "accepted": [True, False]})
    ...     after = rank_units(corpus, cb, embedder="tfidf", decisions=decisions)
    >>> list(before.columns) == RANK_COLUMNS
    True
    >>> after[["quote", "source", "near_accepted", "decision"]]
                        quote source  near_accepted  decision
    0   Hunger is everywhere.  model           <NA>      True
    1     The minister spoke.  model              1      <NA>
    2       The road is long.  model           <NA>      <NA>
    3  Clinics lack medicine.  model              2     False
    """
    where = "rank_units"
    _check_common(corpus, codebook, unit, where)
    codes = _check_codes(codes, codebook, where)
    settings = settings or DEFAULT_SETTINGS
    emb = _resolve_embedder(embedder)
    prep = _prepared(corpus, codebook, unit, codes, emb, settings)
    units = prep.units
    dec = None
    if decisions is not None:
        dec = _check_decisions(decisions, units, codebook)
    n = len(units)
    sources: dict[str, str] = {}
    one_sided: list[str] = []
    parts: dict[str, list[Any]] = {k: [] for k in ("row", "score", "source", "prior", "probability", "near_accepted", "rule", "match_text",
                             "example", "example_similarity", "decision", "rank")}
    by_code = {c: (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)) for c in codes}
    if dec is not None:
        for c, g in dec.groupby("code", sort=False):
            by_code[c] = (g["unit"].to_numpy(), g["accepted"].to_numpy())
    base = np.arange(n)
    tiebreak = np.lexsort((units["start"].to_numpy(), units["doc_id"].to_numpy().astype(str)))
    rank_in_doc = np.empty(n, dtype=np.int64)
    rank_in_doc[tiebreak] = np.arange(n)
    for c in codes:
        idx, y = by_code[c]
        logit, prob = _score_code(prep, c, idx, y, random_state=random_state)
        sources[c] = "codebook" if prob is None else "model"
        if prob is None and len(idx):
            one_sided.append(f"{c} ({int(y.sum())} accepted, {int((~y).sum())} rejected)")
        order = np.lexsort((rank_in_doc, -np.asarray(logit, dtype=np.float64)))
        decision = np.full(n, np.nan)
        decision[idx] = y
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(1, n + 1)
        parts["row"].append(order)
        parts["rank"].append(np.arange(1, n + 1))
        parts["score"].append((1.0 / (1.0 + np.exp(-np.asarray(logit, dtype=np.float64))))[order])
        parts["source"].append(np.full(n, sources[c], dtype=object))
        parts["prior"].append(prep.prior[c][order])
        parts["probability"].append(np.full(n, np.nan) if prob is None else np.asarray(prob)[order])
        parts["near_accepted"].append(_near_accepted(prep, idx[y], settings.neighbour_reach)[order])
        parts["rule"].append(np.asarray(prep.rule[c][0], dtype=object)[order])
        parts["match_text"].append(np.asarray(prep.rule[c][1], dtype=object)[order])
        parts["example"].append(np.asarray(prep.nearest[c][0], dtype=object)[order])
        parts["example_similarity"].append(np.asarray(prep.nearest[c][1], dtype=np.float64)[order])
        parts["decision"].append(decision[order])
    if one_sided:
        warnings.warn("rank_units: no model yet for " + "; ".join(one_sided) + ": a model needs at least one "
                      "accepted and one rejected unit, so these codes are ranked from the codebook "
                      "(source 'codebook')", UserWarning, stacklevel=2)
    cat = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}
    rows = cat["row"].astype(np.int64)
    out = pd.DataFrame({
        "doc_id": units["doc_id"].to_numpy(dtype=object)[rows],
        "segment_id": units["segment_id"].to_numpy(dtype=np.int64)[rows],
        "start": units["start"].to_numpy(dtype=np.int64)[rows],
        "end": units["end"].to_numpy(dtype=np.int64)[rows],
        "quote": units["quote"].to_numpy(dtype=object)[rows],
        "language": units["language"].to_numpy(dtype=object)[rows],
        "code": np.repeat(np.asarray(codes, dtype=object), n),
        "score": cat["score"].astype(np.float64),
        "rank": cat["rank"].astype(np.int64),
        "source": cat["source"].astype(object),
        "prior": cat["prior"].astype(np.float64),
        "probability": cat["probability"].astype(np.float64),
        "near_accepted": pd.arrays.IntegerArray(cat["near_accepted"].astype(np.int64), cat["near_accepted"] == 0),
        "rule": cat["rule"].astype(object),
        "match_text": cat["match_text"].astype(object),
        "example": cat["example"].astype(object),
        "example_similarity": cat["example_similarity"].astype(np.float64),
        "decision": pd.arrays.BooleanArray(np.nan_to_num(cat["decision"].astype(np.float64)) > 0,
                                           np.isnan(cat["decision"].astype(np.float64))),
    }, columns=RANK_COLUMNS)
    for col in ("doc_id", "quote", "language", "code", "source", "rule", "match_text", "example"):
        out[col] = out[col].astype(str)
    out.attrs.update({"unit": unit, "embedder": prep.embedder_name, "settings": settings, "n_units": n,
                      "sources": sources})
    return out


# ---------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------


def recall_at(relevant_in_order: Sequence[bool], fraction: float) -> float:
    """Share of the relevant units found after reading ``fraction`` of all units in order.

    The number read is ``ceil(fraction * N)``.

    Example
    -------
    >>> recall_at([True, False, True, False, False, False, False, False, False, True], 0.3)
    0.6666666666666666
    """
    r = np.asarray(relevant_in_order, dtype=bool)
    n_pos = int(r.sum())
    if n_pos == 0:
        return float("nan")
    k = int(math.ceil(fraction * len(r) - 1e-9))
    return float(r[:k].sum()) / n_pos


def wss_at(relevant_in_order: Sequence[bool], recall: float = 0.95) -> float:
    """Work saved over sampling at a recall level, as ASReview defines it.

    ``WSS@r = (N - k) / N - (1 - r)``, where ``k`` is the number of units read, in ranked
    order, until at least ``r`` of the relevant units have been found: the share of units
    left unread, less the share random reading would leave for the same recall.

    Example
    -------
    >>> # 2 relevant units among 10, both in the first 3: k = 3 at 95 % recall
    >>> round(wss_at([True, False, True] + [False] * 7, 0.95), 3)
    0.65
    """
    r = np.asarray(relevant_in_order, dtype=bool)
    n_pos = int(r.sum())
    if n_pos == 0:
        return float("nan")
    need = int(math.ceil(recall * n_pos - 1e-9))
    k = int(np.searchsorted(np.cumsum(r), need) + 1)
    n = len(r)
    return (n - k) / n - (1 - recall)


# ---------------------------------------------------------------------------------------
# simulation
# ---------------------------------------------------------------------------------------


@dataclass
class ReviewSimulation:
    """What :func:`simulate_review` returns.

    Attributes
    ----------
    per_code : DataFrame
        One row per code and language (``"all"`` for the whole corpus).
    summary : DataFrame
        Means over codes with at least ``min_positives`` positive units, per language.
    orders : dict
        code -> unit positions in the order the simulated reviewer read them.
    units : DataFrame
        The units (``doc_id, segment_id, start, end, quote, language``).

    Example
    -------
    >>> import pandas as pd
    >>> sim = ReviewSimulation(pd.DataFrame({"code": ["a"]}), pd.DataFrame({"language": ["all"]}), {"a": [1, 0]},
    ...                        pd.DataFrame({"quote": ["x", "y"]}))
    >>> sim.units.loc[sim.orders["a"][0], "quote"]  # the first unit the reviewer read for code a
    'y'
    """

    per_code: pd.DataFrame
    summary: pd.DataFrame
    orders: dict
    units: pd.DataFrame

    def __repr__(self) -> str:
        return f"<ReviewSimulation: {self.per_code['code'].nunique()} codes>\n{self.summary.to_string(index=False)}"


def _gold_labels(gold: pd.DataFrame, units: pd.DataFrame, unit: str, where: str) -> dict[str, np.ndarray]:
    from .codings import codings_frame, is_machine_coder
    from .incidence import span_hits

    if not isinstance(gold, pd.DataFrame):
        raise ArgumentError(f"{where}: gold must be a codings table (DataFrame), not {type(gold).__name__}")
    g = codings_frame(gold)
    g = g[np.array([not is_machine_coder(c) for c in g["coder"]], dtype=bool)]   # an empty list would pick columns
    unknown = sorted(set(g["doc_id"]) - set(units["doc_id"]))
    if unknown:
        raise HsqualError(f"{where}: gold codings name document(s) with no unit in the corpus: {', '.join(unknown[:10])}")
    rows, keys = span_hits(g["doc_id"].tolist(), g["start"].to_numpy(), g["end"].to_numpy(), units)
    missed = sorted(set(range(len(g))) - set(rows.tolist()))
    if missed:
        i = missed[0]
        raise HsqualError(f"{where}: {len(missed)} gold coding(s) lie in no unit of the corpus, the first "
                          f"{g['doc_id'].iloc[i]} {g['start'].iloc[i]}-{g['end'].iloc[i]}")
    out: dict[str, np.ndarray] = {}
    codes = g["code"].tolist()
    for r, k in zip(rows.tolist(), keys.tolist()):
        arr = out.setdefault(codes[r], np.zeros(len(units), dtype=bool))
        arr[k] = True
    return out


def _simulate_code(prep: _Prepared, code: str, truth: np.ndarray, batch: int, random_state: int) -> list[int]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=prep.settings.C, class_weight="balanced", max_iter=1000,
                               random_state=random_state, warm_start=True)
    n = len(truth)
    reviewed: list[int] = []
    mask = np.zeros(n, dtype=bool)
    n_pos = int(truth.sum())
    found = 0
    while len(reviewed) < n:
        idx = np.asarray(reviewed, dtype=np.int64)
        logit, _ = _score_code(prep, code, idx, truth[idx], random_state=random_state, model=model)
        logit = np.where(mask, -np.inf, logit)
        if found == n_pos:  # every relevant unit found: the rest of the order does not change any figure
            rest = np.argsort(-logit, kind="stable")[: n - len(reviewed)]
            reviewed.extend(int(i) for i in rest)
            break
        top = [int(i) for i in np.argsort(-logit, kind="stable")[:batch] if not mask[i]]
        reviewed.extend(top)
        mask[top] = True
        found += int(truth[top].sum())
    return reviewed


@validate_params(choices={"unit": RANK_UNITS}, ranges={"batch": (1, None), "min_positives": (0, None)},
                 types={"embedder": EMBEDDER_TYPE})
def simulate_review(corpus: Corpus, codebook: Codebook, gold: pd.DataFrame, *, unit: str = "sentence",
                    batch: int = 5, codes: Sequence[str] | None = None, embedder: Any = None,
                    settings: Settings | None = None, fractions: Sequence[float] = (0.1, 0.2, 0.3),
                    min_positives: int = 3, random_state: int = 0) -> ReviewSimulation:
    """Replay a review of a coded corpus and measure how fast each code's units are found.

    For each code, a simulated reviewer is shown the ``batch`` top-ranked unread units, the
    gold coding gives the verdicts, the model is refitted (as :func:`rank_units` would with
    those decisions), and so on until every unit is read (or every relevant one found: the
    rest of the order cannot change a figure). Every language of the corpus is reviewed
    together, with one model; the figures per language read the same order restricted to
    that language's units.

    Parameters
    ----------
    corpus : Corpus
        The units to review (every sentence of its segments, for ``unit="sentence"``).
    codebook : Codebook
    gold : DataFrame
        A person's codings of the same corpus (rows of machine coders are ignored); a unit
        carries a code when a coding of that code intersects it.
    unit : {"sentence", "window", "segment"}
    batch : int
        Units read between two refits.
    codes : list of str, optional
        Default: the codebook's codes that the gold coding uses.
    embedder, settings, random_state
        As for :func:`rank_units`.
    fractions : sequence of float
        Reading effort at which recall is reported.
    min_positives : int
        Codes with fewer positive units (in a language) are listed but left out of the
        summary means.

    Returns
    -------
    ReviewSimulation
        ``per_code``: ``code, language, n_units, n_positive, recall@10%, recall@20%,
        recall@30%, wss@95, ap_prior`` (average precision of the codebook ranking before any
        decision); ``summary``: per language, the number of codes and the mean of each figure;
        ``orders`` and ``units``.

    Example
    -------
    >>> import warnings
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document
    >>> from hsqual.codings import codings_frame
    >>> cb = Codebook("demo", [Code(id="want", label={"en": "Freedom from want"},
    ...                             definition={"en": "Poverty, hunger and health."})])
    >>> sents = ["Hunger is everywhere.", "The minister spoke.", "Clinics lack medicine.", "The road is long.",
    ...          "Poverty grows.", "It rained.", "Children are hungry.", "We met at noon."]
    >>> corpus = Corpus([Document(f"d{i}", s, {"language": "en"}) for i, s in enumerate(sents)])
    >>> gold = codings_frame([{"doc_id": f"d{i}", "segment_id": 1, "code": "want", "start": 0,
    ...     "end": len(sents[i]), "quote": sents[i], "coder": "me"} for i in (0, 2, 4, 6)])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     sim = simulate_review(corpus, cb, gold, embedder="tfidf", batch=2)
    >>> sim.per_code[["code", "language", "n_units", "n_positive"]]
       code language  n_units  n_positive
    0  want      all        8           4
    1  want       en        8           4
    >>> float(sim.per_code.loc[0, "recall@30%"]) >= 0.5
    True
    """
    where = "simulate_review"
    _check_common(corpus, codebook, unit, where)
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise ArgumentError(f"{where}: batch must be a whole number of units, at least 1, not {batch!r}")
    fractions = tuple(fractions)
    bad = [f for f in fractions if isinstance(f, bool) or not isinstance(f, (int, float, np.integer, np.floating))
           or not 0 < f <= 1]      # NaN fails 0 < f too
    if bad:
        raise ArgumentError(f"{where}: fractions must be shares of the units read, each above 0 and at most 1 "
                            f"(0.1 for 10 %), not {bad[0]!r}")
    settings = settings or DEFAULT_SETTINGS
    emb = _resolve_embedder(embedder)
    units = _unit_table(corpus, unit)
    labels = _gold_labels(gold, units, unit, where)
    if codes is None:
        codes = [c for c in codebook.ids if c in labels]
        if not codes:
            raise HsqualError(f"{where}: the gold coding holds no person's coding of a code of the codebook (rows "
                              "of machine coders are left out); nothing to replay (codes=[...] replays codes anyway)")
    codes = _check_codes(codes, codebook, where)
    if not codes:
        raise ArgumentError(f"{where}: codes is empty; name at least one code to replay")
    prep = _prepare(corpus, codebook, unit, codes, emb, settings)
    from sklearn.metrics import average_precision_score

    rows, orders = [], {}
    languages = ["all"] + sorted(set(prep.units["language"]))
    lang_arr = prep.units["language"].to_numpy()
    from threadpoolctl import threadpool_limits

    for c in codes:
        truth = labels.get(c, np.zeros(len(prep.units), dtype=bool))
        with threadpool_limits(limits=1):  # many small fits: threads only wait on each other
            order = _simulate_code(prep, c, truth, batch, random_state) if truth.any() else []
        orders[c] = order
        for lang in languages:
            sel = np.ones(len(truth), dtype=bool) if lang == "all" else lang_arr == lang
            n_pos = int(truth[sel].sum())
            row = {"code": c, "language": lang, "n_units": int(sel.sum()), "n_positive": n_pos}
            if n_pos:
                seq = [bool(truth[i]) for i in order if sel[i]]
                for f in fractions:
                    row[f"recall@{round(f * 100)}%"] = recall_at(seq, f)
                row["wss@95"] = wss_at(seq, 0.95)
                row["ap_prior"] = float(average_precision_score(truth[sel], prep.prior[c][sel])) \
                    if n_pos < sel.sum() else 1.0
            else:
                for f in fractions:
                    row[f"recall@{round(f * 100)}%"] = np.nan
                row["wss@95"] = np.nan
                row["ap_prior"] = np.nan
            rows.append(row)
    per_code = pd.DataFrame(rows)
    metrics = [f"recall@{round(f * 100)}%" for f in fractions] + ["wss@95", "ap_prior"]
    summ = []
    for lang in languages:
        part = per_code[(per_code["language"] == lang) & (per_code["n_positive"] >= min_positives)]
        summ.append({"language": lang, "n_codes": len(part), "n_units": int(per_code.loc[per_code["language"] == lang,
                     "n_units"].max()) if len(per_code) else 0,
                     "n_positive": int(part["n_positive"].sum()),
                     **{f"mean {m}": float(part[m].mean()) if len(part) else np.nan for m in metrics}})
    summary = pd.DataFrame(summ)
    attrs = {"unit": unit, "batch": batch, "embedder": prep.embedder_name, "settings": settings,
             "min_positives": min_positives}
    per_code.attrs.update(attrs)
    summary.attrs.update(attrs)
    return ReviewSimulation(per_code, summary, orders,
                            prep.units[["doc_id", "segment_id", "start", "end", "quote", "language"]])
