"""rank_units, decisions, metrics and the review simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.errors import HsqualError
from hsqual.ranking import RANK_COLUMNS, recall_at, simulate_review, wss_at

TOPICS = {
    "want": ["Hunger and poverty remain.", "Clinics lack medicine.", "Food prices rose again.",
             "Poverty keeps children from school.", "Health care is too costly."],
    "fear": ["Armed groups attack villages.", "Landmines still kill farmers.", "Violence drove families away.",
             "Soldiers burned the market.", "Fear of attacks is constant."],
    "none": ["The meeting began at noon.", "The report has ten pages.", "We took the morning train.",
             "The office moved last year.", "Tea was served.", "The road is long."],
}


class Topic:
    """A fake embedder: each text's vector says which topic words it holds (deterministic, fast)."""

    name = "topic-words"
    cacheable = False
    WORDS = {"want": ("hunger", "poverty", "clinic", "medicine", "food", "health", "school"),
             "fear": ("armed", "attack", "landmine", "violence", "soldier", "burn", "fear", "kill")}

    def __init__(self):
        self.calls = 0

    def fit(self, texts):
        return self

    def encode(self, texts):
        self.calls += 1
        out = []
        for t in texts:
            t = t.lower()
            v = [sum(w in t for w in self.WORDS["want"]), sum(w in t for w in self.WORDS["fear"]),
                 0.3, (len(t) % 7) / 70]
            out.append(v)
        X = np.array(out, dtype=float)
        return X / np.linalg.norm(X, axis=1, keepdims=True)


def make_corpus():
    docs = []
    for topic, sents in TOPICS.items():
        for i, s in enumerate(sents):
            docs.append(Document(f"{topic}{i}", s, {"language": "en"}))
    return Corpus(docs)


@pytest.fixture
def corpus():
    return make_corpus()


@pytest.fixture
def codebook():
    return Codebook("demo", [
        Code(id="want", label={"en": "Freedom from want (poverty)", "ja": "欠乏からの自由"},
             definition={"en": "Poverty, hunger, health and food."}, rules={"en": ("hunger",)}, codebook="demo"),
        Code(id="fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
             definition={"en": "Violence, armed attack and fear."},
             when_not_to_use={"en": "Poverty and hunger: want."}, codebook="demo"),
    ])


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def decisions(rows):
    return pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "accepted"])


def unit(corpus, doc_id):
    return doc_id, 0, len(corpus.doc(doc_id).text)


def test_columns_quotes_and_codebook_ranking(corpus, codebook):
    r = hsqual.rank_units(corpus, codebook, embedder=Topic())
    assert list(r.columns) == RANK_COLUMNS
    assert len(r) == 2 * 16
    assert all(corpus.doc(d).text[a:b] == q for d, a, b, q in zip(r["doc_id"], r["start"], r["end"], r["quote"]))
    assert set(r["source"]) == {"codebook"} and r["probability"].isna().all()
    assert r["decision"].isna().all()
    for code, top in (("want", "want"), ("fear", "fear")):
        part = r[r["code"] == code].sort_values("rank")
        assert part["rank"].tolist() == list(range(1, 17))
        assert part["score"].is_monotonic_decreasing
        # the five units of the code's topic come first
        assert {d.rstrip("0123456789") for d in part["doc_id"].head(5)} == {top}
    # the rule that fired is traced, with its words
    hunger = r[(r["code"] == "want") & (r["doc_id"] == "want0")].iloc[0]
    assert hunger["rule"] == "demo/want/en#1: hunger" and hunger["match_text"] == "Hunger"
    assert hunger["rank"] == 1
    assert r.loc[(r["code"] == "fear"), "rule"].eq("").all()
    assert r["example"].str.startswith(("label", "definition", "when to use")).all()


def test_an_accepted_unit_rises_and_a_rejected_one_falls(corpus, codebook):
    emb = Topic()
    before = hsqual.rank_units(corpus, codebook, embedder=emb, codes=["fear"])
    rank0 = dict(zip(before["doc_id"], before["rank"]))
    # the reviewer says a 'none' sentence does carry the code
    dec = decisions([(*unit(corpus, "none5"), "fear", True), (*unit(corpus, "fear4"), "fear", False),
                     (*unit(corpus, "fear0"), "fear", True), (*unit(corpus, "none0"), "fear", False)])
    after = hsqual.rank_units(corpus, codebook, embedder=emb, codes=["fear"], decisions=dec)
    rank1 = dict(zip(after["doc_id"], after["rank"]))
    assert set(after["source"]) == {"model"}
    assert after["probability"].between(0, 1).all()
    assert rank1["none5"] < rank0["none5"]
    got = dict(zip(after["doc_id"], after["decision"]))
    assert bool(got["none5"]) is True and bool(got["fear4"]) is False and pd.isna(got["want1"])
    # the rule puts 'Hunger and poverty remain.' first for want; the reviewer rejects it and
    # accepts two sentences on violence: the sentences like it fall, those on violence rise
    before = hsqual.rank_units(corpus, codebook, embedder=emb, codes=["want"])
    rank0 = dict(zip(before["doc_id"], before["rank"]))
    assert rank0["want0"] == 1
    dec = decisions([(*unit(corpus, "want0"), "want", False), (*unit(corpus, "fear0"), "want", True),
                     (*unit(corpus, "fear1"), "want", True)])
    after = hsqual.rank_units(corpus, codebook, embedder=emb, codes=["want"], decisions=dec)
    rank1 = dict(zip(after["doc_id"], after["rank"]))
    assert after.loc[after["doc_id"] == "want0", "probability"].iloc[0] < 0.5
    assert sum(rank1[f"want{i}"] for i in range(1, 5)) > sum(rank0[f"want{i}"] for i in range(1, 5))
    for d in ("fear2", "fear3", "fear4"):
        assert rank1[d] < rank0[d]


def test_decisions_change_the_model_ranking_toward_accepted_units(corpus, codebook):
    # a code the codebook describes badly: decisions alone must steer it to the 'want' sentences
    cb = Codebook("demo", [Code(id="odd", label={"en": "Something"}, definition={"en": "Anything at all."})])
    dec = decisions([(*unit(corpus, "want0"), "odd", True), (*unit(corpus, "want1"), "odd", True),
                     (*unit(corpus, "none0"), "odd", False), (*unit(corpus, "fear0"), "odd", False)])
    r = hsqual.rank_units(corpus, cb, embedder=Topic(), decisions=dec)
    undecided = r[r["decision"].isna()].sort_values("rank")
    assert {d[:4] for d in undecided["doc_id"].head(3)} == {"want"}


def test_one_sided_decisions_fall_back_to_the_codebook_and_say_so(corpus, codebook):
    dec = decisions([(*unit(corpus, "fear0"), "fear", True), (*unit(corpus, "want0"), "want", True),
                     (*unit(corpus, "none0"), "want", False)])
    with pytest.warns(UserWarning, match=r"no model yet for fear \(1 accepted, 0 rejected\)"):
        r = hsqual.rank_units(corpus, codebook, embedder=Topic(), decisions=dec)
    assert r.attrs["sources"] == {"want": "model", "fear": "codebook"}
    assert set(r.loc[r["code"] == "fear", "source"]) == {"codebook"}
    assert r.loc[r["code"] == "fear", "probability"].isna().all()


@pytest.mark.parametrize("rows, message", [
    ([("want0", 0, 26, "want", "yes")], r"row 1 \(index 0\): accepted must be True or False, not 'yes'"),
    ([("want0", 0, 26, "want", True), ("want1", 0, 22, "nope", False)],
     r"row 2 \(index 1\): code 'nope' is not a code of the codebook"),
    ([("want0", 0, 26, "want", True), ("ghost", 0, 5, "want", False)], r"row 2 .*document 'ghost' is not in the corpus"),
    ([("want0", 0, 10, "want", True)], r"row 1 .*want0 0-10 is not a unit of the corpus"),
    ([("want0", 0, 26, "want", True), ("want1", 0, 22, "want", False), ("want0", 0, 26, "want", False)],
     r"row 3 \(index 2\): contradicts row 1: want0 0-26 is both accepted and rejected for code 'want'"),
    ([("want0", "a", 26, "want", True)], r"row 1 .*start and end must be whole numbers"),
    ([("want0", 0, 26, "want", True), ("want1", 0, float("inf"), "want", False)],
     r"row 2 \(index 1\): start and end must be whole numbers, not 0, inf"),     # not an OverflowError
])
def test_bad_decisions_name_the_row(corpus, codebook, rows, message):
    with pytest.raises(HsqualError, match=message):
        hsqual.rank_units(corpus, codebook, embedder=Topic(), decisions=decisions(rows))


def test_decisions_of_the_wrong_shape(corpus, codebook):
    with pytest.raises(HsqualError, match=r"missing column\(s\) accepted"):
        hsqual.rank_units(corpus, codebook, embedder=Topic(),
                          decisions=pd.DataFrame({"doc_id": ["want0"], "start": [0], "end": [26], "code": ["want"]}))
    with pytest.raises(HsqualError, match="decisions must be a DataFrame or None"):
        hsqual.rank_units(corpus, codebook, embedder=Topic(), decisions=[("want0", 0, 26, "want", True)])
    # the same verdict twice is not a contradiction
    same = decisions([("want0", 0, 26, "want", True), ("want0", 0, 26, "want", True), ("none0", 0, 26, "want", False)])
    r = hsqual.rank_units(corpus, codebook, embedder=Topic(), decisions=same, codes=["want"])
    assert int(r["decision"].notna().sum()) == 2


def test_bad_arguments(corpus, codebook):
    with pytest.raises(ValueError, match="unit='page' is not one of 'sentence', 'window', 'segment'"):
        hsqual.rank_units(corpus, codebook, unit="page", embedder=Topic())
    with pytest.raises(HsqualError, match="'wnat' are not codes"):
        hsqual.rank_units(corpus, codebook, codes=["wnat"], embedder=Topic())


def test_window_units_embed_the_neighbours():
    text = "Armed groups came. The harvest failed. We met at noon."
    corpus = Corpus([Document("d", text, {"language": "en"})])
    cb = Codebook("demo", [Code(id="fear", label={"en": "Fear"})])

    class Recorder(Topic):
        seen: list = []

        def encode(self, texts):
            self.seen.extend(texts)
            return super().encode(texts)

    emb = Recorder()
    r = hsqual.rank_units(corpus, cb, unit="window", embedder=emb)
    assert sorted(r["quote"]) == sorted(["Armed groups came.", "The harvest failed.", "We met at noon."])
    assert "Armed groups came. The harvest failed. We met at noon." in emb.seen
    assert "Armed groups came. The harvest failed." in emb.seen
    assert "The harvest failed. We met at noon." in emb.seen


def test_recall_and_wss_match_hand_computations():
    order = [True, False, False, True, False, False, False, False, False, False,
             False, False, False, False, False, False, False, False, True, False]
    # 3 relevant units among 20: after 2 (10 %) one, after 4 (20 %) two, after 6 (30 %) two
    assert recall_at(order, 0.1) == pytest.approx(1 / 3)
    assert recall_at(order, 0.2) == pytest.approx(2 / 3)
    assert recall_at(order, 0.3) == pytest.approx(2 / 3)
    # 95 % of 3 needs all 3: found at unit 19 -> (20 - 19) / 20 - 0.05 = 0.0
    assert wss_at(order, 0.95) == pytest.approx(0.0)
    perfect = [True] * 3 + [False] * 17
    assert wss_at(perfect, 0.95) == pytest.approx(17 / 20 - 0.05)
    assert np.isnan(recall_at([False, False], 0.3)) and np.isnan(wss_at([False], 0.95))


def test_simulation_finds_the_topics_and_reports_per_language(codebook):
    docs = [Document(f"{t}{i}", s, {"language": "en"}) for t, sents in TOPICS.items() for i, s in enumerate(sents)]
    docs += [Document("ja0", "飢餓と貧困が続く。", {"language": "ja"}), Document("ja1", "会議は正午に始まった。", {"language": "ja"})]
    corpus = Corpus(docs)
    gold = codings_frame([{"doc_id": f"want{i}", "segment_id": 1, "code": "want", "start": 0,
                           "end": len(TOPICS["want"][i]), "quote": TOPICS["want"][i], "coder": "gold"} for i in range(5)]
                         + [{"doc_id": "ja0", "segment_id": 1, "code": "want", "start": 0, "end": 9,
                             "quote": "飢餓と貧困が続く。", "coder": "gold"}])
    sim = quiet(simulate_review, corpus, codebook, gold, embedder="tfidf", batch=2)
    pc = sim.per_code
    assert pc[["code", "language"]].values.tolist() == [["want", "all"], ["want", "en"], ["want", "ja"]]
    assert pc["n_units"].tolist() == [18, 16, 2] and pc["n_positive"].tolist() == [6, 5, 1]
    order = sim.orders["want"]
    assert sorted(order) == list(range(18))  # every unit read once
    truth = [sim.units.loc[i, "doc_id"] in {"want0", "want1", "want2", "want3", "want4", "ja0"} for i in order]
    assert pc.loc[0, "recall@30%"] == pytest.approx(recall_at(truth, 0.3))
    assert pc.loc[0, "wss@95"] == pytest.approx(wss_at(truth, 0.95))
    # the rule 'hunger' fires first: the first unit read is a positive
    assert truth[0]
    s = sim.summary
    assert s["language"].tolist() == ["all", "en", "ja"]
    assert s["n_codes"].tolist() == [1, 1, 0]  # ja has one positive, below min_positives=3
    assert "(mean)" not in set(pc["code"])


@pytest.mark.parametrize("coders", [[], ["rules"]])
def test_simulation_with_no_persons_coding_to_replay_says_so(corpus, codebook, coders):
    """An empty gold table (or one of machine codings only) was a KeyError 'doc_id'."""
    gold = codings_frame([{"doc_id": "want0", "segment_id": 1, "code": "want", "start": 0, "end": 5,
                           "quote": TOPICS["want"][0][:5], "coder": c} for c in coders])
    with pytest.raises(HsqualError, match=r"simulate_review: the gold coding holds no person's coding of a code "
                                          r"of the codebook \(rows of machine coders are left out\); nothing to replay"):
        simulate_review(corpus, codebook, gold, embedder=Topic())
    sim = quiet(simulate_review, corpus, codebook, gold, embedder=Topic(), codes=["want"])   # asked for: figures NaN
    assert sim.per_code[["code", "language", "n_positive"]].values.tolist() == [["want", "all", 0], ["want", "en", 0]]
    assert sim.per_code["recall@10%"].isna().all()


@pytest.mark.parametrize("fractions", [(float("nan"),), (0.1, 2), (0,), (-0.1,), ("a",), (True,)])
def test_simulation_refuses_reading_fractions_that_are_no_share(corpus, codebook, fractions):
    """NaN was a bare ValueError, 2 gave a column 'recall@200%'."""
    gold = codings_frame([{"doc_id": "want0", "segment_id": 1, "code": "want", "start": 0, "end": 5,
                           "quote": TOPICS["want"][0][:5], "coder": "gold"}])
    with pytest.raises(hsqual.errors.ArgumentError, match=r"simulate_review: fractions must be shares of the "
                                                          r"units read, each above 0 and at most 1"):
        simulate_review(corpus, codebook, gold, embedder=Topic(), fractions=fractions)


def test_simulation_refuses_gold_outside_the_corpus(corpus, codebook):
    gold = codings_frame([{"doc_id": "elsewhere", "segment_id": 1, "code": "want", "start": 0, "end": 3,
                           "quote": "abc", "coder": "gold"}])
    with pytest.raises(HsqualError, match="elsewhere"):
        simulate_review(corpus, codebook, gold, embedder=Topic())


def test_the_bundled_model_ranks_across_languages(tmp_path):
    codebook = hsqual.load_codebook(hsqual.bundled_codebooks()[-1])  # three_freedoms.yaml
    texts = {"ja_fear": "武装勢力の襲撃におびえ、村の人々は夜も眠れない。",
             "ja_other": "会議は午後三時に始まります。",
             "en_fear": "Families were terrified that the militia would return and attack them.",
             "en_other": "The train to the airport leaves at nine."}
    corpus = Corpus([Document(k, v, {"language": k[:2]}) for k, v in texts.items()])
    emb = hsqual.get_embedder(None, cache_directory=tmp_path)  # the review extra's model, not the fallback
    r = hsqual.rank_units(corpus, codebook, codes=["freedoms.fear"], embedder=emb)
    assert r.attrs["embedder"].startswith(("multilingual-e5-small", "use-multilingual-v3"))
    assert set(r["doc_id"].head(2)) == {"ja_fear", "en_fear"}
    sim = dict(zip(r["doc_id"], r["example_similarity"]))
    assert sim["ja_fear"] > sim["ja_other"] and sim["en_fear"] > sim["en_other"]
    # one model for both languages: an English decision moves the Japanese sentence
    dec = decisions([(*unit(corpus, "en_fear"), "freedoms.fear", True),
                     (*unit(corpus, "en_other"), "freedoms.fear", False)])
    after = hsqual.rank_units(corpus, codebook, codes=["freedoms.fear"], embedder=emb, decisions=dec)
    p = dict(zip(after["doc_id"], after["probability"]))
    assert p["ja_fear"] > p["ja_other"]


def test_units_next_to_an_accepted_unit_rise():
    # two documents of the same neutral sentences; accepting a sentence in d1 raises its neighbours in d1 only
    sents = ["We met the mayor.", "Then we walked to the port.", "The boats were old.", "It was noon.",
             "Lunch was late."]
    text = " ".join(sents)
    corpus = Corpus([Document("d1", text, {"language": "en"}), Document("d2", text, {"language": "en"})])
    cb = Codebook("demo", [Code(id="fear", label={"en": "Fear of violence"})])
    emb = Topic()
    starts = [text.index(s) for s in sents]
    dec = decisions([("d1", starts[2], starts[2] + len(sents[2]), "fear", True),
                     ("d2", starts[0], starts[0] + len(sents[0]), "fear", False)])
    r = hsqual.rank_units(corpus, cb, embedder=emb, decisions=dec)
    near = {(d, q): v for d, q, v in zip(r["doc_id"], r["quote"], r["near_accepted"])}
    assert near[("d1", sents[1])] == 1 and near[("d1", sents[3])] == 1 and near[("d1", sents[4])] == 2
    assert pd.isna(near[("d1", sents[2])]) and pd.isna(near[("d2", sents[1])])
    rank = {(d, q): v for d, q, v in zip(r["doc_id"], r["quote"], r["rank"])}
    # the same sentence ranks higher next to the accepted one than in the other document
    for i in (1, 3):
        assert rank[("d1", sents[i])] < rank[("d2", sents[i])]
    assert rank[("d1", sents[3])] < rank[("d1", sents[4])] < rank[("d2", sents[4])]


def test_nothing_to_rank_gives_an_empty_table(codebook):
    blank = Corpus([Document("x", "   ", {"language": "en"})])
    r = hsqual.rank_units(blank, codebook, embedder=Topic())
    assert list(r.columns) == RANK_COLUMNS and len(r) == 0
    one = Corpus([Document("x", "Only one sentence.", {"language": "en"})])
    r = hsqual.rank_units(one, codebook, embedder=Topic(), codes=["want"])
    assert r["rank"].tolist() == [1] and r["quote"].tolist() == ["Only one sentence."]
    with pytest.raises(HsqualError, match="row 1 .*whole numbers, not nan"):
        hsqual.rank_units(one, codebook, embedder=Topic(),
                          decisions=decisions([("x", float("nan"), 18, "want", True)]))


class Shifted(Topic):
    """Topic words, with the Japanese texts' vectors pushed along a direction of their own (as a
    language's own direction in a multilingual embedding can), away from the codebook's texts."""

    name = "topic-words-shifted"

    def encode(self, texts):
        X = super().encode(texts)
        ja = np.array([any("\u3040" <= c <= "\u30ff" for c in t) for t in texts])
        X[ja, 2] += 3.0
        return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_by_language_standardises_scores_within_each_language():
    import dataclasses

    from hsqual.ranking import DEFAULT_SETTINGS

    docs = [Document(f"en{i}", s, {"language": "en"}) for i, s in enumerate(TOPICS["fear"] + TOPICS["none"])]
    docs += [Document(f"ja{i}", f"これは{s}です", {"language": "ja"}) for i, s in enumerate(TOPICS["fear"] + TOPICS["none"])]
    corpus = Corpus(docs)
    cb = Codebook("t", [Code("fear", {"en": "Fear"}, definition={"en": "attack violence fear kill"})])
    plain = hsqual.rank_units(corpus, cb, embedder=Shifted())
    by_lang = hsqual.rank_units(corpus, cb, embedder=Shifted(),
                                settings=dataclasses.replace(DEFAULT_SETTINGS, by_language=True))
    first = plain.sort_values("rank")["language"].tolist()
    assert first[:5] == ["en"] * 5  # one language's own direction puts all its units first ...
    first = by_lang.sort_values("rank")["language"].tolist()
    assert set(first[:5]) == {"en", "ja"}  # ... or neither comes first
    for lang, part in by_lang.groupby("language"):  # the codebook score standardised per language
        assert abs(part["prior"].mean()) < 1e-9 and abs(part["prior"].std(ddof=0) - 1) < 1e-9, lang
    for lang in ("en", "ja"):  # within each language the order is the same either way
        a = plain[plain["language"] == lang].sort_values("rank")["doc_id"].tolist()
        b = by_lang[by_lang["language"] == lang].sort_values("rank")["doc_id"].tolist()
        assert a == b
