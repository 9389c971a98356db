"""The review loop: the log on disk, resuming, bad logs, codings, the command and the widget."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hsqual
import hsqual.writers
from hsqual.cli import build_parser, main
from hsqual.codebook import load_codebooks
from hsqual.codings import codings_frame, read_codings
from hsqual.errors import ArgumentError, ReviewError
from hsqual.resources import bundled_codebooks
from hsqual.review import ReviewLogWarning, ReviewSession, calibrate, read_review_log
from hsqual.widgets import review_widget
from hsqual.transcripts import load_corpus

ROOT = Path(__file__).parents[1]
CODES = ["freedoms.fear", "freedoms.want"]

INT21 = """\
---
id: int21
language: en
speakers: [Interviewer, Respondent]
kind: interview
---
Interviewer: What does human security mean in your work?

Respondent: For us it starts with violence. Violence against civilians drove families from their villages. Landmines still kill children in the fields.

Interviewer: And beyond violence?

Respondent: Poverty and hunger matter as much. Children lack food and clean water. Health clinics are far away.

Interviewer: How do you report this?

Respondent: We write an annual report. The budget is reviewed by the board. Civilians need protection from armed groups.
"""


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "int21.md").write_text(INT21, encoding="utf-8")
    return load_corpus(tmp_path / "interviews")


@pytest.fixture(scope="module")
def codebook():
    return load_codebooks(bundled_codebooks())


def session_of(corpus, codebook, log, **kw):
    kw.setdefault("reviewer", "tanaka")
    kw.setdefault("codes", CODES)
    kw.setdefault("rank_options", {"embedder": "tfidf"})      # fast; the ranking's own tests cover the models
    return ReviewSession(corpus, codebook, log=log, **kw)


def lines_of(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_every_decision_is_on_disk_when_the_call_returns(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    items = s.next_units(3, code="freedoms.fear")
    for n, (item, verdict) in enumerate(zip(items, ["accept", "reject", "skip"]), 1):
        s.decide(item, verdict)
        lines = lines_of(log)
        assert len(lines) == n
        rec = json.loads(lines[-1])
        assert rec["verdict"] == verdict and rec["reviewer"] == "tanaka" and rec["code"] == "freedoms.fear"
        text = corpus.doc(rec["doc_id"]).text
        assert text[rec["start"]:rec["end"]] == rec["quote"] == item.quote
        assert rec["unit"] == "sentence" and rec["time"].endswith("+00:00")


def test_a_crash_loses_no_decision_and_the_next_session_resumes(corpus, codebook, tmp_path):
    """A process that dies without any clean-up (os._exit) keeps every decision it made."""
    log = tmp_path / "review.jsonl"
    script = textwrap.dedent(f"""
        import os, sys
        from hsqual.codebook import load_codebooks
        from hsqual.resources import bundled_codebooks
        from hsqual.review import ReviewSession
        from hsqual.transcripts import load_corpus
        s = ReviewSession(load_corpus({str(tmp_path / "interviews")!r}), load_codebooks(bundled_codebooks()),
                          log={str(log)!r}, reviewer="tanaka", codes={CODES!r},
                          rank_options={{"embedder": "tfidf"}})
        items = s.next_units(3, code="freedoms.fear")
        s.accept(items[0]); s.accept(items[1]); s.reject(items[2])
        print("\\t".join(f"{{i.doc_id}}:{{i.start}}" for i in items), flush=True)
        os._exit(1)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stderr
    shown = done.stdout.strip().split("\t")
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "accept", "reject"]

    again = session_of(corpus, codebook, log)
    assert again.found("freedoms.fear") == 2
    assert len(again.decisions) == 3 and again.decisions["accepted"].tolist() == [True, True, False]
    upcoming = {f"{i.doc_id}:{i.start}" for i in again.next_units(50, code="freedoms.fear")}
    assert not upcoming & set(shown)
    rec = again.accept(again.next_units(1, code="freedoms.fear")[0])
    assert rec["line"] == 4 and len(lines_of(log)) == 4


def test_resume_keeps_skipped_units_for_last(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, codes=["freedoms.want"])
    first = s.next_units(1)[0]
    s.skip(first)
    again = session_of(corpus, codebook, log, codes=["freedoms.want"])
    queue = again.next_units(100)
    assert queue[-1].key == first.key and first.key not in [i.key for i in queue[:-1]]
    again.accept(first)                      # a skip is not a verdict: it can be decided later
    assert again.found() == 1


def write_log(path, records, tail=""):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + tail, encoding="utf-8")


def record(corpus, sentence, code="freedoms.fear", verdict="accept", reviewer="tanaka"):
    doc = corpus.doc("int21")
    start = doc.text.index(sentence)
    return {"time": "2026-11-30T03:00:00+00:00", "reviewer": reviewer, "doc_id": "int21", "segment_id": 2,
            "start": start, "end": start + len(sentence), "unit": "sentence", "code": code, "verdict": verdict,
            "quote": sentence, "score": 0.5, "probability": 0.5}


def test_a_truncated_last_line_is_reported_and_kept_and_the_good_lines_used(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    good = [record(corpus, "Violence against civilians drove families from their villages."),
            record(corpus, "Landmines still kill children in the fields.", verdict="reject")]
    cut = json.dumps(record(corpus, "Children lack food and clean water.", code="freedoms.want"))[:57]
    write_log(log, good, tail=cut)
    before = log.read_bytes()
    with pytest.warns(ReviewLogWarning, match=r"review\.jsonl:3: the last line is cut short"):
        s = session_of(corpus, codebook, log)
    assert [n for n, _ in s.unreadable] == [3]
    assert s.found() == 1 and len(s.decisions) == 2
    assert log.read_bytes() == before                      # reading changes nothing
    s.accept(s.next_units(1, code="freedoms.want")[0])
    lines = lines_of(log)
    assert lines[2] == cut                                 # the cut line is still there, alone on its line
    assert json.loads(lines[3])["verdict"] == "accept" and len(lines) == 4
    with pytest.warns(ReviewLogWarning, match=r":3: not a JSON object"):
        assert len(session_of(corpus, codebook, log).decisions) == 3


def test_a_garbage_middle_line_is_reported_with_its_number_and_the_others_kept(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    one = record(corpus, "Violence against civilians drove families from their villages.")
    three = record(corpus, "Poverty and hunger matter as much.", code="freedoms.want")
    log.write_bytes((json.dumps(one) + "\n").encode() + b"\x00\xff garbage {\n" + (json.dumps(three) + "\n").encode())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_review_log(log, corpus=corpus, codebook=codebook, unit="sentence")
    messages = [str(w.message) for w in caught if issubclass(w.category, ReviewLogWarning)]
    assert len(messages) == 1 and "review.jsonl:2: not a JSON object" in messages[0]
    assert table["line"].tolist() == [1, 3]
    assert table["quote"].tolist() == [one["quote"], three["quote"]]


def test_a_log_saved_by_an_editor_with_a_byte_order_mark_and_crlf_keeps_every_decision(corpus, codebook, tmp_path):
    """The log edited by hand (a wrong line removed) in an editor that writes a BOM and CRLF line ends."""
    log = tmp_path / "review.jsonl"
    write_log(log, [record(corpus, "Violence against civilians drove families from their villages."),
                    record(corpus, "Landmines still kill children in the fields.", verdict="reject")])
    log.write_bytes(b"\xef\xbb\xbf" + log.read_bytes().replace(b"\n", b"\r\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReviewLogWarning)
        s = session_of(corpus, codebook, log)
    assert s.unreadable == [] and s.decisions["accepted"].tolist() == [True, False]
    assert s.codings()["quote"].tolist() == ["Violence against civilians drove families from their villages."]
    assert s.accept(s.next_units(1)[0])["line"] == 3


@pytest.mark.parametrize("text", [
    "doc_id,segment_id,code,start,end,quote,coder\nint21,2,freedoms.fear,0,5,Inter,kim\n",   # a codings table
    "---\nid: int21\n---\nRespondent: hello\n",                                          # a transcript
])
def test_a_file_that_is_no_review_log_is_refused_and_left_as_it_is(corpus, codebook, tmp_path, monkeypatch,
                                                                   capsys, text):
    """--log and --codings-out side by side: a codings table given as the log got a JSON line appended."""
    mine = tmp_path / "mine.csv"
    mine.write_text(text, encoding="utf-8")
    with pytest.raises(ReviewError, match=r"mine\.csv:1: not a review log: no line of it is a decision"):
        session_of(corpus, codebook, mine)
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(mine), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nq\n", monkeypatch, capsys)
    assert status == 1 and "not a review log" in out.err
    assert mine.read_text(encoding="utf-8") == text


def test_contradictory_decisions_in_the_log_are_refused_naming_the_line(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    sentence = "Landmines still kill children in the fields."
    write_log(log, [record(corpus, sentence), record(corpus, "Health clinics are far away.", code="freedoms.want"),
                    record(corpus, sentence, verdict="reject", reviewer="sato")])
    with pytest.raises(ReviewError) as err:
        session_of(corpus, codebook, log)
    assert err.value.line == 3 and "on line 1" in str(err.value) and str(err.value).startswith(f"{log}:3:")


def test_a_contradicting_verdict_through_the_api_is_refused_and_not_logged(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    item = s.next_units(1)[0]
    s.accept(item)
    with pytest.raises(ReviewError, match="was accepted for .* on line 1; it cannot be rejected too"):
        s.reject(item)
    assert len(lines_of(log)) == 1
    assert s.accept(item)["line"] == 1 and len(lines_of(log)) == 1     # the same verdict again changes nothing


def test_two_sessions_on_one_log_see_each_others_decisions_and_never_contradict(corpus, codebook, tmp_path):
    """Two notebooks open on the same log: the second cannot write a verdict the first contradicts."""
    log = tmp_path / "review.jsonl"
    a = session_of(corpus, codebook, log, reviewer="tanaka")
    b = session_of(corpus, codebook, log, reviewer="sato")
    item = a.next_units(1, code="freedoms.fear")[0]
    a.accept(item)
    with pytest.raises(ReviewError, match=r"was accepted for 'freedoms.fear' on line 1; it cannot be rejected too") as err:
        b.reject(item)
    assert err.value.path == str(log)
    assert len(lines_of(log)) == 1
    assert b.accept(item)["line"] == 1 and len(lines_of(log)) == 1      # already accepted: nothing written
    assert b.found("freedoms.fear") == 1
    assert item.key not in {i.key for i in b.next_units(50, code="freedoms.fear")}
    other = b.next_units(1, code="freedoms.fear")[0]
    assert b.reject(other)["line"] == 2
    assert a.accept(a.next_units(1, code="freedoms.want")[0])["line"] == 3
    assert a.decisions["accepted"].tolist() == [True, False, True]
    again = session_of(corpus, codebook, log)                          # the log opens: nothing contradicts
    assert again.decisions.values.tolist() == a.decisions.values.tolist()
    assert [c for c in again.codings()["coder"]] == ["tanaka", "tanaka"]


def test_a_log_on_a_file_system_without_locks_still_takes_every_decision(corpus, codebook, tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    log = tmp_path / "share" / "review.jsonl"
    s = session_of(corpus, codebook, log)
    items = s.next_units(2)
    assert s.accept(items[0])["line"] == 1 and s.reject(items[1])["line"] == 2
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "reject"]


def test_a_session_does_not_offer_a_unit_another_session_on_its_log_decided(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    a = session_of(corpus, codebook, log, reviewer="tanaka", codes=["freedoms.fear"])
    b = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"])
    first = b.next_units(1)[0]
    a.reject(first)
    assert b.next_units(1)[0].key != first.key
    assert b.progress()[["rejected", "rejections_in_a_row"]].values.tolist() == [[1, 1]]


def test_counts_and_advice_read_what_another_session_decided_without_a_decision_between(corpus, codebook, tmp_path):
    """The widget's counts beside a terminal review: found, the advice and the table follow the log at once."""
    log = tmp_path / "review.jsonl"
    a = session_of(corpus, codebook, log, reviewer="tanaka", codes=["freedoms.fear"], stop_after_rejections=1)
    b = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"], stop_after_rejections=1)
    assert (a.found(), a.stop_advice().stop) == (0, False)
    first, second = b.next_units(2)
    b.accept(first)
    assert a.found() == 1 and a.progress()["accepted"].tolist() == [1]
    b.reject(second)
    assert a.stop_advice().stop and a.stop_advice().reason == "the last 1 verdicts on 'freedoms.fear' were rejections"
    b.undo()
    assert not a.stop_advice().stop and a.progress()["rejected"].tolist() == [0]


class AnswersWhileAnotherSessionDecides(io.StringIO):
    """Piped answers; before the first is read, another session on the same log accepts the unit shown."""

    def __init__(self, answers, other, output):
        super().__init__(answers)
        self.other, self.output = other, output

    def readline(self, *args):
        if self.other is not None:
            shown = self.output.getvalue()
            item = next(i for i in self.other.next_units(50) if f"{i.doc_id} {i.start}-{i.end} " in shown)
            self.other.accept(item)
            self.other = None
        return super().readline(*args)


def test_the_command_reports_a_verdict_another_session_contradicts_and_goes_on(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    other = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"])
    args = build_parser().parse_args(
        ["review", "--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder",
         "tfidf", "--code", "freedoms.fear", str(tmp_path / "interviews")])
    out = io.StringIO()
    status = args.func(args, stdin=AnswersWhileAnotherSessionDecides("r\nr\nq\n", other, out), stdout=out)
    assert status == 0
    assert "not recorded: " in out.getvalue() and "was accepted for 'freedoms.fear' on line 1" in out.getvalue()
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "reject"]
    assert f"log: {log} (2 decision(s))" in out.getvalue()


@pytest.mark.parametrize("offsets, error, message", [
    ((0.5, 12.7), ArgumentError, r"start must be a whole number, not 0\.5"),
    (("x", 12), ArgumentError, r"start must be a whole number, not 'x'"),
    ((None, 12), ArgumentError, r"start must be a whole number, not None"),
    ((True, 12), ArgumentError, r"start must be a whole number, not True"),
])
def test_a_decision_on_offsets_that_are_not_whole_numbers_is_refused_and_not_logged(
        corpus, codebook, tmp_path, offsets, error, message):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    with pytest.raises(error, match=message):
        s.accept(("int21", *offsets, "freedoms.fear"))
    assert not log.exists() and s.found() == 0


def test_a_decision_on_a_span_that_is_no_unit_names_the_units_there(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    text = corpus.doc("int21").text
    start = text.index("Landmines still kill")
    with pytest.raises(ReviewError) as err:
        s.accept(("int21", start, start + 9, "freedoms.fear"))
    end = start + len("Landmines still kill children in the fields.")
    assert f"int21 {start}-{start + 9} is not a sentence of the corpus" in str(err.value)
    assert f"{start}-{end} 'Landmines still kill children in the fields.'" in str(err.value)
    with pytest.raises(ReviewError, match="unknown document 'int99'; this corpus has int21"):
        s.accept(("int99", 0, 5, "freedoms.fear"))
    assert s.accept(("int21", float(start), float(end), "freedoms.fear"))["quote"] == text[start:end]  # 12.0 is 12
    assert len(lines_of(log)) == 1


@pytest.mark.parametrize("change, message", [
    ({"code": "freedoms.feer"}, "unknown code 'freedoms.feer'"),
    ({"doc_id": "int99"}, "unknown document 'int99'"),
    ({"verdict": "maybe"}, "'verdict' must be one of accept, reject, skip"),
    ({"start": "12"}, "'start' must be a whole number"),
    ({"quote": "Landmines kill nobody."}, "stale unit: the text of int21"),
    ({"end": None}, "'end' must be a whole number"),
    ({"unit": "segment"}, "open the session with unit='segment'"),
    ({"unit": "chapter"}, "'unit' must be one of sentence, window, segment or null"),
    ({"reviewer": ""}, "'reviewer' must be a non-empty string"),
    ({"probability": 1.5}, "'probability' must be a number from 0 to 1 or null, found 1.5"),
    ({"probability": math.inf}, "'probability' must be a number from 0 to 1 or null, found inf"),
])
def test_a_malformed_decision_is_an_error_naming_its_line(corpus, codebook, tmp_path, change, message):
    log = tmp_path / "review.jsonl"
    bad = {**record(corpus, "Landmines still kill children in the fields."), **change}
    write_log(log, [record(corpus, "Health clinics are far away.", code="freedoms.want"), bad])
    with pytest.raises(ReviewError, match=message) as err:
        session_of(corpus, codebook, log)
    assert err.value.line == 2 and err.value.path == str(log)


def test_a_line_that_is_not_a_decision_is_an_error(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    log.write_text('["accept"]\n', encoding="utf-8")
    with pytest.raises(ReviewError, match=r"review\.jsonl:1: expected a JSON object"):
        session_of(corpus, codebook, log)
    span = record(corpus, "Health clinics are far away.")
    span["end"] -= 3
    span["quote"] = span["quote"][:-3]
    write_log(log, [span])
    with pytest.raises(ReviewError, match=r":1: unknown unit: int21 \d+-\d+ is not a sentence"):
        session_of(corpus, codebook, log)


def test_accepted_units_become_the_reviewers_codings_and_nobody_elses_rows_change(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    text = corpus.doc("int21").text
    a = text.index("Violence against")
    theirs = codings_frame([
        {"doc_id": "int21", "segment_id": 2, "code": "freedoms.fear", "start": a, "end": a + 16,
         "quote": "Violence against", "coder": "kurusu2015", "memo": "theirs"},
        {"doc_id": "int21", "segment_id": 2, "code": "freedoms.fear", "start": a, "end": a + 16,
         "quote": "Violence against", "coder": "rules", "rule": "x"}])
    kept = theirs.copy()
    s = session_of(corpus, codebook, log)
    items = s.next_units(4, code="freedoms.fear")
    s.accept(items[0]); s.reject(items[1]); s.accept(items[2])
    sato = session_of(corpus, codebook, log, reviewer="sato")
    sato.accept(items[3])
    out = sato.codings(theirs)
    pd.testing.assert_frame_equal(theirs, kept)                       # the input is not modified
    pd.testing.assert_frame_equal(out.iloc[:2].reset_index(drop=True), kept)   # nor its rows in the output
    added = out.iloc[2:]
    assert added["coder"].tolist() == ["tanaka", "tanaka", "sato"]
    assert [(r.start, r.end) for r in added.itertuples()] == [(i.start, i.end) for i in (items[0], items[2], items[3])]
    for r in added.itertuples():
        assert text[r.start:r.end] == r.quote and r.rule == "" and r.memo.startswith("accepted in review (review.jsonl line")
    assert hsqual.check_codings(out, corpus, codebook).empty
    assert len(sato.codings(out)) == len(out)                          # no row twice


def test_an_accepted_units_coding_is_in_the_units_own_segment_whatever_the_log_says(corpus, codebook, tmp_path):
    """The span decides the segment: a log line with a wrong segment_id (edited by hand) gives no bad coding."""
    log = tmp_path / "review.jsonl"
    wrong = record(corpus, "Children lack food and clean water.", code="freedoms.want")   # segment_id 2 there
    write_log(log, [wrong, {**record(corpus, "Health clinics are far away.", code="freedoms.want"),
                            "segment_id": None}])
    s = session_of(corpus, codebook, log)
    out = s.codings()
    segment = next(g.segment_id for g in corpus.segments if g.start <= wrong["start"] < g.end)
    assert segment != 2 and out["segment_id"].tolist() == [segment, segment]
    assert hsqual.check_codings(out, corpus, codebook).empty


def test_writing_codings_never_replaces_another_persons_file_unless_asked(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl")
    s.accept(s.next_units(1)[0])
    mine = tmp_path / "codings.csv"
    theirs = codings_frame([{"doc_id": "int21", "segment_id": 1, "code": "freedoms.want", "start": 0, "end": 11,
                             "quote": corpus.doc("int21").text[:11], "coder": "kim"}])
    hsqual.write_codings(theirs, mine)
    before = mine.read_bytes()
    with pytest.raises(ReviewError, match=r"codings\.csv: the file holds 1 row\(s\) \(coder\(s\) kim\)"):
        s.write_codings(mine)
    assert mine.read_bytes() == before
    s.write_codings(mine, existing=read_codings(mine))                 # adding to it keeps kim's row
    assert read_codings(mine)["coder"].tolist() == ["kim", "tanaka"]
    s.write_codings(mine, existing=read_codings(mine))                 # writing again adds nothing
    assert len(read_codings(mine)) == 2
    s.write_codings(mine, replace=True)
    assert read_codings(mine)["coder"].tolist() == ["tanaka"]


def test_stopping_advice_after_rejections_in_a_row(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.fear"], stop_after_rejections=3,
                   stop_below=0.0)
    items = s.next_units(4)
    s.accept(items[0])
    s.reject(items[1]); s.reject(items[2])
    assert not s.stop_advice("freedoms.fear")
    s.skip(items[3])                                                    # a skip counts neither way
    assert not s.stop_advice("freedoms.fear")
    s.reject(s.next_units(1)[0])
    advice = s.stop_advice("freedoms.fear")
    assert advice.stop and advice.reason == "the last 3 verdicts on 'freedoms.fear' were rejections"
    row = s.progress().iloc[0]
    assert (row["accepted"], row["rejected"], row["skipped"], row["rejections_in_a_row"]) == (1, 3, 1, 3)


def test_the_estimate_of_what_remains_follows_the_probabilities_and_the_verdicts(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.want"], min_decisions=2,
                   stop_below=0.5, stop_after_rejections=100)
    assert math.isnan(s.estimate_remaining())                           # no model before a verdict of each kind
    assert "no estimate of what is left until a unit is accepted and one rejected" in s.stop_advice().reason
    first = s.next_units(2)
    s.accept(first[0]); s.reject(first[1])
    ranking = s.ranking
    assert set(ranking["source"]) == {"model"}
    open_ = ranking[ranking["verdict"] == ""]
    assert s.estimate_remaining() == pytest.approx(open_["probability"].sum())   # no shown probability: the model's own
    shown = s.next_units(2)
    assert all(0 < i.probability < 1 for i in shown)
    s.reject(shown[0]); s.reject(shown[1])
    ranking = s.ranking
    open_ = ranking[ranking["verdict"] == ""]
    b, a = calibrate(np.array([shown[0].probability, shown[1].probability]), np.array([0.0, 0.0]))
    assert b < 0                                                        # both promised, both rejected: pulled down
    p = np.clip(open_["probability"].to_numpy(float), 1e-6, 1 - 1e-6)
    expected = (1 / (1 + np.exp(-(b + a * np.log(p / (1 - p)))))).sum()
    assert s.estimate_remaining() == pytest.approx(expected)
    assert s.estimate_remaining() < open_["probability"].sum()
    logged = [json.loads(x)["probability"] for x in lines_of(tmp_path / "review.jsonl")]
    assert logged[:2] == [None, None] and logged[2:] == pytest.approx([i.probability for i in shown])
    while not s.stop_advice():
        s.reject(s.next_units(1)[0])
    assert s.stop_advice().reason.startswith(("about", "no unit is left"))
    assert s.estimate_remaining() < 0.5 or s.progress().loc[0, "unread"] == 0


def test_a_decision_changes_the_ranking(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.want"])
    before = s.ranking.set_index(["doc_id", "start"])["score"]
    text = corpus.doc("int21").text
    water, budget = "Children lack food and clean water.", "The budget is reviewed by the board."
    w, b = text.index(water), text.index(budget)
    s.accept(("int21", w, w + len(water), "freedoms.want"))
    s.reject(("int21", b, b + len(budget), "freedoms.want"))
    after = s.ranking
    assert set(after["source"]) == {"model"}
    after = after.set_index(["doc_id", "start"])["score"]
    assert after[("int21", w)] > after[("int21", b)]
    assert not after.reindex(before.index).equals(before)


def test_the_evidence_of_a_rule_is_marked_in_the_unit(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.fear"])
    ranked = s.ranking
    fired = ranked[ranked["match_text"] != ""]
    assert len(fired)
    items = {i.key: i for i in s.next_units(len(ranked))}
    for row in fired.itertuples():
        item = items[(row.doc_id, row.start, row.end, row.code)]
        marked = [item.quote[a:b] for a, b in item.highlights]
        assert marked and all(m.lower() in row.match_text.lower() for m in marked)
        assert f"<mark>{marked[0]}</mark>" in item.to_html() and f"[{marked[0]}]" in item.to_text()
        assert f"rule: {row.rule}" in item.evidence_lines()


def test_evidence_words_are_marked_where_they_are_after_letters_that_lower_to_two(tmp_path):
    """'İ'.lower() is two characters: offsets found in the lowered text marked 'ear ' for 'fear'."""
    corpus = hsqual.Corpus([hsqual.Document("d", "In İstanbul people fear violence. Bread.")])
    cb = hsqual.Codebook("b", [hsqual.Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})])
    s = ReviewSession(corpus, cb, log=tmp_path / "r.jsonl", reviewer="me", embedder="tfidf")
    item = s.next_units(1)[0]
    assert item.quote == "In İstanbul people fear violence."
    assert [item.quote[a:b] for a, b in item.highlights] == ["fear"]
    assert item.marked() == "In İstanbul people [fear] violence."


def test_turns_of_a_speaker_can_be_left_out(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", exclude_speakers="Interviewer")
    quotes = {i.quote for i in s.next_units(200)}
    assert "How do you report this?" not in quotes and "Health clinics are far away." in quotes
    with pytest.raises(ValueError, match="no turn of speaker.*'Moderator'"):
        session_of(corpus, codebook, tmp_path / "other.jsonl", exclude_speakers="Moderator")


def test_units_left_to_read_count_a_decided_unit_of_a_left_out_speaker_once(corpus, codebook, tmp_path):
    """A log made before the interviewer was left out: the unread count matches the units still shown."""
    log = tmp_path / "review.jsonl"
    first = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    text = corpus.doc("int21").text
    for question in ("What does human security mean in your work?", "And beyond violence?",
                     "How do you report this?"):
        first.reject(("int21", text.index(question), text.index(question) + len(question), "freedoms.fear"))
    first.reject(first.next_units(1)[0])
    again = session_of(corpus, codebook, log, codes=["freedoms.fear"], exclude_speakers="Interviewer")
    still = again.next_units(200)
    assert len(still) == 8                       # 9 respondent sentences, 1 rejected
    assert again.progress()["unread"].tolist() == [8]
    for item in still[:-1]:
        again.reject(item)
    assert again.progress()["unread"].tolist() == [1]
    assert not again.stop_advice()               # one sentence is still to read
    again.reject(still[-1])
    assert again.stop_advice().reason == "no unit is left to read for 'freedoms.fear'"


def run_cli(args, answers, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
    status = main(["review", *args])
    return status, capsys.readouterr()


def test_the_command_reads_answers_from_piped_input_and_logs_them(corpus, codebook, tmp_path, monkeypatch, capsys):
    log = tmp_path / "review.jsonl"
    out_csv = tmp_path / "tanaka.csv"
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", "--codings-out", str(out_csv), str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nr\nmaybe\ns\nq\n", monkeypatch, capsys)
    assert status == 0, out.err
    recs = [json.loads(x) for x in lines_of(log)]
    assert [r["verdict"] for r in recs] == ["accept", "reject", "skip"]
    assert "please answer a, r, s, u or q (not 'maybe')" in out.out
    assert "freedoms.fear — Freedom from fear" in out.out and "definition:" in out.out
    assert f"log: {log} (3 decision(s))" in out.out
    assert "freedoms.fear: 1 accepted, 1 rejected, 1 skipped" in out.out
    written = read_codings(out_csv)
    assert written[["code", "coder", "quote"]].values.tolist() == [["freedoms.fear", "tanaka", recs[0]["quote"]]]

    # run again: it resumes (the decided units are not shown again), end of input stops it
    status, out = run_cli(args, "a\n", monkeypatch, capsys)
    assert status == 0 and "(resumed: 3 decision(s))" in out.out and "(end of input)" in out.out
    recs2 = [json.loads(x) for x in lines_of(log)]
    assert len(recs2) == 4 and recs2[3]["quote"] not in {r["quote"] for r in recs}
    assert len(read_codings(out_csv)) == 2                             # its own earlier output is replaced


@pytest.mark.parametrize("stdin", ["none", "closed"])
def test_the_command_with_no_input_to_read_ends_as_at_end_of_input(corpus, tmp_path, monkeypatch, capsys, stdin):
    """`hsqual review ... 0<&-` (Python's sys.stdin is then None) or a closed stream: no traceback."""
    log = tmp_path / "review.jsonl"
    write_log(log, [record(corpus, "Landmines still kill children in the fields.")])
    before = log.read_bytes()
    stream = None
    if stdin == "closed":
        stream = io.StringIO("a\n")
        stream.close()
    monkeypatch.setattr(sys, "stdin", stream)
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", str(tmp_path / "interviews")]
    status = main(["review", *args])
    out = capsys.readouterr()
    assert status == 0, out.err
    assert "(end of input)" in out.out and f"log: {log} (1 decision(s))" in out.out
    assert log.read_bytes() == before


@pytest.mark.parametrize("name, message", [
    ("tanaka.txt", "tanaka.txt: cannot tell the format from the suffix '.txt'; expected .csv, .xlsx or .parquet"),
    ("interviews", "interviews: cannot tell the format from the suffix ''"),
    ("folder.csv", "folder.csv: is a folder; give a file name"),
])
def test_the_command_checks_the_codings_file_before_the_review_starts(corpus, tmp_path, monkeypatch, capsys,
                                                                        name, message):
    log = tmp_path / "r.jsonl"
    (tmp_path / "folder.csv").mkdir()
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", "--codings-out", str(tmp_path / name), str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nq\n", monkeypatch, capsys)
    assert status == 1 and message in out.err
    assert "accept / reject / skip" not in out.out and not log.exists()     # no answer asked for in vain


def test_the_command_reports_a_cut_log_line_once_in_its_own_words(corpus, tmp_path, monkeypatch, capsys):
    """Not also as a Python warning quoting hsqual's source line."""
    log = tmp_path / "review.jsonl"
    cut = json.dumps(record(corpus, "Children lack food and clean water."))[:50]
    write_log(log, [record(corpus, "Landmines still kill children in the fields.")], tail=cut)
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", str(tmp_path / "interviews")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out = run_cli(args, "q\n", monkeypatch, capsys)
    assert status == 0
    assert not [w for w in caught if issubclass(w.category, ReviewLogWarning)]
    assert out.out.count("review.jsonl:2: the last line is cut short") == 1


def test_the_codings_are_never_written_over_the_review_log(corpus, codebook, tmp_path, monkeypatch, capsys):
    log = tmp_path / "review.csv"
    s = session_of(corpus, codebook, log)
    s.accept(s.next_units(1)[0])
    before = log.read_bytes()
    with pytest.raises(ReviewError, match=r"review\.csv: is this review's log; write the codings to another file"):
        s.write_codings(log, replace=True)
    assert log.read_bytes() == before
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", "--codings-out", str(tmp_path / "." / "review.csv"), "--force",
            str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nq\n", monkeypatch, capsys)
    assert status == 1 and "is this review's log" in out.err and "accept / reject" not in out.out
    assert log.read_bytes() == before


def test_the_command_refuses_to_replace_a_persons_codings(corpus, tmp_path, monkeypatch, capsys):
    out_csv = tmp_path / "manual.csv"
    hsqual.write_codings(codings_frame([{"doc_id": "int21", "segment_id": 1, "code": "freedoms.want", "start": 0,
                                         "end": 11, "quote": corpus.doc("int21").text[:11], "coder": "kim"}]), out_csv)
    before = out_csv.read_bytes()
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(tmp_path / "r.jsonl"), "--reviewer", "tanaka",
            "--embedder", "tfidf", "--code", "freedoms.want", "--codings-out", str(out_csv), str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nq\n", monkeypatch, capsys)
    assert status == 1 and "manual.csv: the file holds 1 row(s) (coder(s) kim)" in out.err
    # the command's ways out, not the API's
    assert "give another --codings-out file, or --force to replace it" in out.err and "replace=True" not in out.err
    assert out_csv.read_bytes() == before
    assert len(lines_of(tmp_path / "r.jsonl")) == 1                    # the decision is kept in the log all the same


def test_the_command_names_an_unknown_code(corpus, tmp_path, monkeypatch, capsys):
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(tmp_path / "r.jsonl"), "--reviewer", "tanaka",
            "--code", "freedoms.feer", str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\n", monkeypatch, capsys)
    assert status == 2 and "unknown code(s) freedoms.feer" in out.err
    assert not (tmp_path / "r.jsonl").exists()


def test_the_command_help_shows_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["review", "--help"])
    assert exit_.value.code == 0
    assert "hsqual review --codebook codebooks/ --log review.jsonl" in capsys.readouterr().out


def test_the_widget_buttons_write_the_log(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, batch_size=3)
    w = review_widget(s, code="freedoms.fear")
    first = list(w.items)
    assert len(first) == 3 and len(w.buttons) == 3
    assert "found so far: <b>0</b>" in w.status.value and "estimated still to find" in w.status.value
    w.buttons[0]["accept"].click()
    assert [json.loads(x)["quote"] for x in lines_of(log)] == [first[0].quote]
    assert w.buttons[0]["accept"].disabled and "found so far: <b>1</b>" in w.status.value
    w.buttons[0]["reject"].click()                                     # a decided unit ignores more clicks
    assert len(lines_of(log)) == 1
    w.buttons[1]["reject"].click()
    w.buttons[2]["skip"].click()                                       # the batch is done: the next one comes
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "reject", "skip"]
    assert {i.key for i in w.items}.isdisjoint({i.key for i in first[:2]})
    assert all(not b.disabled for row in w.buttons for b in row.values())
    card = w.body.children[0].children[0].value
    assert w.items[0].to_html() in card and "example: " in card and w.items[0].label in card


def test_the_widget_switches_code(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", batch_size=4)
    w = review_widget(s)
    assert {i.code for i in w.items} <= set(CODES)
    assert w.code is None and w.code_picker.label == "every code"     # the menu shows what is reviewed
    w.code_picker.value = "freedoms.want"
    assert len(w.items) == 4 and {i.code for i in w.items} == {"freedoms.want"}
    w.buttons[0]["accept"].click()
    assert json.loads(lines_of(tmp_path / "review.jsonl")[0])["code"] == "freedoms.want"
    w.code_picker.value = ""
    assert w.code is None and w.code_picker.label == "every code"
    with pytest.raises(ValueError, match="'nope' is not one of the review's codes"):
        review_widget(s, code="nope")


def test_the_widget_clears_an_error_once_the_log_reads_again(corpus, codebook, tmp_path):
    """A log another session broke is shown as an error; once it is mended the error goes with the next refresh."""
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, batch_size=2)
    w = review_widget(s)
    w.buttons[0]["accept"].click()
    good = log.read_bytes()
    log.write_bytes(good + json.dumps({**json.loads(good), "verdict": "reject"}).encode() + b"\n")
    w.code_picker.value = "freedoms.want"
    assert "on line 1" in w.message.value and w.items == []
    log.write_bytes(good)                                          # mended by hand
    w.code_picker.value = "freedoms.fear"
    assert w.message.value == "" and len(w.items) == 2


def test_windows_are_sentences_ranked_with_their_neighbours(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, unit="window")
    item = s.next_units(1)[0]
    assert corpus.doc(item.doc_id).text[item.start:item.end] == item.quote
    s.accept(item)
    assert json.loads(lines_of(log)[0])["unit"] == "window"
    assert session_of(corpus, codebook, log, unit="sentence").found() == 1     # the same units
    with pytest.raises(ReviewError, match="open the session with unit='window'"):
        session_of(corpus, codebook, log, unit="segment")


# ---------------------------------------------------------------------------------------
# calibrate: Platt's correction of the ranking's probabilities for the estimate of what is left
# ---------------------------------------------------------------------------------------

def _corrected(b, a, p):
    p = np.clip(np.asarray(p, float), 1e-6, 1 - 1e-6)
    return 1 / (1 + np.exp(-(b + a * np.log(p / (1 - p)))))


def test_calibrate_never_turns_the_order_round_and_always_converges():
    rng = np.random.default_rng(20261130)
    for _ in range(300):
        n = int(rng.integers(1, 80))
        p = rng.uniform(0, 1, n) ** rng.uniform(0.2, 5)            # spread or crowded, anywhere in [0, 1]
        y = (rng.uniform(0, 1, n) < rng.uniform(0, 1)).astype(float)
        b, a = calibrate(p, y)
        assert a >= 0 and np.isfinite(b) and -50 <= b <= 50 and a <= 100
        if 0 < a < 100 and -50 < b < 50:                            # an interior optimum: the gradient vanishes
            q = _corrected(b, a, p)
            z = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
            assert abs((q - y).sum() + b / 2.0 ** 2) < 1e-3 * max(1, n)
            assert abs(((q - y) * z).sum() + (a - 1) / 10.0 ** 2) < 1e-3 * max(1, n * abs(z).max())


def test_calibrate_pulls_down_promises_the_reviewer_rejected():
    # a swinging case for Newton's method: widely spread probabilities, 7 of the top 20 accepted
    p = np.linspace(0.95, 0.5, 20)
    b, a = calibrate(p, np.r_[np.ones(7), np.zeros(13)])
    q = _corrected(b, a, p)
    assert np.all(np.diff(q) <= 1e-12)                               # still in the ranking's order
    assert abs(q.sum() - 7) < 1.5                                    # about as many as were accepted
    b, a = calibrate(np.full(5, 0.999999), np.zeros(5))             # five certain units, all rejected
    assert _corrected(b, a, [0.999999])[0] < 0.5
    b, a = calibrate([0.7], [0])                                     # one verdict: no order to learn
    assert a == pytest.approx(0, abs=1e-6) and _corrected(b, a, [0.7])[0] < 0.7
    assert calibrate([], []) == (0.0, 1.0)


@pytest.mark.parametrize("p, y, message", [
    ([0.5, 0.2], [1], r"as long as each other, not of shapes \(2,\) and \(1,\)"),
    ([0.5, float("nan")], [1, 0], r"probability must lie in \[0, 1\]; position 1 is nan"),
    ([0.5, -0.1], [1, 0], r"position 1 is -0.1"),
    ([0.5, 0.2], [1, 2], r"accepted must be 0 or 1 \(or a bool\); position 1 is 2.0"),
    ([[0.5]], [[1]], r"one-dimensional"),
    (["a"], [1], r"must be numbers"),
])
def test_calibrate_bad_input_is_a_clear_error(p, y, message):
    with pytest.raises(ValueError, match=message):
        calibrate(p, y)
    with pytest.raises(ValueError, match=r"prior_sd must be two numbers above 0, not \(0, 10\)"):
        calibrate([0.5], [1], prior_sd=(0, 10))


def test_the_estimate_does_not_stop_a_review_unless_asked(corpus, codebook, tmp_path):
    s = session_of(corpus, codebook, tmp_path / "a.jsonl", codes=["freedoms.want"], stop_after_rejections=1000)
    assert s.stop_below == 0
    while not s.stop_advice():
        s.reject(s.next_units(1)[0])
    assert s.stop_advice().reason.startswith("no unit is left")     # read to the end: the estimate never stopped it
    args = build_parser().parse_args(["review", "--codebook", "codebooks", "--log", "x.jsonl", "--reviewer", "t",
                                      "t.md"])
    assert args.stop_below == 0


def test_a_log_that_is_a_folder_is_an_error_naming_it(corpus, codebook, tmp_path):
    with pytest.raises(ReviewError, match=r"is a folder; the review log is a file \(JSON Lines\)") as err:
        session_of(corpus, codebook, tmp_path)
    assert err.value.path == str(tmp_path)
    with pytest.raises(ReviewError, match="is a folder"):
        read_review_log(tmp_path)


@pytest.mark.parametrize("value", [math.nan, -1.0, "2"])
def test_stop_below_must_be_a_number_of_units(corpus, codebook, tmp_path, value):
    with pytest.raises(ArgumentError, match=f"stop_below must be a number of units, at least 0, not {value!r}"):
        session_of(corpus, codebook, tmp_path / "r.jsonl", stop_below=value)


@pytest.mark.parametrize("name", ["notes.txt", "interviews", "folder.parquet"])
def test_writing_codings_to_a_file_that_is_no_table_is_an_error_and_leaves_it(corpus, codebook, tmp_path, name):
    """Before, an existing notes.txt or folder was read as parquet: a pyarrow traceback."""
    s = session_of(corpus, codebook, tmp_path / "r.jsonl")
    s.accept(s.next_units(1)[0])
    (tmp_path / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (tmp_path / "folder.parquet").mkdir()
    with pytest.raises(hsqual.errors.OutputError, match=f"{name}: (cannot tell the format|is a folder)"):
        s.write_codings(tmp_path / name)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "my notes\n"


def test_a_log_whose_only_write_a_crash_cut_or_zeroed_is_still_a_log(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    for tail in (json.dumps(record(corpus, "Health clinics are far away."))[:40], "\0" * 64):
        log.write_text(tail, encoding="utf-8")
        with pytest.warns(ReviewLogWarning, match="review.jsonl:1: "):
            s = session_of(corpus, codebook, log)
        assert s.accept(s.next_units(1)[0])["line"] == 2 and lines_of(log)[0] == tail


def test_the_command_passes_by_language_on_to_the_ranking(corpus, tmp_path, monkeypatch, capsys):
    import hsqual.review

    seen = []

    class Recording(hsqual.review.ReviewSession):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs.get("rank_options"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(hsqual.review, "ReviewSession", Recording)  # as the command imports it
    base = ["--codebook", str(ROOT / "codebooks"), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", str(tmp_path / "interviews")]
    for extra in ([], ["--by-language"]):
        status, out = run_cli(["--log", str(tmp_path / f"r{len(extra)}.jsonl"), *extra, *base], "q\n", monkeypatch, capsys)
        assert status == 0, out.err
    assert seen[0] == {"embedder": "tfidf"}
    assert seen[1]["embedder"] == "tfidf" and seen[1]["settings"].by_language is True


# -- undo ---------------------------------------------------------------------------------------

def span(corpus, sentence, code="freedoms.fear"):
    start = corpus.doc("int21").text.index(sentence)
    return ("int21", start, start + len(sentence), code)


VIOLENCE = "Violence against civilians drove families from their villages."
LANDMINES = "Landmines still kill children in the fields."
BUDGET = "The budget is reviewed by the board."


def test_an_undo_is_a_line_of_its_own_and_the_log_reads_back_the_same(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    s.accept(span(corpus, VIOLENCE))
    s.accept(span(corpus, LANDMINES))
    record = s.undo()
    assert (record["verdict"], record["line"], record["quote"]) == ("undo", 3, LANDMINES)
    assert (record["withdrawn"]["verdict"], record["withdrawn"]["line"]) == ("accept", 2)
    on_disk = [json.loads(x) for x in lines_of(log)]
    assert [r["verdict"] for r in on_disk] == ["accept", "accept", "undo"]
    assert on_disk[2] == {k: v for k, v in record.items() if k not in ("line", "withdrawn")}
    assert list(on_disk[2]) == list(hsqual.review.LOG_FIELDS)
    table = read_review_log(log, corpus=corpus, codebook=codebook, unit="sentence")
    assert table[["line", "verdict", "quote"]].values.tolist() == [[1, "accept", VIOLENCE], [2, "accept", LANDMINES],
                                                                   [3, "undo", LANDMINES]]
    assert s.log.values.tolist() == table.values.tolist()
    again = session_of(corpus, codebook, log)
    assert again.decisions.values.tolist() == s.decisions.values.tolist() == [[*span(corpus, VIOLENCE), True]]
    assert hsqual.review.VERDICTS == ("accept", "reject", "skip")
    assert hsqual.review.LOG_VERDICTS == ("accept", "reject", "skip", "undo")


def test_undoing_an_accept_takes_the_coding_and_the_decision_away(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    queue = [i.key for i in s.next_units(100)]
    wrong = s.next_units(1)[0]
    s.accept(wrong)
    s.reject(span(corpus, BUDGET))
    assert s.codings()["quote"].tolist() == [wrong.quote] and s.found() == 1
    s.undo(wrong)
    assert s.codings().empty and s.found() == 0
    assert s.decisions.values.tolist() == [[*span(corpus, BUDGET), False]]
    assert s.progress()[["accepted", "rejected", "skipped", "unread"]].values.tolist() == [[0, 1, 0, len(queue) - 1]]
    assert s.ranking.set_index(["start"])["verdict"][wrong.start] == ""
    assert s.next_units(1)[0].key == wrong.key               # open again, in its rank (not last, as a skip)
    resumed = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    assert resumed.codings().empty and resumed.found() == 0
    assert resumed.decisions.values.tolist() == s.decisions.values.tolist()


def test_undo_without_a_unit_goes_back_through_the_reviewers_own_verdicts_skips_included(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    other = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"])
    s.accept(span(corpus, VIOLENCE))
    s.skip(span(corpus, LANDMINES))
    other.reject(span(corpus, BUDGET))                        # sato's: not tanaka's to undo by default
    assert s.last_verdict()["quote"] == LANDMINES
    assert s.undo()["withdrawn"]["quote"] == LANDMINES        # the skip: the unit is fresh again
    assert s.progress()["skipped"].tolist() == [0]
    assert s.undo()["withdrawn"]["quote"] == VIOLENCE
    assert s.last_verdict() is None
    with pytest.raises(ReviewError, match=r"review\.jsonl: nothing to undo: tanaka has no verdict standing on "
                                          r"'freedoms.fear' in the log \(every one was withdrawn already\)"):
        s.undo()
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "skip", "reject", "undo", "undo"]
    assert s.decisions.values.tolist() == [[*span(corpus, BUDGET), False]]      # sato's reject stands


def test_accept_undo_reject_is_no_contradiction_but_accept_reject_still_is(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    s.accept(span(corpus, LANDMINES))
    with pytest.raises(ReviewError, match="it cannot be rejected too \\(undo the accept first\\)"):
        s.reject(span(corpus, LANDMINES))
    s.undo(span(corpus, LANDMINES))
    assert s.reject(span(corpus, LANDMINES))["line"] == 3
    resumed = session_of(corpus, codebook, log)
    assert resumed.decisions.values.tolist() == [[*span(corpus, LANDMINES), False]]
    assert resumed.progress().set_index("code").loc["freedoms.fear", ["accepted", "rejected"]].tolist() == [0, 1]
    # written by hand: accept, undo, reject, then an accept with no undo before it
    write_log(log, [record(corpus, LANDMINES), record(corpus, LANDMINES, verdict="undo"),
                    record(corpus, LANDMINES, verdict="reject"), record(corpus, LANDMINES, verdict="accept")])
    with pytest.raises(ReviewError) as err:
        session_of(corpus, codebook, log)
    assert err.value.line == 4 and str(err.value).startswith(f"{log}:4: ")
    assert "is accepted for 'freedoms.fear' here but was rejected on line 3" in str(err.value)


@pytest.mark.parametrize("lines, bad, why", [
    (["undo"], 2, "no accept, reject or skip on it comes before"),
    (["accept", "undo", "undo"], 4, "its last verdict was withdrawn already, on line 3"),
    (["skip", "undo", "undo"], 4, "its last verdict was withdrawn already, on line 3"),
])
def test_an_undo_where_no_verdict_stands_is_an_error_naming_its_line(corpus, codebook, tmp_path, lines, bad, why):
    log = tmp_path / "review.jsonl"
    write_log(log, [record(corpus, LANDMINES, verdict="accept", reviewer="sato")]
              + [record(corpus, VIOLENCE, verdict=v) for v in lines])     # line 1: another unit, accepted
    with pytest.raises(ReviewError) as err:
        read_review_log(log, corpus=corpus, codebook=codebook, unit="sentence")
    assert err.value.line == bad
    start = corpus.doc("int21").text.index(VIOLENCE)
    assert str(err.value) == (f"{log}:{bad}: nothing to undo: int21 {start}-{start + len(VIOLENCE)} has no verdict "
                              f"standing for 'freedoms.fear' ({why}); an undo withdraws the verdict standing on its "
                              "unit and code (remove this line by hand, or put the verdict it withdraws back above it)")
    with pytest.raises(ReviewError, match=f":{bad}: nothing to undo"):
        session_of(corpus, codebook, log)


def test_an_undo_through_the_api_where_nothing_stands_is_refused_and_not_logged(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    with pytest.raises(ReviewError, match=r"nothing to undo: tanaka has no verdict standing on this review in the log$"):
        s.undo()
    assert not log.exists()
    s.accept(span(corpus, VIOLENCE))
    start = corpus.doc("int21").text.index(LANDMINES)
    with pytest.raises(ReviewError, match=rf"review\.jsonl: nothing to undo: int21 {start}-{start + len(LANDMINES)} "
                                          r"has no verdict standing for 'freedoms.fear' \(no accept"):
        s.undo(span(corpus, LANDMINES))
    s.undo(span(corpus, VIOLENCE))
    with pytest.raises(ReviewError, match=r"withdrawn already, on line 2"):
        s.undo(span(corpus, VIOLENCE))
    with pytest.raises(ReviewError, match="is not a sentence of the corpus"):
        s.undo(("int21", start, start + 3, "freedoms.fear"))
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "undo"]


def test_an_undo_reads_what_another_session_wrote_first(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    a = session_of(corpus, codebook, log, reviewer="tanaka")
    b = session_of(corpus, codebook, log, reviewer="sato")
    a.accept(span(corpus, LANDMINES))
    assert b.undo(span(corpus, LANDMINES))["withdrawn"]["reviewer"] == "tanaka"   # anyone's, named
    with pytest.raises(ReviewError, match="every one was withdrawn already"):
        a.undo()
    assert a.found() == 0 and a.reject(span(corpus, LANDMINES))["line"] == 3     # no contradiction: it was withdrawn
    assert [json.loads(x)["reviewer"] for x in lines_of(log)] == ["tanaka", "sato", "tanaka"]


def test_a_withdrawn_rejection_is_not_in_the_streak_and_a_withdrawn_accept_does_not_break_it(corpus, codebook,
                                                                                          tmp_path):
    s = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.fear"], stop_after_rejections=3)
    items = s.next_units(5)
    for item in items[:3]:
        s.reject(item)
    assert s.stop_advice().reason == "the last 3 verdicts on 'freedoms.fear' were rejections"
    s.undo()
    assert s.progress()[["rejected", "rejections_in_a_row", "stop"]].values.tolist() == [[2, 2, False]]
    s.accept(items[3])
    s.undo()                                                  # the accept withdrawn: as if never given
    assert s.progress()["rejections_in_a_row"].tolist() == [2]
    s.reject(items[4])
    assert s.stop_advice().reason == "the last 3 verdicts on 'freedoms.fear' were rejections"
    resumed = session_of(corpus, codebook, tmp_path / "review.jsonl", codes=["freedoms.fear"], stop_after_rejections=3)
    assert resumed.progress()[["rejected", "rejections_in_a_row", "stop"]].values.tolist() == [[3, 3, True]]


@pytest.mark.parametrize("refit_every", [1, 50])
def test_after_an_undo_the_ranking_and_estimate_are_those_without_the_withdrawn_verdict(corpus, codebook, tmp_path,
                                                                                        refit_every):
    """An undo refits at once, whatever refit_every says: the model must not keep a withdrawn verdict."""
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, codes=["freedoms.want"], refit_every=refit_every)
    s.ranking                                                 # ranked before any decision
    water = span(corpus, "Children lack food and clean water.", "freedoms.want")
    budget = span(corpus, BUDGET, "freedoms.want")
    hunger = span(corpus, "Poverty and hunger matter as much.", "freedoms.want")
    s.accept(water); s.reject(budget)
    clean = tmp_path / "clean.jsonl"                          # the log as it would be without the misclick
    clean.write_text(log.read_text(encoding="utf-8"), encoding="utf-8")
    s.accept(hunger)
    before = s.ranking.set_index(["start"])["score"].to_dict()
    s.undo()
    after = s.ranking.set_index(["start"])["score"].to_dict()
    c = session_of(corpus, codebook, clean, codes=["freedoms.want"])
    expected = c.ranking.set_index(["start"])["score"].to_dict()
    assert before != pytest.approx(expected)                  # (three decisions, or none with refit_every=50)
    assert after == pytest.approx(expected)
    assert s.estimate_remaining() == pytest.approx(c.estimate_remaining())
    assert not math.isnan(c.estimate_remaining())
    assert s.next_units(3) == c.next_units(3)
    resumed = session_of(corpus, codebook, log, codes=["freedoms.want"])
    assert resumed.ranking.set_index(["start"])["score"].to_dict() == pytest.approx(expected)
    assert resumed.estimate_remaining() == pytest.approx(c.estimate_remaining())


def test_the_widget_undo_button_withdraws_the_last_verdict_and_shows_the_unit_again(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, batch_size=3)
    w = review_widget(s, code="freedoms.fear")
    assert w.undo_button.disabled and w.undo_button.description == "Undo last"      # nothing to undo yet
    first = list(w.items)
    w.buttons[0]["accept"].click()
    w.buttons[1]["reject"].click()
    assert not w.undo_button.disabled and s.found() == 1
    w.buttons[0]["skip"].click()                             # a decided unit ignores more clicks, undo or not
    w.undo_button.click()                                    # the reject of the second unit
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "reject", "undo"]
    assert w.items[0].key == first[1].key and first[0].key not in {i.key for i in w.items}
    assert first[2].key in {i.key for i in w.items}          # the undecided unit is still shown
    assert all(not b.disabled for row in w.buttons for b in row.values())
    assert "withdrew the rejection of int21" in w.message.value and "log line 2, undone on line 3" in w.message.value
    w.undo_button.click()                                    # then the accept before it
    assert s.found() == 0 and s.codings().empty and w.items[0].key == first[0].key
    assert "withdrew the acceptance" in w.message.value and "found so far: <b>0</b>" in w.status.value
    assert w.undo_button.disabled                            # nothing of tanaka's stands
    w.buttons[0]["reject"].click()                           # decided anew: no contradiction
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "reject", "undo", "undo", "reject"]
    assert s.decisions.values.tolist() == [[*first[0].key, False]]
    assert not w.undo_button.disabled and w.message.value == ""


def test_the_widget_says_why_nothing_was_undone(corpus, codebook, tmp_path):
    """Another session withdrew the verdict while the button was still enabled."""
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, batch_size=2)
    w = review_widget(s)
    w.buttons[0]["accept"].click()
    session_of(corpus, codebook, log, reviewer="sato").undo(w.items[0])
    assert not w.undo_button.disabled
    w.undo_button.click()
    assert "nothing to undo: tanaka has no verdict standing" in w.message.value and w.undo_button.disabled
    assert len(lines_of(log)) == 2


def test_the_command_undoes_the_last_verdict_and_asks_about_that_unit_again(corpus, codebook, tmp_path, monkeypatch,
                                                                           capsys):
    log = tmp_path / "review.jsonl"
    out_csv = tmp_path / "tanaka.csv"
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", "--codings-out", str(out_csv), str(tmp_path / "interviews")]
    status, out = run_cli(args, "u\na\nundo\nr\nq\n", monkeypatch, capsys)
    assert status == 0, out.err
    recs = [json.loads(x) for x in lines_of(log)]
    assert [r["verdict"] for r in recs] == ["accept", "undo", "reject"]
    assert len({(r["start"], r["quote"]) for r in recs}) == 1        # the same unit, asked about again
    assert "nothing undone: " in out.out and "nothing to undo: tanaka has no verdict standing" in out.out
    assert out.out.count("[1] freedoms.fear") == 1                   # a refused undo asks again, not shows again
    assert (f"withdrew your acceptance of int21 {recs[0]['start']}-{recs[0]['end']} for freedoms.fear "
            "(log line 1; the undo is line 2); that unit again:") in out.out
    shown = out.out.split("that unit again:")[1]
    assert shown.lstrip().startswith("[3] freedoms.fear")            # [2] was the next unit, left unanswered
    assert f"int21 {recs[0]['start']}-{recs[0]['end']} " in shown.split("accept / reject")[0]
    assert "freedoms.fear: 0 accepted, 1 rejected, 0 skipped" in out.out
    assert f"log: {log} (2 decision(s), 1 undo)" in out.out
    assert read_codings(out_csv).empty                               # the withdrawn accept is no coding
    status, out = run_cli(args, "q\n", monkeypatch, capsys)
    assert "(resumed: 2 decision(s), 1 undo)" in out.out


def test_the_command_help_lists_undo(capsys):
    with pytest.raises(SystemExit):
        main(["review", "--help"])
    assert "u  undo: withdraw your last verdict" in capsys.readouterr().out


def test_an_accept_withdrawn_after_its_coding_was_written_leaves_no_coding_in_the_file(corpus, codebook, tmp_path):
    """The review's own row for an accept since withdrawn is replaced, not kept, nor a reason to refuse."""
    log, mine = tmp_path / "review.jsonl", tmp_path / "codings.csv"
    s = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    s.accept(span(corpus, VIOLENCE))
    s.accept(span(corpus, LANDMINES))
    s.write_codings(mine)
    assert read_codings(mine)["quote"].tolist() == [VIOLENCE, LANDMINES]
    s.undo()                                                  # the landmines accept was a misclick
    s.write_codings(mine)
    assert read_codings(mine)["quote"].tolist() == [VIOLENCE]
    # beside another person's row, added to as the refusal says: still no withdrawn coding
    kim = codings_frame([{"doc_id": "int21", "segment_id": 1, "code": "freedoms.want", "start": 0, "end": 11,
                          "quote": corpus.doc("int21").text[:11], "coder": "kim"}])
    s.accept(span(corpus, LANDMINES))
    s.write_codings(mine, existing=kim, replace=True)
    s.undo()
    with pytest.raises(ReviewError, match=r"the file holds 1 row\(s\) \(coder\(s\) kim\)"):
        s.write_codings(mine)
    assert s.codings(read_codings(mine))[["coder", "quote"]].values.tolist() == [["kim", kim["quote"][0]],
                                                                                ["tanaka", VIOLENCE]]
    s.write_codings(mine, existing=read_codings(mine))
    assert read_codings(mine)["quote"].tolist() == [kim["quote"][0], VIOLENCE]
    # a row of the same span the reviewer typed in by hand (no memo of this log) is theirs: kept
    start = corpus.doc("int21").text.index(LANDMINES)
    hand = codings_frame([{"doc_id": "int21", "segment_id": 2, "code": "freedoms.fear", "start": start,
                           "end": start + len(LANDMINES), "quote": LANDMINES, "coder": "tanaka", "memo": "by hand"}])
    assert s.codings(hand)[["quote", "memo"]].values.tolist()[0] == [LANDMINES, "by hand"]


def test_the_command_resumed_after_an_undo_rewrites_its_codings_without_the_withdrawn_accept(corpus, codebook,
                                                                                              tmp_path, monkeypatch,
                                                                                              capsys):
    log, out_csv = tmp_path / "review.jsonl", tmp_path / "tanaka.csv"
    args = ["--codebook", str(ROOT / "codebooks"), "--log", str(log), "--reviewer", "tanaka", "--embedder", "tfidf",
            "--code", "freedoms.fear", "--codings-out", str(out_csv), str(tmp_path / "interviews")]
    status, out = run_cli(args, "a\nq\n", monkeypatch, capsys)
    assert status == 0 and len(read_codings(out_csv)) == 1
    status, out = run_cli(args, "u\nr\nq\n", monkeypatch, capsys)     # resumed: the accept undone, then rejected
    assert status == 0, out.err
    assert read_codings(out_csv).empty and "wrote " in out.out


def test_an_undo_racing_the_first_decision_of_another_session_appends_under_the_lock(corpus, codebook, tmp_path,
                                                                                      monkeypatch):
    """No log yet when the undo starts; the other session (the same reviewer at a terminal) writes the first line
    before the undo reads: the undo's line is written holding the log's lock, as every line is."""
    fcntl = pytest.importorskip("fcntl")                     # the lock is flock; where it is missing there is none
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log)
    other = session_of(corpus, codebook, log)
    read = s._read_log

    def read_after_the_other_wrote():
        if not log.exists():
            other.accept(span(corpus, VIOLENCE))
        read()

    monkeypatch.setattr(s, "_read_log", read_after_the_other_wrote)
    unlocked = []
    append = hsqual.writers.append_line

    def append_checking_the_lock(line, path, **kw):
        with open(path, "ab") as fh:                          # a second open file: blocked while the lock is held
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                unlocked.append(json.loads(line)["verdict"])
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            except BlockingIOError:
                pass
        return append(line, path, **kw)

    monkeypatch.setattr(hsqual.writers, "append_line", append_checking_the_lock)
    assert s.undo()["withdrawn"]["quote"] == VIOLENCE
    assert unlocked == []
    assert [json.loads(x)["verdict"] for x in lines_of(log)] == ["accept", "undo"]



def test_an_accept_withdrawn_in_another_session_is_no_coding_of_this_one(corpus, codebook, tmp_path):
    """The notebook's session writes the codings after an undo given at the terminal on the same log."""
    log, mine = tmp_path / "review.jsonl", tmp_path / "tanaka.csv"
    notebook = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    terminal = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    notebook.accept(span(corpus, VIOLENCE))
    notebook.accept(span(corpus, LANDMINES))
    terminal.undo()
    assert notebook.codings()["quote"].tolist() == [VIOLENCE]
    notebook.write_codings(mine)
    assert read_codings(mine)["quote"].tolist() == [VIOLENCE]


def test_a_coding_whose_accept_another_reviewer_withdrew_is_not_dropped_from_the_file_unasked(corpus, codebook,
                                                                                            tmp_path):
    """Only the coder's own undo takes the coder's written row away; another's undo is refused as a loss."""
    log, theirs = tmp_path / "review.jsonl", tmp_path / "sato.csv"
    sato = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"])
    tanaka = session_of(corpus, codebook, log, reviewer="tanaka", codes=["freedoms.fear"])
    sato.accept(span(corpus, VIOLENCE))
    sato.write_codings(theirs)
    tanaka.undo(span(corpus, VIOLENCE))
    assert sato.codings().empty                               # the unit has no verdict standing
    with pytest.raises(ReviewError, match=r"sato\.csv: the file holds 1 row\(s\) \(coder\(s\) sato\)"):
        sato.write_codings(theirs)
    assert sato.codings(read_codings(theirs))["coder"].tolist() == ["sato"]


def test_a_verdict_given_again_after_an_undo_records_the_probability_of_the_ranking_without_the_withdrawn_one(
        corpus, codebook, tmp_path):
    """Undo, then decide the unit anew through the API (no next_units between): the line's probability, which
    the estimate calibrates on, is the unit's under the model refitted without the withdrawn verdict."""
    log = tmp_path / "review.jsonl"
    s = session_of(corpus, codebook, log, codes=["freedoms.want"])
    water = span(corpus, "Children lack food and clean water.", "freedoms.want")
    hunger = span(corpus, "Poverty and hunger matter as much.", "freedoms.want")
    s.accept(water); s.reject(span(corpus, BUDGET, "freedoms.want"))
    clean = tmp_path / "clean.jsonl"                          # the log as it would be without the misclick
    clean.write_text(log.read_text(encoding="utf-8"), encoding="utf-8")
    s.reject(hunger)                                          # a misclick
    s.ranking                                                 # refitted with it
    s.undo()
    again = s.accept(hunger)
    c = session_of(corpus, codebook, clean, codes=["freedoms.want"])
    shown = c.item(hunger)
    assert again["probability"] == pytest.approx(shown.probability)
    assert c.accept(shown)["probability"] == pytest.approx(shown.probability)
    assert s.estimate_remaining() == pytest.approx(c.estimate_remaining())


def test_undo_says_when_the_reviewers_verdict_was_replaced_rather_than_withdrawn(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    tanaka = session_of(corpus, codebook, log, codes=["freedoms.fear"])
    sato = session_of(corpus, codebook, log, reviewer="sato", codes=["freedoms.fear"])
    tanaka.skip(span(corpus, VIOLENCE))
    sato.accept(span(corpus, VIOLENCE))                       # decided what tanaka put aside: no undo in the log
    with pytest.raises(ReviewError) as err:
        tanaka.undo()
    assert str(err.value).endswith("nothing to undo: tanaka has no verdict standing on 'freedoms.fear' in the log "
                                   "(each was withdrawn already or replaced by a later verdict on its unit; "
                                   "undo(item) withdraws the verdict standing on a unit)")
    tanaka.skip(span(corpus, LANDMINES))
    tanaka.undo()
    with pytest.raises(ReviewError, match=r"in the log \(each was withdrawn already or replaced"):
        tanaka.undo()


def test_the_widget_undo_does_not_show_again_a_unit_another_session_decided_meanwhile(corpus, codebook, tmp_path):
    log = tmp_path / "review.jsonl"
    mine = session_of(corpus, codebook, log, batch_size=3)
    theirs = session_of(corpus, codebook, log, reviewer="sato")
    w = review_widget(mine, code="freedoms.fear")
    page = list(w.items)
    w.buttons[0]["accept"].click()
    theirs.reject(theirs.item(page[2].key))               # a colleague decides a unit still open on the page
    w.undo_button.click()
    shown = [i.key for i in w.items]
    assert shown[0] == page[0].key and page[1].key in shown     # the withdrawn unit first, the open one kept
    assert page[2].key not in shown                       # decided elsewhere since: not offered as open
