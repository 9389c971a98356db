"""One vocabulary of units: paragraphs, as apply_codebook(unit="paragraph") cuts them, in
every analysis function."""

import pandas as pd
import pytest

import hsqual
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.incidence import unit_spans

# three paragraphs in one document, two in the other, separated by blank lines
TEXT_1 = "Fear of violence.\n\nWant of food. Dignity too.\n\nNothing here."
TEXT_2 = "Want again.\n\nFear and dignity."
CORPUS = Corpus([Document("d1", TEXT_1, {"sector": "NGO"}), Document("d2", TEXT_2, {"sector": "university"})])


def _rows(coder, items):
    rows = []
    for doc, code, word in items:
        text = TEXT_1 if doc == "d1" else TEXT_2
        start = text.index(word)
        rows.append({"doc_id": doc, "segment_id": 1, "code": code, "start": start, "end": start + len(word),
                     "quote": word, "coder": coder})
    return codings_frame(rows)


A = _rows("alice", [("d1", "fear", "Fear"), ("d1", "want", "Want"), ("d1", "dignity", "Dignity"),
                    ("d2", "want", "Want"), ("d2", "fear", "Fear"), ("d2", "dignity", "dignity")])
RULES = _rows("rules", [("d1", "fear", "Fear"), ("d1", "want", "food"), ("d2", "dignity", "dignity"),
                        ("d1", "dignity", "Nothing")])


def test_paragraph_units_are_those_apply_codebook_codes():
    paras = unit_spans(CORPUS, "paragraph")
    texts = [CORPUS.doc(d).text[a:b] for d, a, b in zip(paras["doc_id"], paras["start"], paras["end"])]
    assert texts == ["Fear of violence.", "Want of food. Dignity too.", "Nothing here.", "Want again.",
                     "Fear and dignity."]
    codebook = hsqual.Codebook("t", [hsqual.Code(id="want", label={"en": "want"}, rules={"en": ["want"]})])
    coded = hsqual.apply_codebook(CORPUS, codebook, unit="paragraph")
    got = sorted(zip(coded["doc_id"], coded["start"], coded["end"]))
    assert got == [("d1", 19, 45), ("d2", 0, 11)]
    assert set(got) <= set(zip(paras["doc_id"], paras["start"], paras["end"]))


def test_incidence_matrix_by_paragraph():
    inc = hsqual.incidence_matrix(A, unit="paragraph", corpus=CORPUS)
    assert inc.n_units == 5
    frame = inc.to_frame()
    assert frame.sum().to_dict() == {"dignity": 2, "fear": 2, "want": 2}
    # the second paragraph of d1 carries want and dignity, the third nothing
    assert frame.iloc[1].to_dict() == {"dignity": 1, "fear": 0, "want": 1}
    assert frame.iloc[2].sum() == 0
    with pytest.raises(hsqual.HsqualError, match="needs corpus"):
        hsqual.incidence_matrix(A, unit="paragraph")


def test_cooccurrence_by_paragraph():
    co = hsqual.cooccurrence(A, unit="paragraph", corpus=CORPUS)
    n_ab = {(a, b): n for a, b, n in zip(co["code_a"], co["code_b"], co["n_ab"])}
    assert n_ab == {("dignity", "fear"): 1, ("dignity", "want"): 1, ("fear", "want"): 0}
    assert set(co["n_units"]) == {5}
    passages = hsqual.cooccurrence_passages(A, "want", "dignity", corpus=CORPUS, unit="paragraph")
    assert passages["text"].tolist() == ["Want of food. Dignity too."]


def test_agreement_by_paragraph():
    ag = hsqual.agreement(A, A.assign(coder="bob").query("not (doc_id == 'd2' and code == 'fear')"),
                          unit="paragraph", corpus=CORPUS)
    fear = ag[ag["code"] == "fear"].iloc[0]
    assert [int(fear[c]) for c in ("n_units", "both", "only_a", "only_b", "neither")] == [5, 1, 1, 0, 3]


def test_crosstab_by_paragraph():
    ct = hsqual.crosstab(A, CORPUS, by="sector", unit="paragraph", values="presence", stats=False)
    counts = ct.counts if hasattr(ct, "counts") else ct
    assert counts.loc["dignity", "NGO"] == 1 and counts.loc["dignity", "university"] == 1
    assert ct.category_sizes.to_dict() == {"NGO": 3, "university": 2}


def test_evaluate_rules_by_paragraph():
    ev = hsqual.evaluate_rules(A, RULES, unit="paragraph", corpus=CORPUS)
    by_code = ev.set_index("code")
    # fear: both in d1 p1; alice alone in d2 p2
    assert by_code.loc["fear", ["tp", "fp", "fn", "tn"]].tolist() == [1, 0, 1, 3]
    # dignity: both in d2 p2; rules alone in d1 p3; alice alone in d1 p2
    assert by_code.loc["dignity", ["tp", "fp", "fn", "tn"]].tolist() == [1, 1, 1, 2]
    assert int(by_code.loc["want", "n_units"]) == 5
    with pytest.raises(hsqual.HsqualError, match="needs corpus"):
        hsqual.evaluate_rules(A, RULES, unit="paragraph")
