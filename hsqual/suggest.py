"""Code suggestions learnt from a manual coding (TF-IDF + logistic regression).

A coder codes part of a corpus by hand; :func:`suggest_codes` learns, for each code, which
words go with it and proposes the code for units (segments, sentences or documents) that do
not carry it yet, with a score. Sentences are those of :func:`hsqual.segment.units_of_segment`
(every sentence of every segment, as :func:`hsqual.apply_codebook` and the analysis count them);
a human coding counts for every sentence its span intersects. The proposals are rows of the
codings table with coder ``"suggest"``: they are never mixed into the human coding. The user reads them and keeps what is right with
:func:`accept_suggestions`, which copies the accepted rows under the user's own coder name.
:func:`evaluate_suggestions` says how far to trust the suggestions: per-code precision,
recall and F1 under stratified K-fold cross-validation.

Features are TF-IDF weights of content words: UniDic lemmas of nouns, verbs, adjectives and
adverbs for Japanese (a unit's are read from its document's tokens, analysed once and kept in
the token cache that :func:`hsqual.apply_codebook` uses: the tokens lying wholly in the unit),
lower-cased words without English stop words for English. One logistic regression (``class_weight="balanced"``) is fitted
per code (one-vs-rest).

Example
-------
>>> from hsqual.corpus import Corpus, Document
>>> from hsqual.codings import codings_frame
>>> texts = {"e1": "Dignity matters to refugees.", "e2": "Human dignity is the final purpose.",
...          "e3": "Respect and dignity for every person.", "e4": "Poverty and health come first.",
...          "e5": "Food, health and poverty are development needs.",
...          "e6": "Livelihoods and poverty shape health.", "e7": "They spoke of dignity and respect."}
>>> corpus = Corpus([Document(k, v, {"language": "en"}) for k, v in texts.items()])
>>> manual = codings_frame([{"doc_id": d, "segment_id": 1, "code": c, "start": 0,
...     "end": len(texts[d]), "quote": texts[d], "coder": "me"}
...     for d, c in [("e1", "dignity"), ("e2", "dignity"), ("e3", "dignity"),
...                  ("e4", "want"), ("e5", "want"), ("e6", "want")]])
>>> s = suggest_codes(manual, corpus)
>>> s[["doc_id", "code", "coder"]].values.tolist()
[['e7', 'dignity', 'suggest']]
>>> s.loc[0, "memo"].startswith("top features: dignity")
True
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from functools import lru_cache
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from .codings import CODINGS_COLUMNS, codings_frame, is_machine_coder
from .corpus import Corpus
from .errors import ArgumentError, CodingsError
from .params import validate_params
from .tokens import TokenIds
from .vocab import vocabulary

__all__ = [
    "SUGGEST_CODER",
    "SUGGEST_RULE",
    "content_words",
    "suggest_codes",
    "accept_suggestions",
    "evaluate_suggestions",
]

SUGGEST_CODER = "suggest"
SUGGEST_RULE = "suggest: tfidf+logreg"
_UNITS = ("segment", "sentence", "document")

# Japanese content words: UniDic pos1 kept, and (pos1, pos2) pairs left out.
_JA_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")
_JA_SKIP_POS2 = {("名詞", "数詞"), ("動詞", "非自立可能"), ("形容詞", "非自立可能"), ("名詞", "助動詞語幹")}
# formal nouns and light verbs that carry no topic
_JA_STOP = frozenset({"事", "為", "物", "様", "所", "訳", "筈", "言う", "思う", "考える", "行く", "来る"})
_EN_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_LOANWORD_TAIL = re.compile(r"-[A-Za-z][A-Za-z_ -]*$")


def _english_stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


@lru_cache(maxsize=65536)
def _content_words_cached(text: str, language: str) -> tuple[str, ...]:
    if language == "ja":
        from .tokens import tokenize

        words = []
        for tok in tokenize(text, language="ja"):
            if tok.pos not in _JA_POS or (tok.pos, tok.pos2) in _JA_SKIP_POS2:
                continue
            lemma = _LOANWORD_TAIL.sub("", tok.lemma or tok.surface)
            if lemma and lemma not in _JA_STOP:
                words.append(lemma)
        return tuple(words)
    stop = _english_stop_words()
    return tuple(w for w in (m.group(0).lower() for m in _EN_WORD.finditer(text)) if w not in stop and len(w) > 1)


def content_words(text: str, *, language: str = "en") -> list[str]:
    """The content words of a text, as the suggestion features see them.

    Japanese: UniDic lemmas of nouns (no numerals), verbs, adjectives, adjectival nouns and
    adverbs, leaving out auxiliary-like verbs (``する``, ``ある``, ``いる``...), formal nouns
    (``こと`` = ``事``, ``ため`` = ``為``, ``もの``...) and ``言う``/``思う``; the English tail of a
    loanword lemma is stripped. English: lower-cased words, without stop words and
    one-letter words.

    Parameters
    ----------
    text : str
    language : {"en", "ja"}

    Example
    -------
    >>> content_words("Protection of civilians comes first.", language="en")
    ['protection', 'civilians', 'comes']
    >>> content_words("人々の尊厳を守ることが重要である。", language="ja")
    ['人々', '尊厳', '守る', '重要']
    """
    if not isinstance(text, str):
        raise ArgumentError(f"content_words: text must be a string, not {type(text).__name__}")
    if language not in ("en", "ja"):
        raise ArgumentError(f"content_words: language must be 'en' or 'ja', not {language!r}")
    return list(_content_words_cached(text, language))


def _analyzer(unit: tuple[str, tuple[str, ...]]) -> list[str]:
    """TfidfVectorizer analyzer: a unit is a ``(language, content words)`` pair."""
    return list(unit[1])


# -- units ---------------------------------------------------------------------------------

def _check_unit(unit: str, where: str) -> None:
    if unit not in _UNITS:
        raise ArgumentError(f"{where}: unit must be one of {', '.join(map(repr, _UNITS))}, not {unit!r}")


def _units(corpus: Corpus, unit: str) -> pd.DataFrame:
    """One row per unit: key, doc_id, segment_id, start, end, text, language."""
    rows = []
    if unit == "sentence":
        from .incidence import sentence_spans

        spans = sentence_spans(corpus)
        for doc_id, seg, a, b in zip(spans["doc_id"], spans["segment_id"], spans["start"], spans["end"]):
            doc = corpus.doc(doc_id)
            rows.append({"key": (doc_id, int(seg), int(a), int(b)), "doc_id": doc_id, "segment_id": int(seg),
                         "start": int(a), "end": int(b), "text": doc.text[a:b], "language": doc.language})
    elif unit == "document":
        first_seg = {}
        for s in corpus.segments:
            first_seg.setdefault(s.doc_id, s.segment_id)
        for d in corpus.documents:
            rows.append({"key": (d.doc_id, 0), "doc_id": d.doc_id, "segment_id": first_seg.get(d.doc_id, 1),
                         "start": 0, "end": len(d.text), "text": d.text, "language": d.language})
    else:
        for s in corpus.segments:
            rows.append({"key": (s.doc_id, s.segment_id), "doc_id": s.doc_id, "segment_id": s.segment_id,
                         "start": s.start, "end": s.end, "text": s.text,
                         "language": corpus.doc(s.doc_id).language})
    out = pd.DataFrame(rows, columns=["key", "doc_id", "segment_id", "start", "end", "text", "language"])
    out["words"] = _unit_words(out, corpus)
    return out


def _unit_words(units: pd.DataFrame, corpus: Corpus) -> list[tuple[str, ...]]:
    """The content words of each unit. A Japanese unit's are read from its document's tokens
    (analysed once and cached, as the rules see them: the tokens lying wholly in the unit),
    each vocabulary entry judged once; an English unit's from its text."""
    from .rules.index import token_arrays

    out: list[tuple[str, ...]] = [()] * len(units)
    ja: dict[str, list[int]] = {}
    for i, (doc_id, text, language) in enumerate(zip(units["doc_id"], units["text"], units["language"])):
        if language == "ja":
            ja.setdefault(doc_id, []).append(i)
        else:
            out[i] = _content_words_cached(text, "en")
    if not ja:
        return out
    starts, ends = units["start"].to_numpy(), units["end"].to_numpy()
    for doc_id, rows in ja.items():
        tokens = token_arrays(corpus.doc(doc_id).text, "ja")
        if not isinstance(tokens, TokenIds):  # pragma: no cover - Japanese tokens are ids
            raise TypeError(f"Japanese tokens as {type(tokens).__name__}")
        idx = np.asarray(rows)
        i0 = np.searchsorted(tokens.starts, starts[idx], "left")
        i1 = np.searchsorted(tokens.ends, ends[idx], "right")
        ids = tokens.ids.tolist()
        for i, a, b in zip(rows, i0.tolist(), i1.tolist()):
            out[i] = tuple(w for w in map(_ja_content_word, ids[a:b]) if w)
    return out


_JA_WORDS: dict[int, str] = {}


def _ja_content_word(entry: int) -> str:
    """The content word of a vocabulary entry ("" when it is none), worked out once per entry."""
    got = _JA_WORDS.get(entry)
    if got is None:
        v = vocabulary()
        pos, pos2 = v.pos1[entry], v.pos2[entry]
        got = ""
        if pos in _JA_POS and (pos, pos2) not in _JA_SKIP_POS2:
            lemma = _LOANWORD_TAIL.sub("", v.lemmas[entry] or v.surfaces[entry])
            if lemma and lemma not in _JA_STOP:
                got = lemma
        _JA_WORDS[entry] = got
    return got


def _labels(codings: pd.DataFrame, corpus: Corpus, units: pd.DataFrame, unit: str, where: str) -> dict[tuple, set]:
    """unit key -> set of codes applied to it (codings outside the corpus are an error)."""
    unknown = sorted(set(codings["doc_id"]) - set(corpus.doc_ids))
    if unknown:
        raise CodingsError(f"{where}: codings name document(s) not in the corpus: {', '.join(unknown[:10])}")
    out: dict[tuple, set] = {}
    if unit == "document":
        for doc_id, code in zip(codings["doc_id"], codings["code"]):
            out.setdefault((doc_id, 0), set()).add(code)
        return out
    if unit == "sentence":
        hits = _sentence_hits(codings["doc_id"], codings["start"], codings["end"], units)
        keys = units["key"].tolist()
        codes = codings["code"].tolist()
        for row, k in zip(*hits):
            out.setdefault(keys[k], set()).add(codes[row])
        missed = sorted(set(range(len(codings))) - set(hits[0].tolist()))
        if missed:
            shown = ", ".join(f"{codings['doc_id'].iloc[i]} {codings['start'].iloc[i]}-{codings['end'].iloc[i]}"
                              for i in missed[:10])
            raise CodingsError(f"{where}: {len(missed)} coding(s) lie in no sentence of the corpus: {shown}; "
                               "check them with hsqual.check_codings")
        return out
    seg_keys = set(units["key"])
    missing = []
    for doc_id, seg, code in zip(codings["doc_id"], codings["segment_id"], codings["code"]):
        key = (doc_id, int(seg))
        if key not in seg_keys:
            missing.append(f"{doc_id}/{seg}")
            continue
        out.setdefault(key, set()).add(code)
    if missing:
        raise CodingsError(f"{where}: codings name segment(s) not in the corpus: {', '.join(missing[:10])}; "
                           "segment the corpus the way the coding was made, or use unit='document'")
    return out


def _sentence_hits(doc_ids, starts, ends, units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(span rows, sentence rows) of the sentences each span intersects."""
    from .incidence import span_hits

    return span_hits(list(doc_ids), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64), units)


def _judged_units(units: pd.DataFrame, labels: dict, judged, unit: str, where: str) -> pd.DataFrame:
    """The training units: those with a coding, plus the units listed in ``judged``."""
    keys = set(labels)
    if judged is not None:
        if isinstance(judged, (str, bytes)):
            raise ArgumentError(f"{where}: judged must be a list of units, not a single string")
        known = set(units["key"])
        wanted = set()
        if unit == "sentence":
            items = list(judged)
            for item in items:
                if (isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 3
                        or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in item[1:])):
                    raise ArgumentError(f"{where}: with unit='sentence', judged lists (doc_id, start, end) spans, "
                                     f"not {item!r}")
            if items:
                rows, hit = _sentence_hits([i[0] for i in items], [i[1] for i in items], [i[2] for i in items],
                                           units)
                missed = sorted(set(range(len(items))) - set(rows.tolist()))
                if missed:
                    raise ArgumentError(f"{where}: judged span {items[missed[0]]!r} lies in no sentence of the corpus")
                wanted = {units["key"].iloc[k] for k in hit.tolist()}
            keys |= wanted
            return units[units["key"].isin(keys)].reset_index(drop=True)
        for item in judged:
            if unit == "document":
                key = (item, 0) if isinstance(item, str) else (item[0], 0)
            else:
                if isinstance(item, str) or len(item) != 2:
                    raise ArgumentError(f"{where}: with unit='segment', judged lists (doc_id, segment_id) pairs, not {item!r}")
                key = (item[0], int(item[1]))
            if key not in known:
                raise ArgumentError(f"{where}: judged unit {item!r} is not a unit of the corpus")
            wanted.add(key)
        keys |= wanted
    return units[units["key"].isin(keys)].reset_index(drop=True)


def _human(codings: pd.DataFrame, where: str) -> pd.DataFrame:
    if not isinstance(codings, pd.DataFrame):
        raise ArgumentError(f"{where}: codings must be a DataFrame (the codings table), not {type(codings).__name__}")
    df = codings_frame(codings)
    return df[np.array([not is_machine_coder(c) for c in df["coder"]], dtype=bool)]


def _pipeline(random_state: int):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline([
        ("tfidf", TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True)),
        ("logreg", LogisticRegression(class_weight="balanced", max_iter=1000, random_state=random_state)),
    ])


def _select_codes(codes, present: Iterable[str], where: str) -> list[str]:
    if codes is None:
        return sorted(set(present))
    if isinstance(codes, str):
        codes = [codes]
    codes = list(dict.fromkeys(codes))
    bad = [c for c in codes if not isinstance(c, str) or not c]
    if bad:
        raise ArgumentError(f"{where}: codes must be code ids (strings), got {bad[:5]}")
    return codes


# -- suggestions ---------------------------------------------------------------------------

def _training_units(codings, corpus, unit, codes, judged, where):
    """The units of a corpus, the codes a person gave each unit, the units a person coded or
    judged, and the codes to learn: what suggesting and evaluating suggestions start from."""
    human = _human(codings, where)
    units = _units(corpus, unit)
    labels = _labels(human, corpus, units, unit, where)
    codes = _select_codes(codes, human["code"], where)
    return units, labels, _judged_units(units, labels, judged, unit, where), codes


@validate_params()
def suggest_codes(
    codings: pd.DataFrame,
    corpus: Corpus,
    *,
    unit: str = "segment",
    codes: Sequence[str] | None = None,
    min_examples: int = 3,
    threshold: float = 0.5,
    top_k: int = 3,
    judged: Iterable[str | tuple[Any, ...]] | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Propose codes for units that do not carry them, learnt from a manual coding.

    The training units are those with at least one human coding (rows of machine coders are
    ignored); for each code, the units coded with it are the positives and the other coded
    units the negatives. Units no one has coded are not taken as negatives unless listed in
    ``judged``. A model is fitted
    per code on TF-IDF weights of content words (see :func:`content_words`) and scores every
    unit that lacks the code; a unit gets at most ``top_k`` suggestions, each scoring at least
    ``threshold``.

    Parameters
    ----------
    codings : DataFrame
        A codings table (see :mod:`hsqual.codings`).
    corpus : Corpus
        The documents and segments the codings point into.
    unit : {"segment", "sentence", "document"}
        What is coded and suggested: the corpus segments, every sentence of the corpus (a
        coding counts for each sentence its span intersects; a suggestion's ``start``/``end``
        and ``quote`` are the sentence, its ``segment_id`` the segment holding it), or whole
        documents.
    codes : list of str, optional
        The codes to learn (default: every code in ``codings``).
    min_examples : int
        Codes with fewer positive units are not learnt; they are listed in
        ``result.attrs["skipped"]`` with the reason.
    threshold : float
        Lowest score (probability of the code under the model, 0-1) kept.
    top_k : int
        Most suggestions per unit (highest scores first).
    judged : list, optional
        Units the coder read and left without any code (``(doc_id, segment_id)`` pairs, doc
        ids with ``unit="document"``, or ``(doc_id, start, end)`` spans with
        ``unit="sentence"``, each standing for the sentences it intersects), e.g. the
        sentences of a coding sample. They are
        negatives for every code. By default only units with at least one coding are
        training units.
    random_state : int
        Seed of the solver, so runs repeat.

    Returns
    -------
    DataFrame
        Codings rows (coder ``"suggest"``, rule ``"suggest: tfidf+logreg"``, the unit's span and
        text as ``start``/``end``/``quote``, memo naming the words that weighed most), plus
        ``score`` and ``suggestion_id`` (1-based, used by :func:`accept_suggestions`). Sorted
        by score, highest first. ``attrs`` holds the settings, the codes learnt and skipped,
        and ``why_empty``: when nothing is suggested, why (no person's codings, too few
        examples per code, nothing above ``threshold``), also given as a ``UserWarning``.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> from hsqual.codings import codings_frame
    >>> docs = ["地雷の除去で恐怖から人々を守る。", "紛争と暴力から市民を守る。", "暴力と紛争の恐怖をなくす。",
    ...         "貧困と保健の課題に取り組む。", "食料と貧困の問題を減らす。", "保健と教育で貧困を減らす。",
    ...         "紛争地の地雷と暴力に対応する。"]
    >>> corpus = Corpus([Document(f"j{i}", t, {"language": "ja"}) for i, t in enumerate(docs, 1)])
    >>> manual = codings_frame([{"doc_id": f"j{i}", "segment_id": 1, "code": c, "start": 0,
    ...     "end": len(docs[i - 1]), "quote": docs[i - 1], "coder": "yamada"}
    ...     for i, c in [(1, "fear"), (2, "fear"), (3, "fear"), (4, "want"), (5, "want"), (6, "want")]])
    >>> s = suggest_codes(manual, corpus, unit="document")
    >>> s[["doc_id", "code", "coder", "rule"]].values.tolist()
    [['j7', 'fear', 'suggest', 'suggest: tfidf+logreg']]
    >>> bool(s.loc[0, "score"] > 0.5), "暴力" in s.loc[0, "memo"]
    (True, True)
    """
    where = "suggest_codes"
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"{where}: corpus must be a Corpus, not {type(corpus).__name__}")
    _check_unit(unit, where)
    if not isinstance(min_examples, int) or min_examples < 1:
        raise ArgumentError(f"{where}: min_examples must be a whole number of at least 1, not {min_examples!r}")
    if not isinstance(threshold, Real) or not 0 <= threshold <= 1:
        raise ArgumentError(f"{where}: threshold must be a score between 0 and 1, not {threshold!r}")
    if not isinstance(top_k, int) or top_k < 1:
        raise ArgumentError(f"{where}: top_k must be a whole number of at least 1, not {top_k!r}")
    units, labels, coded, codes = _training_units(codings, corpus, unit, codes, judged, where)
    X_all = list(zip(units["language"], units["words"]))
    X_train = list(zip(coded["language"], coded["words"]))
    skipped: dict[str, str] = {}
    learnt: list[str] = []
    candidates = []  # (unit index, code, score, memo)
    for code in codes:
        y = np.array([code in labels.get(k, ()) for k in coded["key"]], dtype=bool)
        n_pos = int(y.sum())
        if n_pos < min_examples:
            skipped[code] = f"{n_pos} coded unit(s); at least {min_examples} needed"
            continue
        if n_pos == len(y):
            skipped[code] = "every coded unit carries it; no negative example to learn from"
            continue
        model = _pipeline(random_state)
        model.fit(X_train, y)
        learnt.append(code)
        has_code = np.array([code in labels.get(k, ()) for k in units["key"]], dtype=bool)
        todo = np.flatnonzero(~has_code)
        if not len(todo):
            continue
        X = model.named_steps["tfidf"].transform([X_all[i] for i in todo])
        scores, support = _score(model, X, transformed=True)
        vocab = model.named_steps["tfidf"].get_feature_names_out()
        coef = model.named_steps["logreg"].coef_[0]
        for row, (i, score) in enumerate(zip(todo, scores)):
            if score < threshold or not support[row]:
                continue
            x = X[row].tocoo()
            contrib = sorted(((v * coef[j], vocab[j]) for j, v in zip(x.col, x.data) if v * coef[j] > 0), reverse=True)
            words = ", ".join(w for _, w in contrib[:5]) or "(none: the model's intercept)"
            candidates.append((int(i), code, float(score), f"top features: {words}"))

    rows = []
    by_unit: dict[int, list] = {}
    for cand in candidates:
        by_unit.setdefault(cand[0], []).append(cand)
    for i, cands in by_unit.items():
        u = units.iloc[i]
        for _, code, score, memo in sorted(cands, key=lambda c: (-c[2], c[1]))[:top_k]:
            rows.append({"doc_id": u["doc_id"], "segment_id": int(u["segment_id"]), "code": code,
                         "start": int(u["start"]), "end": int(u["end"]), "quote": u["text"],
                         "coder": SUGGEST_CODER, "rule": SUGGEST_RULE, "memo": memo, "score": score})
    if rows:
        out = codings_frame(rows)
        out = out.sort_values(["score", "doc_id", "segment_id", "start", "code"],
                              ascending=[False, True, True, True, True], kind="stable").reset_index(drop=True)
    else:
        out = codings_frame()
        out["score"] = pd.Series(dtype="float64")
    out["suggestion_id"] = np.arange(1, len(out) + 1, dtype="int64")
    why = None
    if not len(out):
        why = _why_nothing(codings, coded, codes, learnt, skipped, threshold, min_examples)
        warnings.warn(f"{where}: no suggestion: {why}", UserWarning, stacklevel=2)
    out.attrs.update({"unit": unit, "min_examples": min_examples, "threshold": threshold, "top_k": top_k,
                      "random_state": random_state, "model": SUGGEST_RULE, "codes_learnt": learnt,
                      "skipped": skipped, "n_training_units": len(coded), "why_empty": why})
    return out


def _why_nothing(codings, coded, codes, learnt, skipped, threshold, min_examples) -> str:
    """Why :func:`suggest_codes` found nothing to suggest, in the words a user acts on."""
    coders = sorted(set(codings["coder"].astype(str))) if len(codings) else []
    if not coders:
        return "the codings table is empty; code some units by hand first"
    if all(is_machine_coder(c) for c in coders):
        return (f"the codings hold only machine codings ({', '.join(coders)}); suggestions are learnt from a "
                "person's coding, so code some units by hand (or accept rule codings under your name) first")
    if not len(coded):
        return "no coded unit of the corpus: do the codings point into this corpus and unit?"
    if not codes:
        return "no code to learn (codes= is empty)"
    if not learnt:
        return (f"no code could be learnt: {len(skipped)} skipped ("
                + "; ".join(f"{c}: {r}" for c, r in list(skipped.items())[:5])
                + f"{' ...' if len(skipped) > 5 else ''}); lower min_examples (now {min_examples}) or code more units")
    return (f"{len(learnt)} code(s) learnt, but no uncoded unit scored {threshold} or more; lower threshold "
            "to see weaker suggestions")


@validate_params()
def accept_suggestions(
    codings: pd.DataFrame,
    suggestions: pd.DataFrame,
    *,
    accept: Iterable[int] | float,
    coder: str,
) -> pd.DataFrame:
    """A new codings table with the accepted suggestions added under a person's name.

    Nothing is applied unless the user says so: ``accept`` lists the ``suggestion_id`` values
    kept, or gives a score from which suggestions are kept. Accepted rows are re-labelled to
    ``coder`` (a person, not ``rules``/``suggest``), their ``rule`` emptied and their memo
    saying which suggestion and score they came from. ``codings`` is not modified; a row the
    coder already has (same document, segment, code and span) is not added twice.

    Parameters
    ----------
    codings : DataFrame
        The human coding to add to.
    suggestions : DataFrame
        The output of :func:`suggest_codes`.
    accept : list of int, or float
        ``suggestion_id`` values, or a lowest score (0-1).
    coder : str
        The name the accepted rows are recorded under.

    Example
    -------
    >>> from hsqual.codings import codings_frame
    >>> manual = codings_frame([{"doc_id": "e1", "segment_id": 1, "code": "dignity", "start": 0,
    ...                          "end": 7, "quote": "Dignity", "coder": "tanaka"}])
    >>> sugg = codings_frame([
    ...     {"doc_id": "e2", "segment_id": 1, "code": "dignity", "start": 0, "end": 14,
    ...      "quote": "Human dignity.", "coder": "suggest", "rule": "suggest: tfidf+logreg",
    ...      "memo": "top features: dignity", "score": 0.91, "suggestion_id": 1},
    ...     {"doc_id": "e3", "segment_id": 1, "code": "dignity", "start": 0, "end": 8,
    ...      "quote": "Poverty.", "coder": "suggest", "rule": "suggest: tfidf+logreg",
    ...      "memo": "top features: poverty", "score": 0.55, "suggestion_id": 2}])
    >>> out = accept_suggestions(manual, sugg, accept=[1], coder="tanaka")
    >>> out[["doc_id", "coder", "memo"]].values.tolist()
    [['e1', 'tanaka', ''], ['e2', 'tanaka', 'accepted suggestion 1 (score 0.91; top features: dignity)']]
    >>> len(accept_suggestions(manual, sugg, accept=0.5, coder="tanaka"))
    3
    """
    where = "accept_suggestions"
    if not isinstance(coder, str) or not coder.strip():
        raise ArgumentError(f"{where}: coder must name the person accepting the suggestions, e.g. coder='tanaka'")
    if is_machine_coder(coder):
        raise ArgumentError(f"{where}: coder {coder!r} is a machine coder; accepted suggestions are recorded "
                         "under the name of the person who accepted them")
    if not isinstance(suggestions, pd.DataFrame) or "score" not in suggestions.columns:
        raise CodingsError(f"{where}: suggestions must be the table suggest_codes returns (with a 'score' column)")
    base = codings_frame(codings)
    sugg = codings_frame(suggestions)
    if "suggestion_id" not in sugg.columns:
        sugg["suggestion_id"] = np.arange(1, len(sugg) + 1)
    not_suggest = sorted({c for c in sugg["coder"] if c != SUGGEST_CODER})
    if not_suggest:
        raise CodingsError(f"{where}: suggestions hold rows of coder(s) {', '.join(not_suggest)}; "
                           f"expected only coder {SUGGEST_CODER!r}")
    if isinstance(accept, bool):
        raise ArgumentError(f"{where}: accept must be suggestion ids or a score, not {accept!r}")
    if isinstance(accept, Integral):
        raise ArgumentError(f"{where}: accept={accept!r} is ambiguous: pass [{accept}] to accept suggestion {accept}, "
                        f"or {float(accept)} to accept every suggestion scoring at least {float(accept)}")
    if isinstance(accept, Real):
        if not 0 <= accept <= 1:
            raise ArgumentError(f"{where}: a score threshold must lie between 0 and 1, not {accept!r}")
        chosen = sugg[sugg["score"] >= accept]
    else:
        ids = list(accept)
        known = set(sugg["suggestion_id"].astype(int))
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ArgumentError(f"{where}: no suggestion with id(s) {unknown[:10]}; "
                             f"ids run {min(known, default=0)}-{max(known, default=0)}")
        chosen = sugg[sugg["suggestion_id"].isin(ids)]
    have = set(zip(base["doc_id"], base["segment_id"], base["code"], base["start"], base["end"], base["coder"]))
    rows = []
    for _, r in chosen.iterrows():
        key = (r["doc_id"], r["segment_id"], r["code"], r["start"], r["end"], coder)
        if key in have:
            continue
        have.add(key)
        features = r["memo"] or ""
        memo = f"accepted suggestion {int(r['suggestion_id'])} (score {r['score']:.2f}" + (f"; {features})" if features else ")")
        rows.append({**{c: r[c] for c in CODINGS_COLUMNS}, "coder": coder, "rule": "", "memo": memo})
    if not rows:
        return base.copy()
    return codings_frame(pd.concat([base, codings_frame(rows)], ignore_index=True))


@validate_params()
def evaluate_suggestions(
    codings: pd.DataFrame,
    corpus: Corpus,
    *,
    cv: int = 5,
    unit: str = "segment",
    codes: Sequence[str] | None = None,
    judged: Iterable[str | tuple[Any, ...]] | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Cross-validated precision, recall and F1 of the suggestions, per code.

    For each code, the coded units are split by stratified K-fold (``cv`` folds, shuffled with
    ``random_state``); the model (TF-IDF fitted inside each fold, then logistic regression) is
    trained on K-1 folds and predicts the held-out fold as :func:`suggest_codes` would with
    ``threshold=0.5`` (a score of at least 0.5 and at least one word speaking for the code). A code with fewer
    than ``cv`` positive (or negative) units cannot be split that way: it is listed with
    ``status`` saying so and empty figures, not left out.

    Parameters
    ----------
    codings : DataFrame
        A human codings table.
    corpus : Corpus
    cv : int
        Number of folds (at least 2).
    unit : {"segment", "sentence", "document"}
        As for :func:`suggest_codes`: with ``"sentence"`` the folds split sentences.
    codes : list of str, optional
        Default: every code in ``codings``.
    judged : list, optional
        Units read and left uncoded, as for :func:`suggest_codes`.
    random_state : int

    Returns
    -------
    DataFrame
        One row per code (``level="code"``): ``code, level, n_units, n_positive, tp, fp, fn,
        precision, recall, f1, status`` (``"ok"`` or why it was skipped), then two summary
        rows over the evaluated codes, ``level="micro"`` and ``level="macro"``, whose
        ``code`` is None (as in :func:`hsqual.evaluate_rules`). ``attrs`` holds the settings.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> from hsqual.codings import codings_frame
    >>> fear = ["violence against civilians", "landmines and violence", "armed conflict and fear",
    ...         "fear of violence", "conflict and landmines"]
    >>> want = ["poverty and health", "food and poverty", "health and livelihoods",
    ...         "livelihoods and food", "poverty and livelihoods"]
    >>> texts = fear + want + ["dignity and respect"]
    >>> corpus = Corpus([Document(f"d{i}", t) for i, t in enumerate(texts)])
    >>> manual = codings_frame([{"doc_id": f"d{i}", "segment_id": 1, "start": 0, "end": len(t),
    ...     "quote": t, "coder": "me", "code": "fear" if i < 5 else "want" if i < 10 else "dignity"}
    ...     for i, t in enumerate(texts)])
    >>> ev = evaluate_suggestions(manual, corpus, cv=5, unit="document")
    >>> ev[["code", "level", "n_positive", "f1"]]
          code  level  n_positive   f1
    0  dignity   code           1  NaN
    1     fear   code           5  1.0
    2     want   code           5  1.0
    3     None  micro          10  1.0
    4     None  macro          10  1.0
    >>> ev.loc[0, "status"]
    'skipped: 1 positive unit(s), 5 folds need at least 5'
    """
    from sklearn.model_selection import StratifiedKFold

    where = "evaluate_suggestions"
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"{where}: corpus must be a Corpus, not {type(corpus).__name__}")
    _check_unit(unit, where)
    if isinstance(cv, bool) or not isinstance(cv, int) or cv < 2:
        raise ArgumentError(f"{where}: cv must be a whole number of folds, at least 2, not {cv!r}")
    _, labels, coded, codes = _training_units(codings, corpus, unit, codes, judged, where)
    X = np.empty(len(coded), dtype=object)
    X[:] = list(zip(coded["language"], coded["words"]))
    rows = []
    for code in codes:
        y = np.array([code in labels.get(k, ()) for k in coded["key"]], dtype=bool)
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        row = {"code": code, "level": "code", "n_units": len(y), "n_positive": n_pos, "tp": pd.NA, "fp": pd.NA, "fn": pd.NA,
               "precision": np.nan, "recall": np.nan, "f1": np.nan, "status": "ok"}
        if n_pos < cv:
            row["status"] = f"skipped: {n_pos} positive unit(s), {cv} folds need at least {cv}"
        elif n_neg < cv:
            row["status"] = f"skipped: {n_neg} negative unit(s), {cv} folds need at least {cv}"
        else:
            pred = np.zeros(len(y), dtype=bool)
            folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
            for train, test in folds.split(X, y):
                model = _pipeline(random_state)
                model.fit(list(X[train]), y[train])
                scores, support = _score(model, list(X[test]))
                pred[test] = (scores >= 0.5) & support
            tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
            row.update({"tp": tp, "fp": fp, "fn": fn, **_prf(tp, fp, fn)})
        rows.append(row)
    out = pd.DataFrame(rows, columns=["code", "level", "n_units", "n_positive", "tp", "fp", "fn",
                                      "precision", "recall", "f1", "status"])
    ok = out[out["status"] == "ok"]
    if len(ok):
        tp, fp, fn = (int(ok[c].sum()) for c in ("tp", "fp", "fn"))
        micro = {"code": None, "level": "micro", "n_units": len(coded), "n_positive": int(ok["n_positive"].sum()),
                 "tp": tp, "fp": fp, "fn": fn, **_prf(tp, fp, fn), "status": "ok"}
        macro = {"code": None, "level": "macro", "n_units": len(coded), "n_positive": int(ok["n_positive"].sum()),
                 "tp": pd.NA, "fp": pd.NA, "fn": pd.NA,
                 **{m: float(ok[m].astype(float).mean()) for m in ("precision", "recall", "f1")}, "status": "ok"}
        out = pd.concat([out, pd.DataFrame([micro, macro])], ignore_index=True)
        out["code"] = pd.Series([r["code"] for r in rows] + [None, None], index=out.index, dtype=object)
    for c in ("tp", "fp", "fn"):
        out[c] = out[c].astype("Int64")
    out.attrs.update({"cv": cv, "unit": unit, "random_state": random_state, "model": SUGGEST_RULE,
                      "threshold": 0.5, "n_units": len(coded),
                      "n_evaluated": int((out["status"] == "ok").sum()) - (2 if len(ok) else 0)})
    return out


def _score(model, X, *, transformed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Scores of units, and whether any of a unit's words speaks for the code.

    A unit none of whose words has a positive weight is not suggested whatever its score
    (with balanced class weights, a unit without known words scores near 0.5 on the
    intercept alone).
    """
    if not transformed:
        X = model.named_steps["tfidf"].transform(X)
    logreg = model.named_steps["logreg"]
    scores = logreg.predict_proba(X)[:, 1]
    positive = np.clip(logreg.coef_[0], 0, None)
    support = np.asarray(X @ positive).ravel() > 0
    return scores, support


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else np.nan
    return {"precision": precision, "recall": recall, "f1": f1}
