"""How well the rule coder agrees with a manual coding: per-code precision, recall, F1, kappa.

Both codings are reduced to units (documents, segments or sentences): a unit carries a code
when at least one coding of that code lies on it. Taking the manual coding as the reference,
each code gets a 2×2 table over the units (true/false positives and negatives), and from it
precision, recall, F1 and Cohen's kappa (as :func:`hsqual.reliability.cohen_kappa` computes it:
undefined, NaN, when the two codings agree on every unit by their margins alone). Two summary
rows close the table, told apart by the ``level`` column (``"code"`` on a code's row) and with
no ``code``: ``level="micro"`` pools the counts of every code, ``level="macro"`` averages the
per-code figures (the library's one way of marking summary rows, see ``docs/architecture.md``).

Example
-------
>>> from hsqual.codings import codings_frame
>>> def row(doc, code, coder):
...     return {"doc_id": doc, "segment_id": 1, "code": code, "start": 0, "end": 4,
...             "quote": "text", "coder": coder}
>>> manual = codings_frame([row("K01", "freedoms.dignity", "kurusu2015"),
...                         row("K02", "freedoms.dignity", "kurusu2015"),
...                         row("K03", "freedoms.want", "kurusu2015")])
>>> rules = codings_frame([row("K01", "freedoms.dignity", "rules"),
...                        row("K03", "freedoms.dignity", "rules")])
>>> ev = evaluate_rules(manual, rules, unit="document")
>>> ev[["code", "level", "tp", "fp", "fn", "tn", "precision", "recall"]]
               code  level  tp  fp  fn  tn  precision    recall
0  freedoms.dignity   code   1   1   1   0        0.5  0.500000
1     freedoms.want   code   0   0   1   2        NaN  0.000000
2              None  micro   1   1   2   2        0.5  0.333333
3              None  macro   1   1   2   2        0.5  0.250000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import ArgumentError
from .reliability import cohen_kappa
from .codings import codings_frame, is_machine_coder
from .corpus import Corpus
from .incidence import SUB_SEGMENT_UNITS, unit_spans
from .params import needs, validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .goldstandard import GoldStandard

__all__ = ["GOLD_REFERENCES", "UNITS", "evaluate_on_gold", "evaluate_rules"]

UNITS = ("document", "segment", "sentence", "paragraph")
_COLUMNS = ["code", "level", "n_units", "n_manual", "n_rules", "tp", "fp", "fn", "tn",
            "precision", "recall", "f1", "kappa"]


def _unit_sets(codings: pd.DataFrame, unit: str, segments: dict | None) -> tuple[dict[str, set], int]:
    """code -> set of unit keys; and the number of rows that fall on no unit of the corpus."""
    out: dict[str, set] = {}
    outside = 0
    if unit == "document":
        for doc_id, code in zip(codings["doc_id"], codings["code"]):
            if segments is not None and doc_id not in segments:
                outside += 1
                continue
            out.setdefault(code, set()).add(doc_id)
        return out, outside
    if segments is None:
        for doc_id, seg, code in zip(codings["doc_id"], codings["segment_id"], codings["code"]):
            out.setdefault(code, set()).add((doc_id, int(seg)))
        return out, outside
    for doc_id, start, end, code in zip(codings["doc_id"], codings["start"], codings["end"], codings["code"]):
        hits = [(doc_id, sid) for sid, s, e in segments.get(doc_id, ())
                if (s < end and start < e) or (start == end and s <= start < e)]
        if not hits:
            outside += 1
            continue
        out.setdefault(code, set()).update(hits)
    return out, outside


def _rollup(codings: pd.DataFrame, codebook) -> pd.DataFrame:
    extra = []
    for _, r in codings.iterrows():
        if r["code"] in codebook:
            for anc in codebook.ancestors(r["code"]):
                extra.append({**r.to_dict(), "code": anc})
    if not extra:
        return codings
    return pd.concat([codings, pd.DataFrame(extra)], ignore_index=True)


@validate_params(choices={"unit": UNITS},
                 rules=[needs("rollup", "codebook", "the codebook says which code is whose parent")])
def evaluate_rules(
    manual: pd.DataFrame,
    automatic: pd.DataFrame,
    *,
    unit: str = "segment",
    codes: Sequence[str] | None = None,
    corpus: Corpus | None = None,
    codebook: Codebook | None = None,
    rollup: bool = False,
) -> pd.DataFrame:
    """Compare an automatic coding (the rule coder) with a manual one, code by code.

    Parameters
    ----------
    manual : DataFrame
        The reference coding (a codings table made by a person: no machine coder in its
        ``coder`` column may stand alone).
    automatic : DataFrame
        The coding to judge (e.g. the output of ``apply_codebook``): machine coders only
        (``rules``, ``suggest``, see :func:`hsqual.codings.is_machine_coder`). Tables given the
        wrong way round are an error; to compare two people, use :func:`hsqual.reliability.agreement`.
    unit : {"document", "segment", "sentence", "paragraph"}
        What is compared (default ``"segment"``, as for :func:`hsqual.agreement`).
        ``"document"``: a document carries a code when any coding of it lies in the document. ``"segment"``/``"sentence"``: without ``corpus``, units are the
        ``(doc_id, segment_id)`` pairs of the two tables, so both must number segments alike;
        with ``corpus``, a coding counts for every segment of the corpus its span overlaps,
        whatever its ``segment_id``. For ``"sentence"`` with a corpus: when its segments are
        sentences (a sample of sentences, say), they are the units; otherwise every segment is
        split into sentences exactly as ``apply_codebook(unit="sentence")`` splits it.
        ``"paragraph"`` needs ``corpus`` and is cut likewise (unless the corpus's segments are
        paragraphs already).
    codes : list of str, optional
        The codes to report, in this order. Default: the codebook's codes when ``codebook`` is
        given, else every code in either table (sorted).
    corpus : Corpus, optional
        Fixes the set of units, so that units neither coding touches count as agreement
        (true negatives), and only codings on those units count (the number left out is in
        ``attrs["outside"]``). Without it the units are those coded in either table, which
        undercounts true negatives.
    codebook : Codebook, optional
        Default order of codes; needed for ``rollup``.
    rollup : bool
        Count a coding of a child code for its ancestors too (in both tables).

    Returns
    -------
    DataFrame
        One row per code: ``code, level, n_units, n_manual, n_rules, tp, fp, fn, tn, precision,
        recall, f1, kappa`` with ``level="code"``, then two summary rows with ``code`` None:
        ``level="micro"`` (counts pooled over codes, figures from the pooled counts) and
        ``level="macro"`` (the mean of the per-code figures, each over the codes
        where it is defined: precision is undefined for a code the rules never applied,
        recall for a code never applied by hand, F1 and kappa when neither applied it).
        ``attrs`` records the settings, the number of units and of codings outside them.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> from hsqual.codings import codings_frame
    >>> text = "人間の尊厳を守る。情報を保護する。難民を保護する。"
    >>> sents = [Segment("m", i + 1, s, e, text[s:e], kind="sentence")
    ...          for i, (s, e) in enumerate([(0, 9), (9, 17), (17, 25)])]
    >>> corpus = Corpus([Document("m", text, {"language": "ja"})], sents)
    >>> gold = codings_frame([{"doc_id": "m", "segment_id": 3, "code": "protection", "start": 17,
    ...                        "end": 25, "quote": text[17:25], "coder": "gold_ja"}])
    >>> auto = codings_frame([{"doc_id": "m", "segment_id": n, "code": "protection", "start": s,
    ...                        "end": e, "quote": text[s:e], "coder": "rules"}
    ...                       for n, s, e in [(2, 12, 14), (3, 20, 22)]])
    >>> ev = evaluate_rules(gold, auto, unit="sentence", corpus=corpus)
    >>> ev.loc[0, ["tp", "fp", "fn", "tn"]].tolist(), ev.loc[0, ["precision", "recall"]].tolist()
    ([1, 1, 0, 1], [0.5, 1.0])
    >>> round(float(ev.loc[0, "kappa"]), 3)
    0.4
    """
    if not isinstance(manual, pd.DataFrame) or not isinstance(automatic, pd.DataFrame):
        raise ArgumentError("evaluate_rules: manual and automatic must be codings tables (DataFrames)")
    if unit not in UNITS:
        raise ArgumentError(f"evaluate_rules: unit must be one of {', '.join(map(repr, UNITS))}, not {unit!r}")
    if corpus is not None and not isinstance(corpus, Corpus):
        raise ArgumentError(f"evaluate_rules: corpus must be a Corpus, not {type(corpus).__name__}")
    if rollup and codebook is None:
        raise ArgumentError("evaluate_rules: rollup=True needs the codebook (codebook=...) to know each code's parents")
    if unit == "paragraph" and corpus is None:
        raise ArgumentError("evaluate_rules: unit='paragraph' needs corpus= (the paragraphs are found by cutting "
                            "every segment of the corpus, as apply_codebook(unit='paragraph') does)")
    man = codings_frame(manual)
    auto = codings_frame(automatic)
    _check_sides(man, auto)
    if rollup:
        man, auto = _rollup(man, codebook), _rollup(auto, codebook)

    segments = None
    if corpus is not None:
        if unit == "document":
            universe = set(corpus.doc_ids)
            segments = {d: () for d in corpus.doc_ids}
        else:
            segments = {}
            if unit in SUB_SEGMENT_UNITS and any(s.kind != unit for s in corpus.segments):
                # cut every segment as apply_codebook(unit=unit) does
                sents = unit_spans(corpus, unit)
                for d, sid, a, b in zip(sents["doc_id"], sents["segment_id"], sents["start"], sents["end"]):
                    segments.setdefault(d, []).append(((int(sid), int(a)), int(a), int(b)))
                universe = {(d, k) for d, units in segments.items() for k, _, _ in units}
            else:
                for s in corpus.segments:
                    segments.setdefault(s.doc_id, []).append((s.segment_id, s.start, s.end))
                universe = {(s.doc_id, s.segment_id) for s in corpus.segments}
    man_sets, man_out = _unit_sets(man, unit, segments)
    auto_sets, auto_out = _unit_sets(auto, unit, segments)
    if corpus is None:
        universe = set().union(*man_sets.values(), *auto_sets.values())

    if codes is None:
        present = set(man_sets) | set(auto_sets)
        if codebook is not None:
            codes = [c for c in codebook.ids if c in present] + sorted(present - set(codebook.ids))
        else:
            codes = sorted(present)
    else:
        codes = [codes] if isinstance(codes, str) else list(dict.fromkeys(codes))
        bad = [c for c in codes if not isinstance(c, str) or not c]
        if bad:
            raise ArgumentError(f"evaluate_rules: codes must be code ids (strings), got {bad[:5]}")

    n = len(universe)
    rows = []
    for code in codes:
        m = man_sets.get(code, set())
        a = auto_sets.get(code, set())
        tp, fp, fn = len(m & a), len(a - m), len(m - a)
        rows.append(_row(code, n, tp, fp, fn, n - tp - fp - fn))
    out = pd.DataFrame(rows, columns=_COLUMNS)
    if len(out):
        sums = {c: int(out[c].sum()) for c in ("tp", "fp", "fn", "tn")}
        micro = {**_row(None, n, **sums), "level": "micro"}
        macro = {"code": None, "level": "macro", "n_units": n, "n_manual": int(out["n_manual"].sum()),
                 "n_rules": int(out["n_rules"].sum()), **sums,
                 **{c: float(out[c].mean()) if out[c].notna().any() else np.nan
                    for c in ("precision", "recall", "f1", "kappa")}}
        out = pd.concat([out, pd.DataFrame([micro, macro], columns=_COLUMNS)], ignore_index=True)
        out["code"] = pd.Series([r["code"] for r in rows] + [None, None], index=out.index, dtype=object)
    for c in ("precision", "recall", "f1", "kappa"):
        out[c] = out[c].astype("float64")
    out.attrs.update({"unit": unit, "n_units": n, "rollup": rollup,
                      "units_from": "corpus" if corpus is not None else "codings",
                      "outside": {"manual": man_out, "automatic": auto_out}})
    return out


def _check_sides(manual: pd.DataFrame, automatic: pd.DataFrame) -> None:
    """The manual table must hold a person's coding, the automatic one machine codings only."""
    man_coders = list(dict.fromkeys(manual["coder"].astype(str)))
    auto_coders = list(dict.fromkeys(automatic["coder"].astype(str)))
    man_only_machine = bool(man_coders) and all(is_machine_coder(c) for c in man_coders)
    auto_human = [c for c in auto_coders if not is_machine_coder(c)]
    if man_only_machine and auto_human:
        raise ArgumentError(f"evaluate_rules: the tables look swapped: manual holds only machine coder(s) "
                         f"{', '.join(map(repr, man_coders))} and automatic holds human coder(s) "
                         f"{', '.join(map(repr, auto_human))}; call evaluate_rules(manual, automatic) with the "
                         "person's coding first")
    if man_only_machine:
        raise ArgumentError(f"evaluate_rules: manual holds only machine coder(s) {', '.join(map(repr, man_coders))}; "
                         "the reference must be a person's coding (the first argument), the rule or suggestion "
                         "coding the second")
    if auto_human:
        raise ArgumentError(f"evaluate_rules: automatic holds human coder(s) {', '.join(map(repr, auto_human))}; it must "
                         "be a machine coding (coder 'rules', 'suggest' or 'rules:<name>'), the person's coding "
                         "goes first; to compare two people use hsqual.agreement")


def _row(code: str | None, n: int, tp: int, fp: int, fn: int, tn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    if tp + fp + fn == 0:
        f1 = np.nan
    else:
        f1 = 2 * tp / (2 * tp + fp + fn)
    # manual = coder a, rules = coder b: only_a = fn, only_b = fp
    kappa = cohen_kappa(tp, fn, fp, tn) if tp + fp + fn else np.nan
    return {"code": code, "level": "code", "n_units": n, "n_manual": tp + fn, "n_rules": tp + fp, "tp": tp, "fp": fp,
            "fn": fn, "tn": tn, "precision": precision, "recall": recall, "f1": f1, "kappa": kappa}


#: The reference codings :func:`evaluate_on_gold` can measure against.
GOLD_REFERENCES = ("adjudicated", "agreed")


@validate_params()
def evaluate_on_gold(
    codebook: Codebook,
    *,
    split: str,
    language: str | None = None,
    window: int = 0,
    reference: str = "adjudicated",
    rollup: bool = False,
    gold: GoldStandard | None = None,
) -> pd.DataFrame:
    """Measure a codebook's rules on the development gold standard, sentence by sentence.

    The units are the sentences of ``transcripts/gold/units.csv`` (see
    :func:`hsqual.load_gold`); the rules are applied to exactly those sentences and compared
    with the reference coding by :func:`evaluate_rules` (per code, then the ``micro`` and
    ``macro`` summary rows). The gold standard codes the most specific code: a rule giving a parent where
    the reference has its child counts as an error unless ``rollup=True``.

    Parameters
    ----------
    codebook : Codebook
        The codes and rules to measure (e.g. the four bundled codebooks merged).
    split : {"dev", "test", "heldout", "heldout2", "heldout3", "heldout4"}
        The part of the gold standard: ``"dev"`` is where rules may be revised, ``"test"`` is
        for measuring them, ``"heldout"`` holds interviews written and coded apart from the rules'
        revision on both, ``"heldout2"`` interviews written and coded apart from their revision on
        all three, ``"heldout3"`` and ``"heldout4"`` apart from that and from their revision on the first
        four (see
        ``transcripts/gold/README.md``).
    language : {"en", "ja"}, optional
        Only the units of this language (default: both).
    window : int, keyword-only
        ``0`` (default): a sentence carries the codes whose rules fired in it. ``w > 0``: also
        the codes fired in the ``w`` sentences before and after it within the same segment of
        its document (an interview turn; a paragraph of the paper and of the essays), whether
        those sentences are units or not. This measures a claim spread over neighbouring
        sentences; it is an evaluation only (``apply_codebook`` has no such unit).
    reference : {"adjudicated", "agreed"}, keyword-only
        ``"adjudicated"``: the adjudicated coding (``adjudicated.csv``, coder ``gold``).
        ``"agreed"``: only the (unit, code) pairs both coders gave, available before
        adjudication.
    rollup : bool, keyword-only
        Count a child code for its parents too, in both codings.
    gold : GoldStandard, optional
        An already loaded gold standard (``load_gold(split=..., language=...)``); by default it
        is loaded from the bundled folder.

    Returns
    -------
    DataFrame
        As :func:`evaluate_rules`, one row per code of the codebook then the summary rows
        ``level="micro"`` and ``level="macro"``; ``attrs`` adds ``split``, ``language``, ``window``, ``reference``.

    Raises
    ------
    StudyError
        ``reference="adjudicated"`` and the gold folder has no ``adjudicated.csv`` yet, or
        ``reference="agreed"`` and it lacks the two coders' files.

    Examples
    --------
    >>> import hsqual
    >>> cb = hsqual.load_codebooks(hsqual.bundled_codebooks())
    >>> ev = evaluate_on_gold(cb, split="dev", language="en")
    >>> micro = ev.set_index("level").loc["micro"]
    >>> int(micro["n_units"]), int(micro["tp"] + micro["fn"]) == int(ev.attrs["n_reference"])
    (189, True)
    >>> ev.attrs["split"], ev.attrs["window"], ev.attrs["reference"]
    ('dev', 0, 'adjudicated')

    The same sentences coded with the rules fired in a sentence and its neighbours find at
    least as much:

    >>> wide = evaluate_on_gold(cb, split="dev", language="en", window=1)
    >>> bool(wide.set_index("level").loc["micro", "tp"] >= micro["tp"])
    True
    """
    from .apply import apply_codebook
    from .codebook import Codebook
    from .errors import StudyError
    from .goldstandard import SPLITS, load_gold

    if not isinstance(codebook, Codebook):
        raise ArgumentError(f"evaluate_on_gold: expected a Codebook, not {type(codebook).__name__}")
    if split not in SPLITS:
        raise ArgumentError(f"evaluate_on_gold: split must be one of {SPLITS}, not {split!r}")
    if reference not in GOLD_REFERENCES:
        raise ArgumentError(f"evaluate_on_gold: reference must be one of {GOLD_REFERENCES}, not {reference!r}")
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ArgumentError(f"evaluate_on_gold: window must be a whole number of sentences >= 0, not {window!r}")
    if gold is None:
        gold = load_gold(split=split, language=language)
    else:
        units = gold.units
        if set(units["split"]) != {split} or (language is not None and set(units["language"]) != {language}):
            raise ArgumentError(f"evaluate_on_gold: the gold standard given holds other units than split={split!r}, "
                             f"language={language!r}; pass load_gold(split=..., language=...) with the same filters")
    ref = _gold_reference(gold, reference, StudyError)
    if window == 0:
        auto = apply_codebook(gold.corpus, codebook, unit="segment")
    else:
        auto = _window_codings(gold, codebook, window)
    out = evaluate_rules(ref, auto, unit="segment", corpus=gold.corpus, codebook=codebook,
                         codes=codebook.ids, rollup=rollup)
    out.attrs.update({"split": split, "language": language, "window": window, "reference": reference,
                      "n_reference": len(ref)})
    return out


def _gold_reference(gold, reference: str, error) -> pd.DataFrame:
    if reference == "adjudicated":
        if gold.codings is None:
            raise error("the gold standard has no adjudicated coding yet (adjudicated.csv); "
                        "use reference='agreed' for the codes both coders gave", path=gold.folder)
        return gold.codings
    missing = [c for c in ("coder_a", "coder_b") if c not in gold.coders]
    if missing:
        raise error(f"reference='agreed' needs both coders' files; missing {', '.join(m + '.csv' for m in missing)}",
                    path=gold.folder)
    a, b = gold.coders["coder_a"], gold.coders["coder_b"]
    key = ["doc_id", "start", "end", "code"]
    both = a.merge(b[key], on=key)
    both["coder"] = "agreed"
    return codings_frame(both)


def _window_codings(gold, codebook, window: int) -> pd.DataFrame:
    """Rule codings of each gold unit from the sentences within ``window`` of it in its segment."""
    from .apply import apply_codebook
    from .goldstandard import SOURCES
    from .segment import units_of_segment
    from .transcripts import load_corpus

    wanted = set(gold.corpus.doc_ids)
    segments = []
    for source in SOURCES:
        loaded = load_corpus(gold.folder.parent / source)
        for doc in loaded.documents:
            if doc.doc_id in wanted:
                if doc.text != gold.corpus.doc(doc.doc_id).text:  # pragma: no cover - one file, read twice
                    raise AssertionError(f"document {doc.doc_id} reads differently as segments and as a whole")
                segments.extend(loaded.segments_of(doc.doc_id))
    corpus = Corpus(gold.corpus.documents, segments)
    fired = apply_codebook(corpus, codebook, unit="sentence")
    codes_at: dict[tuple[str, int, int], list[str]] = {}
    for d, s, e, c in zip(fired["doc_id"], fired["start"], fired["end"], fired["code"]):
        codes_at.setdefault((d, int(s), int(e)), []).append(c)
    by_doc: dict[str, list] = {}
    for seg in segments:
        by_doc.setdefault(seg.doc_id, []).append(seg)
    rows = []
    for unit in gold.corpus.segments:
        doc = gold.corpus.doc(unit.doc_id)
        seg = next((s for s in by_doc.get(unit.doc_id, ()) if s.start <= unit.start < s.end), None)
        if seg is None:
            continue
        sents = units_of_segment(seg, "sentence", language=doc.language)
        k = next((i for i, (a, b) in enumerate(sents) if a < unit.end and unit.start < b), None)
        if k is None:
            continue
        codes: dict[str, None] = {}
        for a, b in sents[max(0, k - window): k + window + 1]:
            codes.update(dict.fromkeys(codes_at.get((unit.doc_id, a, b), ())))
        for code in codes:
            rows.append({"doc_id": unit.doc_id, "segment_id": unit.segment_id, "code": code, "start": unit.start,
                         "end": unit.end, "quote": unit.text, "coder": "rules", "rule": f"window {window}", "memo": ""})
    return codings_frame(rows)
