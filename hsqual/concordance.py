"""Keyword in context: every match of a word, an expression or a code, with the text around it.

The concordance KH Coder users know: one row per match, the words before it (``left``), the
match (``keyword``) and the words after it (``right``), all cut from the original text, so a
row leads back to its passage in one step: ``text[start:end] == keyword``,
``text[start - len(left):start] == left`` and ``text[end:end + len(right)] == right``.

Example
-------
>>> from hsqual.corpus import Corpus, Document
>>> corpus = Corpus([Document("int04", "Freedom from fear matters. We fear violence most.",
...                           {"language": "en"})])
>>> kwic(corpus, "fear", window=2)[["start", "left", "keyword", "right"]]
   start           left keyword          right
0     13  Freedom from     fear    matters. We
1     30   matters. We     fear  violence most
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .apply import (SPEAKER_TYPES, SPEAKERS_RULE, UNITS, check_args, check_meta_columns, compile_codebook, match_document, segment_at, segments_by_doc,
                    units_of, speaker_filter)
from .codebook import Codebook
from .corpus import Corpus
from .errors import ArgumentError
from .params import excludes, validate_params
from .rules.index import DocIndex
from .rules.match import UnitSet, evidence, possible_mask
from .rules.rule import parse_rule
from .rules.syntax import LANGUAGES

__all__ = ["kwic", "KWIC_COLUMNS"]

#: The columns of a concordance (``code`` and ``rule`` follow when a code is looked up).
KWIC_COLUMNS = ["doc_id", "segment_id", "speaker", "start", "end", "left", "keyword", "right"]
#: Segment kinds whose bounds stop a context: a turn's neighbour is another speaker's words.
_BOUNDED_KINDS = ("turn", "item", "excerpt")
_DOTTED_ID = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)+")


def _context(ix: DocIndex, start: int, end: int, window: int | None, window_chars: int | None,
             lo: int = 0, hi: int | None = None) -> tuple[str, str]:
    """Left and right context of a match: ``window`` words (punctuation between them comes
    along but is not counted), or ``window_chars`` characters, never beyond ``lo``/``hi``
    (the turn the match lies in)."""
    text = ix.text
    hi = len(text) if hi is None else hi
    lo, hi = min(lo, start), max(hi, end)
    if window_chars is not None:
        return text[max(lo, start - window_chars):start], text[end:min(hi, end + window_chars)]
    if window == 0 or len(ix) == 0:
        return "", ""
    words = ix.word_positions
    p0 = int(np.searchsorted(ix.starts, start, "left"))  # first token at or after the match
    j = int(np.searchsorted(words, p0, "left"))  # words before the match: words[:j]
    left_from = int(ix.starts[words[max(0, j - window)]]) if j > 0 else start
    p_last = int(np.searchsorted(ix.ends, end, "right")) - 1  # last token ending within the match
    k = int(np.searchsorted(words, p_last, "right"))  # words after the match: words[k:]
    right_to = int(ix.ends[words[min(len(words), k + window) - 1]]) if k < len(words) else end
    left_from, right_to = max(left_from, lo), min(right_to, hi)
    return text[min(left_from, start):start].lstrip(), text[end:max(end, right_to)].rstrip()


@validate_params(choices={"unit": UNITS, "language": LANGUAGES},
                 ranges={"window": (0, None), "window_chars": (0, None)}, types=SPEAKER_TYPES,
                 rules=[excludes("window_chars", "window", "window_chars counts characters of context instead of "
                                 "window's tokens", example={"window_chars": 20, "window": 5}), SPEAKERS_RULE])
def kwic(corpus: Corpus, pattern_or_code: str, *, codebook: Codebook | None = None, window: int = 5,
         window_chars: int | None = None, language: str | None = None, unit: str = "sentence",
         speakers: str | Iterable[str] | None = None,
         exclude_speakers: str | Iterable[str] | None = None) -> pd.DataFrame:
    """A concordance of a rule-language pattern, or of a code's rules, over a corpus.

    Parameters
    ----------
    corpus : Corpus
    pattern_or_code : str
        Any rule of the rule language (``"守る"``, ``'"human security"'``,
        ``"NEAR(fear, violen*, 5)"``), or, with ``codebook``, a code id: the rules of that code.
    codebook : Codebook, optional, keyword-only
        Where code ids (and ``code:`` references in a pattern) are looked up. Without it, a
        dotted code id (``"freedoms.fear"``) is looked up in the bundled codebooks
        (:func:`hsqual.resources.bundled_codebooks`); one that is not there is an error that
        says so (quote it to search for the text itself).
    window : int, keyword-only
        Words (tokens) of context on each side (default 5). A context stops at the edges of
        the turn (or item, excerpt) the match lies in: another speaker's words and the
        speaker label are never shown as context.
    window_chars : int, optional, keyword-only
        Characters of context on each side instead of tokens; giving ``window`` too is
        refused (one of them would be ignored).
    speakers, exclude_speakers : str or list of str, optional, keyword-only
        Only matches in turns of these speakers, or not in turns of these speakers
        (``exclude_speakers="interviewer"``: every interviewer label), as for
        :func:`hsqual.apply.apply_codebook`.
    language : {"en", "ja"} or None, keyword-only
        How to read the pattern; ``None``: each document's ``language`` metadata.
    unit : {"sentence", "segment", "paragraph", "document"}, keyword-only
        Within what an expression (``a AND b``, ``NEAR``) must hold (default a sentence). A
        single word matches wherever it stands.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, segment_id, speaker, start, end, left, keyword, right`` (``start``/``end``:
        the match's offsets into the document text), plus ``code`` and ``rule`` for a code:
        one row per word (span) that made a rule match, in document order. Parts of a rule
        that name no words (``NOT``, ``meta:``) give no rows. ``df.attrs`` holds the
        settings.

    Raises
    ------
    OptionError
        An argument of the wrong type, a value not allowed, ``window`` with
        ``window_chars``, ``speakers`` with ``exclude_speakers`` (:mod:`hsqual.params`).
    ArgumentError
        An empty pattern, or a code id no codebook has.
    RuleSyntaxError
        A pattern that does not parse.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("ja01", "人間の安全保障は守られるべきだ。", {"language": "ja"})])
    >>> kwic(corpus, "守る", window=2)[["left", "keyword", "right"]]
      left keyword right
    0  保障は      守ら  れるべき
    """
    check_args(corpus, codebook, unit, language)
    if not pattern_or_code.strip():
        raise ArgumentError("kwic: pattern_or_code must be a rule (e.g. '守る') or a code id, not "
                            f"{pattern_or_code!r}")

    if codebook is None and _DOTTED_ID.fullmatch(pattern_or_code.strip()):
        from .codebook import load_codebooks
        from .resources import bundled_codebooks

        bundled = load_codebooks(bundled_codebooks())
        if pattern_or_code.strip() not in bundled:
            close = difflib.get_close_matches(pattern_or_code.strip(), bundled.ids, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ArgumentError(f"kwic: {pattern_or_code!r} looks like a code id, but no bundled codebook has it{hint} "
                                "(give your codebook with codebook=..., or quote the text to search for it: '\"...\"')")
        codebook = bundled
        pattern_or_code = pattern_or_code.strip()
    keep = speaker_filter(corpus, unit="segment", speakers=speakers, exclude_speakers=exclude_speakers)
    compiled = compile_codebook(codebook) if codebook is not None else None
    is_code = codebook is not None and pattern_or_code in codebook
    if codebook is not None and not is_code and _DOTTED_ID.fullmatch(pattern_or_code.strip()):
        close = difflib.get_close_matches(pattern_or_code.strip(), codebook.ids, n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ArgumentError(f"kwic: {pattern_or_code!r} is not a code of codebook {codebook.id!r}{hint} "
                            "(to search for the text itself, quote it: '\"...\"')")
    rules_by_lang: dict[str, object] = {}
    rows: list[dict] = []
    segments = segments_by_doc(corpus)
    for doc in corpus.documents:
        lang = language or doc.language
        units = units_of(corpus, doc, unit, lang, segments[doc.doc_id])
        if not units.starts:
            continue
        if is_code:
            if not compiled.rules[pattern_or_code].get(lang):
                continue
            index = DocIndex(doc.text, lang)
            needed = compiled.needed([pattern_or_code])
            _, firings = match_document(doc, lang, units, compiled, only=needed, index=index)
            found = []
            for f in firings:
                if f.code != pattern_or_code:
                    continue
                for i, spans in zip(f.rules, f.spans):
                    label = compiled.label(f.code, lang, i)
                    found.extend((a, b, f.k, label) for a, b in spans)
            seen: set[tuple[int, int]] = set()
            hits = []
            for a, b, k, label in sorted(found, key=lambda x: (x[0], x[1])):
                if (a, b) not in seen:  # a word two rules share is shown once, with the first rule
                    seen.add((a, b))
                    hits.append((a, b, k, {"code": pattern_or_code, "rule": label}))
        else:
            rule = rules_by_lang.get(lang)
            if rule is None:
                rule = parse_rule(pattern_or_code, language=lang)
                check_meta_columns(compiled, corpus, [rule])
                rules_by_lang[lang] = rule
            index = DocIndex(doc.text, lang)
            if compiled is not None and rule.code_refs:
                U, _ = match_document(doc, lang, units, compiled, only=compiled.needed(rule.code_refs), index=index)
            else:
                U = UnitSet(index, units.starts, units.ends, meta=doc.meta, speakers=units.speakers)
            hits = []
            for k in np.flatnonzero(possible_mask(rule.root, U)):
                for a, b in evidence(rule.root, U, int(k)) or []:
                    hits.append((a, b, int(k), {}))
            hits.sort(key=lambda h: (h[0], h[1]))
            seen_spans: set[tuple[int, int]] = set()
            hits = [h for h in hits if not ((h[0], h[1]) in seen_spans or seen_spans.add((h[0], h[1])))]
        by_id = {g.segment_id: g for g in segments[doc.doc_id]}
        for a, b, k, extra in hits:
            seg_id = units.segment_ids[k] if unit != "document" else segment_at(corpus, doc.doc_id, a, units.segment_ids[k],
                                                                                       segments[doc.doc_id])
            seg = by_id.get(seg_id)
            who = seg.speaker if seg is not None else None
            if keep is not None and not keep(who):
                continue
            bounded = seg is not None and seg.kind in _BOUNDED_KINDS and seg.start <= a <= seg.end
            lo, hi = (seg.start, seg.end) if bounded else (0, len(doc.text))
            left, right = _context(index, a, b, window, window_chars, lo, hi)
            rows.append({"doc_id": doc.doc_id, "segment_id": seg_id, "speaker": who or "", "start": a, "end": b,
                         "left": left, "keyword": doc.text[a:b], "right": right, **extra})
    columns = KWIC_COLUMNS + (["code", "rule"] if is_code else [])
    df = pd.DataFrame(rows, columns=columns)
    for c in ("segment_id", "start", "end"):
        df[c] = df[c].astype("int64")
    df.attrs.update({"pattern": pattern_or_code, "code": pattern_or_code if is_code else None,
                     "codebook": codebook.id if codebook is not None else None,
                     "window": None if window_chars is not None else window, "window_chars": window_chars,
                     "unit": unit, "language": language})
    return df
