"""Code suggestions: hsqual.suggest."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from hsqual.codings import CODINGS_COLUMNS, codings_frame
from hsqual.corpus import Corpus, Document, Segment
from hsqual.errors import CodingsError
from hsqual.suggest import (
    SUGGEST_RULE,
    accept_suggestions,
    content_words,
    evaluate_suggestions,
    suggest_codes,
)

FEAR = ["Violence against civilians must stop.", "Landmines and violence threaten villages.",
        "Armed conflict spreads fear among civilians.", "Civilians live in fear of violence.",
        "Conflict and landmines kill farmers.", "Refugees flee armed violence."]
WANT = ["Poverty and poor health hold people back.", "Food and poverty are development needs.",
        "Health care and livelihoods matter most.", "Livelihoods and food security come first.",
        "Poverty reduction needs health and schooling.", "Income and food against poverty."]
UNCODED = ["Landmines and armed violence terrorise civilians.",   # reads like fear
           "Poverty, food and health for all.",                   # reads like want
           "The weather was mild in April."]                      # neither


def _corpus_and_coding(coder="okada"):
    texts = FEAR + WANT + UNCODED
    docs = [Document(f"d{i:02d}", t, {"language": "en"}) for i, t in enumerate(texts)]
    rows = [{"doc_id": f"d{i:02d}", "segment_id": 1, "code": "freedoms.fear" if i < len(FEAR) else "freedoms.want",
             "start": 0, "end": len(t), "quote": t, "coder": coder}
            for i, t in enumerate(texts[: len(FEAR) + len(WANT)])]
    return Corpus(docs), codings_frame(rows)


def test_content_words_english():
    assert content_words("The protection of civilians, and the people's dignity.", language="en") == \
        ["protection", "civilians", "people's", "dignity"]


def test_content_words_japanese_lemmas():
    words = content_words("人々の尊厳が守られる。", language="ja")
    assert "尊厳" in words and "守る" in words and "の" not in words and "が" not in words
    # UniDic lemma of a loanword carries an English tail; it is stripped
    assert "シリーズ" in content_words("新しいシリーズを作る。", language="ja")
    assert not any("-" in w for w in content_words("新しいシリーズとプロジェクト。", language="ja"))


def test_content_words_checks_arguments():
    with pytest.raises(ValueError, match="language must be 'en' or 'ja'"):
        content_words("x", language="de")
    with pytest.raises(TypeError, match="text must be a string"):
        content_words(None)


def test_suggestions_go_to_units_lacking_the_code():
    corpus, manual = _corpus_and_coding()
    s = suggest_codes(manual, corpus, unit="document")
    assert list(s.columns[: len(CODINGS_COLUMNS)]) == CODINGS_COLUMNS
    got = {(d, c) for d, c in zip(s["doc_id"], s["code"])}
    assert ("d12", "freedoms.fear") in got
    assert ("d13", "freedoms.want") in got
    coded = {(d, c) for d, c in zip(manual["doc_id"], manual["code"])}
    assert not got & coded
    assert set(s["coder"]) == {"suggest"} and set(s["rule"]) == {SUGGEST_RULE}
    assert (s["score"] >= 0.5).all()
    assert s["score"].is_monotonic_decreasing
    assert s["suggestion_id"].tolist() == list(range(1, len(s) + 1))
    for _, r in s.iterrows():
        assert corpus.doc(r["doc_id"]).text[r["start"]:r["end"]] == r["quote"]
        assert r["memo"].startswith("top features: ")
    fear_memo = s[(s["doc_id"] == "d12") & (s["code"] == "freedoms.fear")]["memo"].iloc[0]
    assert any(w in fear_memo for w in ("landmines", "violence", "civilians", "armed"))
    # a sentence of neither kind shares no word with any code: nothing is suggested for it
    assert "d14" not in set(s["doc_id"])


def test_suggestions_per_segment_point_at_the_segment():
    text = FEAR[0] + " " + WANT[0]
    cut = len(FEAR[0])
    docs = [Document(f"d{i:02d}", t) for i, t in enumerate(FEAR + WANT)] + [Document("mixed", text)]
    segs = [Segment(d.doc_id, 1, 0, len(d.text), d.text, kind="sentence") for d in docs[:-1]]
    segs += [Segment("mixed", 1, 0, cut, text[:cut], kind="sentence"),
             Segment("mixed", 2, cut + 1, len(text), text[cut + 1:], kind="sentence")]
    corpus = Corpus(docs, segs)
    manual = codings_frame([{"doc_id": s.doc_id, "segment_id": 1, "start": s.start, "end": s.end, "quote": s.text,
                             "coder": "me", "code": "fear" if int(s.doc_id[1:]) < len(FEAR) else "want"}
                            for s in segs[:-2]])
    s = suggest_codes(manual, corpus, unit="segment").set_index(["doc_id", "segment_id"])
    assert s.loc[("mixed", 1), "code"] == "fear"
    assert s.loc[("mixed", 2), "code"] == "want"
    assert (s.loc[("mixed", 2), "start"], s.loc[("mixed", 2), "end"]) == (cut + 1, len(text))


def test_machine_rows_do_not_teach_and_codes_below_min_examples_are_reported():
    corpus, manual = _corpus_and_coding()
    machine = codings_frame([{"doc_id": "d14", "segment_id": 1, "code": "freedoms.dignity", "start": 0, "end": 3,
                              "quote": corpus.doc("d14").text[:3], "coder": "rules"}])
    few = codings_frame([{"doc_id": "d00", "segment_id": 1, "code": "freedoms.dignity", "start": 0, "end": 8,
                          "quote": corpus.doc("d00").text[:8], "coder": "okada"}])
    table = pd.concat([manual, machine, few], ignore_index=True)
    s = suggest_codes(table, corpus, unit="document", min_examples=3)
    assert "freedoms.dignity" not in set(s["code"])
    assert s.attrs["skipped"] == {"freedoms.dignity": "1 coded unit(s); at least 3 needed"}
    assert s.attrs["codes_learnt"] == ["freedoms.fear", "freedoms.want"]
    # the units coded only by the machine are not training units
    assert s.attrs["n_training_units"] == 12


def test_judged_units_are_negatives_for_every_code():
    corpus, manual = _corpus_and_coding()
    plain = suggest_codes(manual, corpus, unit="document")
    judged = suggest_codes(manual, corpus, unit="document", judged=["d14"])
    assert plain.attrs["n_training_units"] == 12 and judged.attrs["n_training_units"] == 13
    ev = evaluate_suggestions(manual, corpus, cv=3, unit="document", judged=["d12", "d13", "d14"])
    assert ev.set_index("code").loc["freedoms.fear", "n_units"] == 15
    with pytest.raises(ValueError, match="judged unit 'nowhere' is not a unit of the corpus"):
        suggest_codes(manual, corpus, unit="document", judged=["nowhere"])
    with pytest.raises(ValueError, match=r"judged lists \(doc_id, segment_id\) pairs"):
        suggest_codes(manual, corpus, unit="segment", judged=["d14"])


def test_top_k_threshold_and_codes():
    corpus, manual = _corpus_and_coding()
    one = suggest_codes(manual, corpus, unit="document", top_k=1, threshold=0.0)
    assert one.groupby("doc_id").size().max() == 1
    only = suggest_codes(manual, corpus, unit="document", codes=["freedoms.want"])
    assert set(only["code"]) <= {"freedoms.want"}
    high = suggest_codes(manual, corpus, unit="document", threshold=0.99)
    assert (high["score"] >= 0.99).all()
    assert len(high) <= len(suggest_codes(manual, corpus, unit="document"))


def test_suggest_checks_arguments():
    corpus, manual = _corpus_and_coding()
    with pytest.raises(ValueError, match="unit must be one of 'segment', 'sentence', 'document', not 'paragraph'"):
        suggest_codes(manual, corpus, unit="paragraph")
    with pytest.raises(ValueError, match="threshold must be a score between 0 and 1"):
        suggest_codes(manual, corpus, threshold=2)
    with pytest.raises(TypeError, match="corpus must be a Corpus"):
        suggest_codes(manual, [corpus])
    bad = manual.copy()
    bad.loc[0, "doc_id"] = "nowhere"
    with pytest.raises(CodingsError, match="not in the corpus: nowhere"):
        suggest_codes(bad, corpus, unit="document")
    bad = manual.copy()
    bad.loc[0, "segment_id"] = 7
    with pytest.raises(CodingsError, match="segment\\(s\\) not in the corpus: d00/7"):
        suggest_codes(bad, corpus, unit="segment")


def test_accept_by_id_and_by_score_relabels_to_the_person():
    corpus, manual = _corpus_and_coding()
    s = suggest_codes(manual, corpus, unit="document")
    first = int(s["suggestion_id"].iloc[0])
    out = accept_suggestions(manual, s, accept=[first], coder="okada")
    assert len(out) == len(manual) + 1
    new = out.iloc[-1]
    assert new["coder"] == "okada" and new["rule"] == ""
    assert new["memo"].startswith(f"accepted suggestion {first} (score ")
    assert (new["doc_id"], new["code"]) == (s["doc_id"].iloc[0], s["code"].iloc[0])
    pd.testing.assert_frame_equal(out.iloc[: len(manual)][CODINGS_COLUMNS], manual[CODINGS_COLUMNS])
    # by score: every suggestion at or above it
    cut = float(s["score"].median())
    by_score = accept_suggestions(manual, s, accept=cut, coder="okada")
    assert len(by_score) == len(manual) + int((s["score"] >= cut).sum())
    # accepting the same suggestion twice does not add it twice
    again = accept_suggestions(out, s, accept=[first], coder="okada")
    assert len(again) == len(out)


def test_accept_never_applies_silently_and_checks_its_arguments():
    corpus, manual = _corpus_and_coding()
    s = suggest_codes(manual, corpus, unit="document")
    before = manual.copy()
    assert len(accept_suggestions(manual, s, accept=[], coder="okada")) == len(manual)
    pd.testing.assert_frame_equal(manual, before)
    with pytest.raises(ValueError, match="machine coder"):
        accept_suggestions(manual, s, accept=[1], coder="rules")
    with pytest.raises(ValueError, match="coder must name the person"):
        accept_suggestions(manual, s, accept=[1], coder="")
    with pytest.raises(ValueError, match=r"no suggestion with id\(s\) \[999\]"):
        accept_suggestions(manual, s, accept=[999], coder="okada")
    with pytest.raises(CodingsError, match="with a 'score' column"):
        accept_suggestions(manual, manual, accept=[1], coder="okada")


def test_evaluate_suggestions_counts_are_consistent_and_small_codes_are_reported():
    corpus, manual = _corpus_and_coding()
    extra = codings_frame([{"doc_id": f"d{i:02d}", "segment_id": 1, "code": "freedoms.dignity", "start": 0,
                            "end": 4, "quote": corpus.doc(f"d{i:02d}").text[:4], "coder": "okada"} for i in (0, 7)])
    ev = evaluate_suggestions(pd.concat([manual, extra], ignore_index=True), corpus, cv=3, unit="document")
    assert ev["code"].tolist() == ["freedoms.dignity", "freedoms.fear", "freedoms.want", None, None]
    assert ev["level"].tolist() == ["code", "code", "code", "micro", "macro"]
    ev = ev.set_index(ev["code"].fillna(ev["level"]))
    dig = ev.loc["freedoms.dignity"]
    assert dig["status"] == "skipped: 2 positive unit(s), 3 folds need at least 3"
    assert math.isnan(dig["f1"]) and pd.isna(dig["tp"])
    for code in ("freedoms.fear", "freedoms.want"):
        r = ev.loc[code]
        assert r["status"] == "ok" and r["n_positive"] == 6 and r["n_units"] == 12
        assert r["tp"] + r["fn"] == r["n_positive"]
        assert r["recall"] == pytest.approx(r["tp"] / r["n_positive"])
        if r["tp"] + r["fp"]:
            assert r["precision"] == pytest.approx(r["tp"] / (r["tp"] + r["fp"]))
    micro = ev.loc["micro"]
    assert micro["tp"] == ev.loc["freedoms.fear", "tp"] + ev.loc["freedoms.want", "tp"]
    assert ev.loc["macro", "f1"] == pytest.approx(
        np.mean([ev.loc["freedoms.fear", "f1"], ev.loc["freedoms.want", "f1"]]))
    # the two kinds of sentence share no words: cross-validation finds them all
    assert micro["f1"] == pytest.approx(1.0)
    assert ev.attrs["cv"] == 3


def test_evaluate_suggestions_repeats_with_the_same_seed():
    corpus, manual = _corpus_and_coding()
    a = evaluate_suggestions(manual, corpus, cv=3, unit="document", random_state=1)
    b = evaluate_suggestions(manual, corpus, cv=3, unit="document", random_state=1)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="cv must be a whole number of folds, at least 2"):
        evaluate_suggestions(manual, corpus, cv=1)


def test_japanese_suggestions_use_lemmas():
    fear = ["紛争と暴力から市民を守る。", "地雷と暴力の恐怖をなくす。", "武力紛争で難民が逃れた。", "暴力と紛争が続いた。"]
    want = ["貧困と保健の課題に取り組む。", "食料と貧困の問題を減らす。", "保健と教育で貧困を減らした。", "食料と保健を届ける。"]
    new = "暴力から人々が守られる。"
    texts = fear + want + [new]
    corpus = Corpus([Document(f"j{i}", t, {"language": "ja"}) for i, t in enumerate(texts)])
    manual = codings_frame([{"doc_id": f"j{i}", "segment_id": 1, "start": 0, "end": len(t), "quote": t,
                             "coder": "yamada", "code": "fear" if i < 4 else "want"}
                            for i, t in enumerate(texts[:-1])])
    s = suggest_codes(manual, corpus, unit="document")
    row = s[s["doc_id"] == "j8"]
    assert row["code"].tolist() == ["fear"]
    assert "暴力" in row["memo"].iloc[0]


def test_kurusu_excerpts_cross_validation_runs():
    from hsqual.studies import kurusu2015

    study = kurusu2015.load()
    ev = evaluate_suggestions(study.codings, study.corpus, cv=5, unit="document")
    codes = sorted(set(study.codings["code"]))
    assert ev["code"].tolist()[: len(codes)] == codes
    ok = ev[(ev["status"] == "ok") & (ev["level"] == "code")]
    skipped = ev[ev["status"].str.startswith("skipped")]
    assert len(ok) + len(skipped) == len(codes)
    assert (ok["n_positive"] >= 5).all() and (skipped["n_positive"] < 5).all()
    assert ((ok["f1"] >= 0) & (ok["f1"] <= 1)).all()


def test_no_human_codings_is_no_suggestion_not_a_crash():
    corpus, manual = _corpus_and_coding(coder="rules")   # machine rows only teach nothing
    for codings in (manual, codings_frame()):
        s = suggest_codes(codings, corpus, unit="document")
        assert len(s) == 0 and s.attrs["n_training_units"] == 0


def test_accept_a_bare_whole_number_is_refused_as_ambiguous():
    corpus, manual = _corpus_and_coding()
    s = suggest_codes(manual, corpus, unit="document")
    with pytest.raises(TypeError, match=re.escape("accept=1 is ambiguous: pass [1] to accept suggestion 1, "
                                                  "or 1.0 to accept every suggestion")):
        accept_suggestions(manual, s, accept=1, coder="okada")
    assert len(accept_suggestions(manual, s, accept=1.0, coder="okada")) == len(manual) + int((s["score"] >= 1).sum())


# ---- sentences ----------------------------------------------------------------------------

EN_INTERVIEW = ("Interviewer: What threatens people?\n"
                "Interviewee: Violence against civilians must stop. Landmines and violence threaten villages. "
                "Armed conflict spreads fear among civilians.\n"
                "Interviewer: And daily life?\n"
                "Interviewee: Poverty and poor health hold people back. Food and poverty are development needs. "
                "Health care and livelihoods matter most.\n"
                "Interviewer: Anything else?\n"
                "Interviewee: Landmines and armed violence terrorise civilians. The weather was mild in April.\n")
JA_INTERVIEW = ("聞き手：何が人々を脅かしますか。\n"
                "回答者：紛争と暴力から市民を守る。地雷の除去で恐怖から人々を守る。暴力と紛争の恐怖をなくす。\n"
                "聞き手：暮らしについては。\n"
                "回答者：貧困と保健の課題に取り組む。食料と貧困の問題を減らす。保健と教育で貧困を減らす。\n"
                "聞き手：ほかには。\n"
                "回答者：食料と保健と貧困の対策を急ぐ。天気は穏やかだった。\n")


def _sentence_study():
    from hsqual.segment import segment_corpus

    corpus = segment_corpus(Corpus([Document("int_en", EN_INTERVIEW, {"language": "en"}),
                                    Document("int_ja", JA_INTERVIEW, {"language": "ja"})]), "turn")
    rows = []

    def code(doc_id, quote, code_id, *, through=None):
        text = corpus.doc(doc_id).text
        start = text.index(quote)
        end = text.index(through) + len(through) if through else start + len(quote)
        seg = next(s for s in corpus.segments_of(doc_id) if s.start <= start < s.end)
        rows.append({"doc_id": doc_id, "segment_id": seg.segment_id, "code": code_id, "start": start, "end": end,
                     "quote": text[start:end], "coder": "okada"})

    code("int_en", "Violence against civilians", "fear")
    # one coding across two sentences counts for both
    code("int_en", "threaten villages.", "fear", through="Armed conflict")
    code("int_en", "Poverty and poor health", "want")
    code("int_en", "Food and poverty", "want")
    code("int_en", "livelihoods matter most.", "want")
    for quote in ("紛争と暴力", "地雷の除去", "紛争の恐怖"):
        code("int_ja", quote, "fear")
    for quote in ("貧困と保健", "食料と貧困", "教育で貧困"):
        code("int_ja", quote, "want")
    return corpus, codings_frame(rows)


def test_sentence_suggestions_land_on_uncoded_sentences():
    corpus, manual = _sentence_study()
    s = suggest_codes(manual, corpus, unit="sentence")
    # the coded sentences: 3 fear and 3 want in each language
    assert s.attrs["unit"] == "sentence" and s.attrs["n_training_units"] == 12
    assert s.attrs["codes_learnt"] == ["fear", "want"]
    got = {(r.doc_id, r.quote): r for r in s.itertuples()}
    for doc_id, sentence, code_id in [("int_en", "Landmines and armed violence terrorise civilians.", "fear"),
                                      ("int_ja", "食料と保健と貧困の対策を急ぐ。", "want")]:
        text = corpus.doc(doc_id).text
        row = got[(doc_id, sentence)]
        assert row.code == code_id and row.coder == "suggest" and row.score >= 0.5
        assert (row.start, row.end) == (text.index(sentence), text.index(sentence) + len(sentence))
        seg = next(x for x in corpus.segments_of(doc_id) if x.start <= row.start and row.end <= x.end)
        assert row.segment_id == seg.segment_id == 6 and seg.speaker in ("Interviewee", "回答者")
    for r in s.itertuples():
        assert corpus.doc(r.doc_id).text[r.start:r.end] == r.quote
    # no code is suggested for a sentence a coding of it intersects, the second sentence of the
    # coding across two included; a sentence without a known word gets nothing
    coded = {("int_en", "Armed conflict spreads fear among civilians.", "fear"),
             ("int_en", "Landmines and violence threaten villages.", "fear")}
    assert not coded & {(r.doc_id, r.quote, r.code) for r in s.itertuples()}
    assert ("int_en", "The weather was mild in April.") not in got and ("int_ja", "天気は穏やかだった。") not in got
    # segment-level suggestions are of whole turns instead
    seg_level = suggest_codes(manual, corpus, unit="segment")
    assert all((r.start, r.end) == next((x.start, x.end) for x in corpus.segments_of(r.doc_id)
                                        if x.segment_id == r.segment_id) for r in seg_level.itertuples())


def test_sentence_cross_validation_counts_sentences():
    corpus, manual = _sentence_study()
    ev = evaluate_suggestions(manual, corpus, cv=3, unit="sentence")
    assert ev.attrs["unit"] == "sentence" and ev.attrs["n_units"] == 12
    by_code = ev.set_index("code")
    for code_id in ("fear", "want"):
        row = by_code.loc[code_id]
        assert row["status"] == "ok" and row["n_units"] == 12 and row["n_positive"] == 6
        assert row["tp"] + row["fn"] == 6 and row["tp"] + row["fp"] <= 12
    # judged spans add the sentences they intersect as negatives
    text = corpus.doc("int_en").text
    a = text.index("What threatens")
    b = corpus.doc("int_ja").text.index("暮らし")
    judged = [("int_en", a, a + 5), ("int_ja", b, b + 3)]
    ev2 = evaluate_suggestions(manual, corpus, cv=3, unit="sentence", judged=judged)
    assert ev2.attrs["n_units"] == 14


def test_sentence_unit_reports_codings_outside_every_sentence():
    corpus, manual = _sentence_study()
    text = corpus.doc("int_en").text
    label = text.index("Interviewee:")  # a speaker label is not part of any turn's text
    bad = codings_frame(pd.concat([manual, codings_frame([{
        "doc_id": "int_en", "segment_id": 2, "code": "fear", "start": label, "end": label + 11,
        "quote": "Interviewee", "coder": "okada"}])], ignore_index=True))
    with pytest.raises(CodingsError, match=f"1 coding\\(s\\) lie in no sentence of the corpus: int_en {label}-{label + 11}"):
        suggest_codes(bad, corpus, unit="sentence")
    with pytest.raises(ValueError, match="with unit='sentence', judged lists \\(doc_id, start, end\\) spans"):
        suggest_codes(manual, corpus, unit="sentence", judged=[("int_en", 2)])


def test_an_empty_result_says_why(tmp_path):
    import hsqual

    corpus = hsqual.load_corpus(hsqual.resources.bundled_path("transcripts") / "ja", unit="sentence")
    rules = hsqual.apply_codebook(corpus, hsqual.load_codebooks(hsqual.bundled_codebooks()))
    assert len(rules)
    with pytest.warns(UserWarning, match=r"no suggestion: the codings hold only machine codings \(rules\)"):
        s = suggest_codes(rules, corpus, unit="sentence")
    assert len(s) == 0 and "only machine codings" in s.attrs["why_empty"]
    person = rules.assign(coder="yamada").head(2)
    with pytest.warns(UserWarning, match="no code could be learnt: .* at least 3 needed"):
        s = suggest_codes(person, corpus, unit="sentence")
    assert "lower min_examples" in s.attrs["why_empty"]


def test_japanese_units_read_their_words_from_the_token_cache(tmp_path, monkeypatch):
    """The Japanese text is analysed once (by the rules or by a first call); later suggestions
    read its tokens from the token cache, with the same result, and a unit's words are those of
    its document's tokens lying wholly in the unit."""
    import hsqual.tokens
    from hsqual.rules import index as ix
    from hsqual.suggest import content_words

    monkeypatch.setenv("HSQUAL_CACHE_DIR", str(tmp_path / "cache"))
    ix._MEMORY.clear()
    corpus, manual = _sentence_study()
    first = suggest_codes(manual, corpus, unit="sentence")
    assert list(tmp_path.rglob("*.tok"))  # the Japanese document is in the disk cache
    ix._MEMORY.clear()

    def refuse(*args, **kwargs):
        raise AssertionError("the text was analysed again")

    monkeypatch.setattr(hsqual.tokens, "tokenize_ids", refuse)
    monkeypatch.setattr(hsqual.tokens, "tokenize_arrays", refuse)
    again = suggest_codes(manual, corpus, unit="sentence")
    ix._MEMORY.clear()
    assert again.equals(first) and (again["doc_id"] == "int_ja").sum() >= 1
    monkeypatch.undo()
    # each sentence's words: here those of the sentence analysed alone
    from hsqual.suggest import _units

    units = _units(corpus, "sentence")
    ja = units[units["language"] == "ja"]
    assert len(ja) == 11  # 3 questions and 8 sentences of answers
    for text, words in zip(ja["text"], ja["words"]):
        assert list(words) == content_words(text, language="ja")
