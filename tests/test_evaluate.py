"""Rule coder against manual coding: hsqual.evaluate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document, Segment
from hsqual.reliability import cohen_kappa
from hsqual.evaluate import evaluate_rules


def _row(doc, code, coder, seg=1, start=0, end=4, text=None):
    quote = text[start:end] if text is not None else "x" * (end - start)
    return {"doc_id": doc, "segment_id": seg, "code": code, "start": start, "end": end,
            "quote": quote, "coder": coder}


@pytest.fixture
def excerpt_tables():
    # five excerpts; manual: dignity on K1, K2, K3; want on K4. rules: dignity on K1, K2, K5; want none.
    manual = codings_frame([_row("K1", "dignity", "kurusu2015"), _row("K2", "dignity", "kurusu2015"),
                            _row("K2", "dignity", "kurusu2015", start=5, end=9),
                            _row("K3", "dignity", "kurusu2015"), _row("K4", "want", "kurusu2015"),
                            _row("K5", "fear", "kurusu2015")])
    rules = codings_frame([_row("K1", "dignity", "rules"), _row("K2", "dignity", "rules"),
                           _row("K5", "dignity", "rules"), _row("K5", "fear", "rules")])
    return manual, rules


def test_counts_per_document_by_hand(excerpt_tables):
    manual, rules = excerpt_tables
    ev = evaluate_rules(manual, rules, unit="document").set_index("code")
    # units = K1..K5 (every excerpt is coded by someone)
    d = ev.loc["dignity"]
    assert (d["n_units"], d["n_manual"], d["n_rules"]) == (5, 3, 3)
    assert (d["tp"], d["fp"], d["fn"], d["tn"]) == (2, 1, 1, 1)
    assert d["precision"] == pytest.approx(2 / 3)
    assert d["recall"] == pytest.approx(2 / 3)
    assert d["f1"] == pytest.approx(2 / 3)
    # kappa: p_o = 3/5, p_e = (3*3 + 2*2)/25 = 13/25 -> (15/25 - 13/25) / (12/25) = 1/6
    assert d["kappa"] == pytest.approx(1 / 6)
    w = ev.loc["want"]
    assert (w["tp"], w["fp"], w["fn"], w["tn"]) == (0, 0, 1, 4)
    assert math.isnan(w["precision"]) and w["recall"] == 0 and w["f1"] == 0
    f = ev.loc["fear"]
    assert (f["tp"], f["fp"], f["fn"], f["tn"]) == (1, 0, 0, 4)
    assert f["kappa"] == pytest.approx(1.0)


def test_micro_and_macro_rows(excerpt_tables):
    manual, rules = excerpt_tables
    table = evaluate_rules(manual, rules, unit="document")
    assert table["code"].tolist() == ["dignity", "fear", "want", None, None]
    assert table["level"].tolist() == ["code", "code", "code", "micro", "macro"]
    ev = table.set_index(table["code"].fillna(table["level"]))
    micro = ev.loc["micro"]
    # pooled: tp = 2+1+0, fp = 1+0+0, fn = 1+0+1, tn = 1+4+4
    assert (micro["tp"], micro["fp"], micro["fn"], micro["tn"]) == (3, 1, 2, 9)
    assert micro["precision"] == pytest.approx(3 / 4)
    assert micro["recall"] == pytest.approx(3 / 5)
    assert micro["f1"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 2))
    # manual = coder a: only_a = fn = 2, only_b = fp = 1
    assert micro["kappa"] == pytest.approx(cohen_kappa(3, 2, 1, 9))
    macro = ev.loc["macro"]
    # precision undefined for "want" (rules never applied it): mean over dignity and fear
    assert macro["precision"] == pytest.approx((2 / 3 + 1) / 2)
    assert macro["recall"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert macro["f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_kappa_matches_scikit_learn():
    rng = np.random.default_rng(7)
    corpus = Corpus([Document(f"u{i:02d}", "text") for i in range(40)])
    for _ in range(20):
        a = rng.random(40) < rng.random()
        b = rng.random(40) < rng.random()
        if not (a.any() or b.any()):
            continue
        manual = codings_frame([_row(f"u{i:02d}", "c", "me") for i in np.flatnonzero(a)])
        rules = codings_frame([_row(f"u{i:02d}", "c", "rules") for i in np.flatnonzero(b)])
        got = evaluate_rules(manual, rules, unit="document", corpus=corpus).loc[0, "kappa"]
        expected = cohen_kappa_score(a, b) if len(set(a) | set(b)) > 1 else float("nan")
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(expected)


def test_kappa_undefined_when_the_codings_agree_by_their_margins():
    corpus = Corpus([Document(f"u{i}", "text") for i in range(3)])
    ev = evaluate_rules(codings_frame([_row(f"u{i}", "c", "x") for i in range(3)]),
                        codings_frame([_row(f"u{i}", "c", "rules") for i in range(3)]), unit="document", corpus=corpus)
    assert ev.loc[0, "f1"] == 1.0 and math.isnan(ev.loc[0, "kappa"])


def test_segment_unit_without_corpus_uses_segment_ids():
    manual = codings_frame([_row("d", "c", "me", seg=1), _row("d", "c", "me", seg=2)])
    rules = codings_frame([_row("d", "c", "rules", seg=2), _row("d", "c", "rules", seg=3)])
    ev = evaluate_rules(manual, rules, unit="segment").set_index("code")
    assert (ev.loc["c", "tp"], ev.loc["c", "fp"], ev.loc["c", "fn"], ev.loc["c", "tn"]) == (1, 1, 1, 0)
    assert ev.attrs["units_from"] == "codings"


def test_sentence_unit_with_corpus_maps_offsets_and_counts_true_negatives():
    text = "人間の尊厳を守る。個人情報を保護する。難民を保護する。平和を築く。"
    bounds = [(0, 9), (9, 19), (19, 27), (27, 33)]
    assert "".join(text[s:e] for s, e in bounds) == text
    sents = [Segment("m", i + 1, s, e, text[s:e], kind="sentence") for i, (s, e) in enumerate(bounds)]
    corpus = Corpus([Document("m", text, {"language": "ja"})], sents)
    gold = codings_frame([_row("m", "protection", "gold_ja", seg=3, start=19, end=27, text=text),
                          _row("m", "dignity", "gold_ja", seg=1, start=0, end=9, text=text)])
    # the rule coder numbers segments its own way (99) and codes the matched words only
    rules = codings_frame([_row("m", "protection", "rules", seg=99, start=14, end=16, text=text),
                           _row("m", "protection", "rules", seg=99, start=22, end=24, text=text),
                           _row("m", "dignity", "rules", seg=99, start=3, end=5, text=text)])
    ev = evaluate_rules(gold, rules, unit="sentence", corpus=corpus).set_index("code")
    p = ev.loc["protection"]
    assert (p["tp"], p["fp"], p["fn"], p["tn"]) == (1, 1, 0, 2)
    dg = ev.loc["dignity"]
    assert (dg["tp"], dg["fp"], dg["fn"], dg["tn"]) == (1, 0, 0, 3)
    assert ev.attrs["n_units"] == 4


def test_codings_outside_the_sample_are_counted_not_used():
    text = "一つ目。二つ目。三つ目。"
    corpus = Corpus([Document("d", text, {"language": "ja"})],
                    [Segment("d", 1, 0, 4, text[0:4], kind="sentence")])  # only the first is sampled
    gold = codings_frame([_row("d", "c", "gold", start=0, end=4, text=text)])
    rules = codings_frame([_row("d", "c", "rules", start=0, end=3, text=text),
                           _row("d", "c", "rules", seg=2, start=4, end=8, text=text)])
    ev = evaluate_rules(gold, rules, unit="sentence", corpus=corpus)
    assert ev.attrs["outside"] == {"manual": 0, "automatic": 1}
    assert ev.loc[0, "fp"] == 0 and ev.loc[0, "tp"] == 1


def test_document_unit_with_corpus_counts_uncoded_documents():
    corpus = Corpus([Document(f"K{i}", "text") for i in range(1, 11)])
    manual = codings_frame([_row("K1", "c", "me")])
    rules = codings_frame([_row("K1", "c", "rules")])
    ev = evaluate_rules(manual, rules, unit="document", corpus=corpus)
    assert ev.loc[0, "tn"] == 9 and ev.loc[0, "kappa"] == pytest.approx(1.0)


def test_codes_option_keeps_order_and_reports_unused_codes(excerpt_tables):
    manual, rules = excerpt_tables
    ev = evaluate_rules(manual, rules, unit="document", codes=["want", "never_used"])
    assert ev["code"].tolist() == ["want", "never_used", None, None]
    assert ev["level"].tolist() == ["code", "code", "micro", "macro"]
    unused = ev.iloc[1]
    assert unused["n_manual"] == 0 and unused["n_rules"] == 0 and math.isnan(unused["f1"])


def test_rollup_counts_children_for_parents():
    cb = Codebook("t", [Code(id="freedoms", label={"en": "F"}),
                        Code(id="freedoms.fear", label={"en": "Fear"}, parent="freedoms")])
    manual = codings_frame([_row("K1", "freedoms", "me")])
    rules = codings_frame([_row("K1", "freedoms.fear", "rules")])
    flat = evaluate_rules(manual, rules, unit="document", codebook=cb).set_index("code")
    assert flat.loc["freedoms", "tp"] == 0
    rolled = evaluate_rules(manual, rules, unit="document", codebook=cb, rollup=True)
    assert rolled.attrs["rollup"] is True
    rolled = rolled.set_index("code")
    assert rolled.loc["freedoms", "tp"] == 1
    assert list(rolled.index[:2]) == ["freedoms", "freedoms.fear"]
    # the keyword is rollup=, as in cooccurrence, crosstab, frequencies and incidence_matrix
    with pytest.raises(TypeError, match="roll_up"):
        evaluate_rules(manual, rules, unit="document", codebook=cb, roll_up=True)


def test_bad_arguments_are_explained(excerpt_tables):
    manual, rules = excerpt_tables
    with pytest.raises(ValueError, match=r"\[E102\] evaluate_rules: unit='span' is not one of 'document', 'segment', 'sentence', 'paragraph'"):
        evaluate_rules(manual, rules, unit="span")
    with pytest.raises(ValueError, match=r"evaluate_rules: unit='paragraph' needs corpus="):
        evaluate_rules(manual, rules, unit="paragraph")
    with pytest.raises(ValueError, match=r"\[E105\] evaluate_rules: rollup= needs codebook="):
        evaluate_rules(manual, rules, rollup=True)
    with pytest.raises(TypeError, match=r"\[E101\] evaluate_rules: manual must be a DataFrame, not \[\{.*\}\] \(list\)"):
        evaluate_rules(manual.to_dict("records"), rules)


def test_inputs_are_not_modified(excerpt_tables):
    manual, rules = excerpt_tables
    before = manual.copy(), rules.copy()
    evaluate_rules(manual, rules)
    pd.testing.assert_frame_equal(manual, before[0])
    pd.testing.assert_frame_equal(rules, before[1])


def test_swapped_tables_are_refused(excerpt_tables):
    manual, rules = excerpt_tables
    with pytest.raises(ValueError, match="the tables look swapped: manual holds only machine coder"):
        evaluate_rules(rules, manual)
    with pytest.raises(ValueError, match="manual holds only machine coder\\(s\\) 'rules'"):
        evaluate_rules(rules, rules)
    with pytest.raises(ValueError, match="automatic holds human coder\\(s\\) 'kurusu2015'"):
        evaluate_rules(manual, manual)
    suggested = codings_frame([_row("K1", "dignity", "suggest:tfidf")])
    assert evaluate_rules(manual, suggested).loc[0, "tp"] == 1   # any machine coder may be judged


def test_sentence_unit_splits_a_corpus_of_turns_as_apply_codebook_does():
    text = "Q: What matters?\nA: We protect people. We empower them. Both matter."
    i = text.index("\n")
    corpus = Corpus([Document("int04", text, {"language": "en"})],
                    [Segment("int04", 1, 0, i, text[:i], "Q", "turn"),
                     Segment("int04", 2, i + 1, len(text), text[i + 1:], "A", "turn")])
    s = text.index("We empower them.")
    # the person coded the whole answer turn; the rules coded one sentence of it
    manual = codings_frame([_row("int04", "protection", "me", seg=2, start=i + 1, end=len(text), text=text)])
    rules = codings_frame([_row("int04", "protection", "rules", seg=2, start=s, end=s + 16, text=text)])
    ev = evaluate_rules(manual, rules, unit="sentence", corpus=corpus)
    # sentences: "Q: What matters?" | "A: We protect people." | "We empower them." | "Both matter."
    assert ev.attrs["n_units"] == 4
    assert ev.loc[0, ["tp", "fp", "fn", "tn"]].tolist() == [1, 0, 2, 1]
