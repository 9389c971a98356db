"""The development gold standard (transcripts/gold/) and its loader, hsqual.load_gold."""

from __future__ import annotations

import csv
import importlib.util
import io
import shutil

import pandas as pd
import pytest

import hsqual
from hsqual.codebook import load_codebooks
from hsqual.errors import CodingsError, HsqualError, StudyError
from hsqual.goldstandard import UNIT_COLUMNS, load_gold
from hsqual.resources import bundled_codebooks, bundled_path
from hsqual.transcripts import load_corpus

TRANSCRIPTS = bundled_path("transcripts")
GOLD = TRANSCRIPTS / "gold"
INTERVIEWERS = ("Interviewer", "聞き手")


def _script(name):
    spec = importlib.util.spec_from_file_location(name, GOLD / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def units():
    return pd.read_csv(GOLD / "units.csv", dtype={"speaker": str, "text": str}, keep_default_na=False)


@pytest.fixture(scope="module")
def sentences():
    """Every sentence of the source transcripts, read straight from the files."""
    frames = [load_corpus(TRANSCRIPTS / s, unit="sentence").segments_frame()
              for s in ("interviews", "ja", "kurusu2015/paper.txt")]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def gold():
    return load_gold()


def test_units_slice_back_to_the_transcript_files(units, sentences):
    assert list(units.columns) == UNIT_COLUMNS
    texts = {}
    for s in ("interviews", "ja", "kurusu2015/paper.txt"):
        texts.update({d.doc_id: d.text for d in load_corpus(TRANSCRIPTS / s, unit="document")})
    for u in units.itertuples():
        assert texts[u.doc_id][u.start:u.end] == u.text, u.unit_id
        assert u.unit_id == f"{u.doc_id}:{u.start}-{u.end}"
    # and each unit is a sentence exactly as load_corpus(unit="sentence") cuts it
    cut = sentences.set_index(["doc_id", "start", "end"])
    for u in units.itertuples():
        seg = cut.loc[(u.doc_id, u.start, u.end)]
        assert seg["segment_id"] == u.segment_id and seg["text"] == u.text
        assert (seg["speaker"] or "") == u.speaker
    assert not units["unit_id"].duplicated().any()


def test_counts_meet_the_minimums(units):
    by_language = units.groupby("language").size()
    assert by_language["ja"] >= 300 and by_language["en"] >= 200
    test = units[units["split"] == "test"].groupby("language").size()
    assert test["ja"] >= 100 and test["en"] >= 100
    for split, least in (("heldout", 100), ("heldout2", 150), ("heldout3", 150), ("heldout4", 150)):
        held = units[units["split"] == split].groupby("language").size()
        assert held["ja"] >= least and held["en"] >= least, split
    assert set(units["split"]) == {"dev", "test", "heldout", "heldout2", "heldout3", "heldout4"}


def test_split_is_by_document(units):
    splits_per_doc = units.groupby("doc_id")["split"].nunique()
    assert (splits_per_doc == 1).all(), splits_per_doc[splits_per_doc > 1]
    # about half of the first round's interviews of each language in each part; the second
    # round's interviews are all heldout, the third round's all heldout2, the fourth's heldout3, the fifth's heldout4
    interviews = units[units["doc_id"].str.match(r"(en|ja)_")].drop_duplicates("doc_id")
    for language, docs in interviews.groupby("language"):
        n_test = (docs["split"] == "test").sum()
        assert abs(n_test - (len(docs) - n_test)) <= 1, language
    for round_, split in ((2, "heldout"), (3, "heldout2"), (4, "heldout3"), (5, "heldout4")):
        docs = units[units["doc_id"].str.match(rf"(en|ja){round_}_")].drop_duplicates("doc_id")
        assert set(docs["split"]) == {split} and len(docs) == 8, split
        assert set(units.loc[units["split"] == split, "doc_id"]) == set(docs["doc_id"]), split


def test_every_respondent_sentence_of_the_interviews_is_a_unit(units, sentences):
    interviews = sentences[sentences["doc_id"].str.match(r"(en|ja)[2-5]?_")]
    respondents = interviews[~interviews["speaker"].isin(INTERVIEWERS)]
    got = set(zip(units["doc_id"], units["start"], units["end"]))
    assert set(zip(respondents["doc_id"], respondents["start"], respondents["end"])) <= got
    assert not units["speaker"].isin(INTERVIEWERS).any()
    assert len(respondents[respondents["doc_id"].str.startswith("en_")]) >= 240
    assert len(respondents[respondents["doc_id"].str.startswith("ja_")]) >= 260


def test_earlier_japanese_sample_and_paper_are_dev(units):
    sample = pd.read_csv(TRANSCRIPTS / "ja" / "gold" / "sample.csv")
    merged = sample.merge(units, on=["doc_id", "start", "end"], suffixes=("", "_unit"))
    assert len(merged) == len(sample) == 83
    assert (merged["text"] == merged["text_unit"]).all() and (merged["split"] == "dev").all()
    paper = units[units["doc_id"] == "paper"]
    assert 0 < len(paper) <= 60 and (paper["split"] == "dev").all()


def test_make_units_rebuilds_the_file(units):
    rebuilt, dropped = _script("make_units").build()
    assert len(dropped) == 0
    rebuilt = rebuilt.assign(speaker=rebuilt["speaker"].fillna(""))
    pd.testing.assert_frame_equal(rebuilt.reset_index(drop=True), units, check_dtype=False)


def test_definitions_are_current_and_hold_no_rules():
    text = (GOLD / "definitions.md").read_text(encoding="utf-8")
    assert text == _script("make_definitions").render()
    assert "rules" not in text.lower().replace("coding rules are deliberately", "")
    codebook = load_codebooks(bundled_codebooks())
    n_checked = 0
    for code_id in codebook:
        assert f"### `{code_id}`" in text
        for rules in codebook[code_id].rules.values():
            for rule in rules:
                # a rule of one word may well be a word of a definition; a rule with an operator
                # is rule text. The message names the code only, so that it shows no rule.
                if any(op in rule for op in (" AND ", " OR ", "NEAR", "SEQ", "(")):
                    n_checked += 1
                    assert rule not in text, f"a rule of {code_id} is in definitions.md"
    assert n_checked > 0


def test_load_gold_filters_and_builds_the_corpus(gold, units):
    assert len(gold.units) == len(units)
    assert len(gold.corpus.segments) == len(units)
    for seg in gold.corpus.segments[:50]:
        assert gold.corpus.doc(seg.doc_id).text[seg.start:seg.end] == seg.text
        assert seg.kind == "sentence"
    part = load_gold(split="test", language="ja")
    assert set(part.units["split"]) == {"test"} and set(part.units["language"]) == {"ja"}
    assert len(part.units) == ((units["split"] == "test") & (units["language"] == "ja")).sum()
    assert set(part.corpus.doc_ids) == set(part.units["doc_id"])
    assert hsqual.load_gold is load_gold
    with pytest.raises(ValueError, match="language must be one of"):
        load_gold(language="fr")


# --------------------------------------------------------------------------------------------
# a copy of the folder to break


@pytest.fixture()
def copy(tmp_path):
    for source in ("interviews", "ja"):
        shutil.copytree(TRANSCRIPTS / source, tmp_path / source)
    (tmp_path / "kurusu2015").mkdir()
    shutil.copy(TRANSCRIPTS / "kurusu2015" / "paper.txt", tmp_path / "kurusu2015" / "paper.txt")
    (tmp_path / "gold").mkdir()
    shutil.copy(GOLD / "units.csv", tmp_path / "gold" / "units.csv")
    return tmp_path / "gold"


def test_a_corrupted_unit_row_is_an_error_naming_the_line(copy):
    lines = (copy / "units.csv").read_text(encoding="utf-8").split("\n")
    (n,) = [i for i, line in enumerate(lines) if line.endswith("substance behind it.")]
    lines[n] = lines[n].replace("substance", "substances")  # the text no longer matches the document
    (copy / "units.csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(StudyError, match=rf"units\.csv:{n + 1}: unit .*: the text does not slice back") as info:
        load_gold(folder=copy)
    assert info.value.line == n + 1 and isinstance(info.value, HsqualError)


def test_bad_offsets_and_missing_files_are_errors(copy):
    text = (copy / "units.csv").read_text(encoding="utf-8")
    header, first, rest = text.split("\n", 2)
    unit_id, doc, sid, speaker, lang, split, start, end, sentence = next(
        iter(pd.read_csv(copy / "units.csv", nrows=1, keep_default_na=False).itertuples(index=False)))
    row = io.StringIO()
    csv.writer(row, lineterminator="").writerow(
        [f"{doc}:{start}-{int(end) + 5}", doc, sid, speaker, lang, split, start, int(end) + 5, sentence])
    bad = row.getvalue()
    (copy / "units.csv").write_text("\n".join([header, bad, rest]), encoding="utf-8")
    with pytest.raises(StudyError, match=r"units\.csv:2: .*does not slice back"):
        load_gold(folder=copy)
    (copy / "units.csv").unlink()
    with pytest.raises(StudyError, match="units.csv is missing"):
        load_gold(folder=copy)
    with pytest.raises(StudyError, match="folder is missing"):
        load_gold(folder=copy / "nowhere")


def test_coder_files_become_codings(copy, units):
    first, second = units.iloc[0], units.iloc[1]
    (copy / "coder_a.csv").write_text(
        "doc_id,start,end,code,memo\n"
        f"{first.doc_id},{first.start},{first.end},freedoms.fear,\"afraid, in context\"\n"
        f"{first.doc_id},{first.start},{first.end},protection,\n"
        f"{second.doc_id},{second.start},{second.end},NOTE,looks cut in two\n", encoding="utf-8")
    (copy / "adjudicated.csv").write_text(
        "doc_id,start,end,code,memo\n"
        f"{first.doc_id},{first.start},{first.end},freedoms.fear,\n", encoding="utf-8")
    gold = load_gold(folder=copy)
    a = gold.coders["coder_a"]
    assert list(a.columns) == list(hsqual.CODINGS_COLUMNS)
    assert sorted(a["code"]) == ["freedoms.fear", "protection"]
    assert set(a["coder"]) == {"coder_a"} and set(a["quote"]) == {first.text}
    assert a.loc[a["code"] == "freedoms.fear", "memo"].item() == "afraid, in context"
    assert a["segment_id"].tolist() == [first.segment_id] * 2
    assert hsqual.check_codings(a, gold.corpus).empty
    assert gold.codings["coder"].tolist() == ["gold"]
    assert gold.notes[["coder", "unit_id", "memo"]].values.tolist() == [["coder_a", second.unit_id,
                                                                         "looks cut in two"]]
    other = "ja" if first.language == "en" else "en"
    assert load_gold(folder=copy, language=other).coders["coder_a"].empty


@pytest.mark.parametrize("row, message", [
    ("{d},{s},{e},freedom.fear,", r"coder_b\.csv:3: unknown code 'freedom\.fear'"),
    ("{d},{s},{e2},freedoms.fear,", r"coder_b\.csv:3: .* is not a unit of units\.csv"),
    ("{d},{s},{e},protection,", r"coder_b\.csv:3: unit .* has code 'protection' twice \(also on line 2\)"),
    ("{d},{s},five,protection,", r"coder_b\.csv:3: column 'end' must be a whole number"),
])
def test_a_bad_coder_row_is_an_error_naming_the_line(copy, units, row, message):
    u = units.iloc[0]
    (copy / "coder_b.csv").write_text(
        "doc_id,start,end,code,memo\n"
        f"{u.doc_id},{u.start},{u.end},protection,\n"
        + row.format(d=u.doc_id, s=u.start, e=u.end, e2=u.end + 1) + "\n", encoding="utf-8")
    with pytest.raises(CodingsError, match=message):
        load_gold(folder=copy)


def test_agreement_file_is_what_the_coders_files_give():
    """agreement.csv is recomputed from coder_a.csv and coder_b.csv, not typed in."""
    import importlib.util

    from hsqual.resources import bundled_path

    folder = bundled_path("transcripts") / "gold"
    spec = importlib.util.spec_from_file_location("make_agreement", folder / "make_agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.agreement_table().round(4)
    saved = pd.read_csv(folder / "agreement.csv", keep_default_na=False)
    pooled = fresh[fresh["level"] == "all"].set_index(["language", "split"])
    saved_pooled = saved[saved["level"] == "all"].set_index(["language", "split"])
    assert pooled["code"].isna().all() and (saved_pooled["code"] == "").all()   # a summary row names no code
    assert len(saved) == len(fresh) and set(saved["unit"]) == {"segment"}
    for col in ("n_units", "both", "only_a", "only_b", "neither"):
        assert (pooled[col].astype(int) == saved_pooled.loc[pooled.index, col].astype(int)).all(), col
    assert (abs(pooled["kappa"] - saved_pooled.loc[pooled.index, "kappa"].astype(float)) < 1e-4).all()
    # every unit is a decision of both coders on every code they used: n_units = units x codes
    gold = hsqual.load_gold()
    codes = set(gold.coders["coder_a"]["code"]) | set(gold.coders["coder_b"]["code"])
    assert pooled.loc[("all", "all"), "n_units"] == len(gold.units) * len(codes)


def test_adjudicated_codings_settle_every_disagreement_and_keep_every_agreement():
    gold = hsqual.load_gold()
    key = lambda df: set(zip(df["doc_id"], df["start"], df["end"], df["code"]))  # noqa: E731
    a, b, adj = key(gold.coders["coder_a"]), key(gold.coders["coder_b"]), key(gold.codings)
    assert a & b <= adj                      # what both coders gave stands
    assert adj <= a | b                      # the adjudication only chose between the coders
    decisions = pd.read_csv(gold.folder / "decisions.csv")
    disputed = {(u, c) for u, c in zip(decisions["unit_id"], decisions["code"])}
    only_one = {(f"{d}:{s}-{e}", c) for d, s, e, c in (a ^ b)}
    assert disputed == only_one              # every disputed code has a recorded decision
    accepted = {(u, c) for u, c, ok in zip(decisions["unit_id"], decisions["code"], decisions["accepted"]) if ok == "yes"}
    assert {(f"{d}:{s}-{e}", c) for d, s, e, c in adj - (a & b)} == accepted
