"""The Diet record (国会会議録) read as a corpus: offsets, order, metadata, folders, errors."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

import hsqual
from hsqual.diet import HEADER_SPEAKER, diet_changes, diet_issue_ids, read_diet, strip_mark
from hsqual.errors import HsqualError, TranscriptError

DATA = Path(__file__).parent / "data" / "diet"
PAGES = [DATA / "speech_page1.json", DATA / "speech_page2.json"]
MEETING_A = "121304024X00320230308"


def _raw_speeches() -> dict[str, dict]:
    """Every speech of the fixtures, as the API gave it, by speechID."""
    out = {}
    for p in sorted(DATA.glob("*.json")):
        data = json.loads(p.read_text(encoding="utf-8"))
        for rec in data.get("speechRecord", []):
            out[rec["speechID"]] = rec
        for m in data.get("meetingRecord", []):
            for rec in m["speechRecord"]:
                out[rec["speechID"]] = {**m, **rec}
    return out


def _read_all():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the duplicate of page 2, tested below
        return hsqual.load_corpus(DATA)


def test_one_document_per_meeting_with_meeting_columns():
    corpus = _read_all()
    docs = corpus.documents_frame().set_index("doc_id")
    assert len(corpus) == 4
    assert docs.loc[MEETING_A, "nameOfMeeting"] == "外務委員会"
    assert docs.loc[MEETING_A, "nameOfHouse"] == "衆議院"
    assert docs.loc[MEETING_A, "session"] == 211
    assert docs.loc[MEETING_A, "issue"] == "第3号"
    assert docs.loc[MEETING_A, "date"] == "2023-03-08"
    assert docs.loc[MEETING_A, "year"] == 2023
    assert docs.loc["115613950X00520030522", "year"] == 2003
    assert set(docs["language"]) == {"ja"}
    # the meeting split across the two pages is one document with all four of its speeches
    assert docs.loc[MEETING_A, "n_speeches"] == 4
    assert docs.loc[MEETING_A, "file"] == "speech_page1.json, speech_page2.json"


def test_every_segment_slices_back_to_its_speech_minus_the_mark():
    corpus = _read_all()
    raw = _raw_speeches()
    assert len(corpus.segments) == len(raw) == 16
    for seg in corpus.segments:
        doc = corpus.doc(seg.doc_id)
        speech = raw[seg.meta["speechID"]]["speech"]
        assert doc.text[seg.start:seg.end] == seg.text
        assert seg.meta["mark"] + seg.text == speech
        if seg.meta["speechOrder"] > 0:
            assert seg.meta["mark"].startswith("○") and seg.meta["mark"][-1] in "　 "
            assert not seg.text.startswith("○")
    a = {s.segment_id: s for s in corpus.segments_of(MEETING_A)}
    assert a[4].meta["mark"] == "○山田委員　"
    assert a[4].text.startswith("みらい党の山田太郎です。")
    b = corpus.segments_of("121315261X00220230315")
    assert b[0].meta["mark"] == "○委員長（小林修君）　"
    assert b[2].meta["mark"] == "○国務大臣（佐藤花子君）　"


def test_turns_in_speech_order_with_speaker_metadata():
    corpus = _read_all()
    segs = corpus.segments_of(MEETING_A)
    assert [s.meta["speechOrder"] for s in segs] == [0, 1, 3, 4]
    assert [s.segment_id for s in segs] == [1, 2, 4, 5]
    assert [s.start for s in segs] == sorted(s.start for s in segs)
    minister = segs[3]
    assert (minister.speaker, minister.kind) == ("佐藤花子", "turn")
    assert minister.meta["speakerPosition"] == "外務大臣"
    assert minister.meta["speakerGroup"] == "みらい党"
    assert minister.meta["speechID"] == f"{MEETING_A}_004"
    assert minister.meta["speechURL"].endswith(f"{MEETING_A}/4")
    frame = corpus.segments_frame()
    for col in ("speakerGroup", "speakerPosition", "speakerRole", "speechID", "speechURL", "is_header",
                "nameOfMeeting", "date"):
        assert col in frame.columns
    chair = frame[(frame["doc_id"] == MEETING_A) & (frame["segment_id"] == 2)].iloc[0]
    assert chair["speakerRole"] == "委員長"


def test_the_meeting_header_is_kept_and_marked():
    corpus = _read_all()
    headers = [s for s in corpus.segments if s.meta["is_header"]]
    assert len(headers) == 3  # meetings B's query hits did not include its header
    for h in headers:
        assert h.speaker == HEADER_SPEAKER and h.meta["speechOrder"] == 0 and h.meta["mark"] == ""
        assert "出席" in h.text
    # users leave it out by its speaker
    cb = hsqual.load_codebooks(hsqual.bundled_codebooks())
    df = hsqual.apply_codebook(corpus, cb, unit="segment", exclude_speakers=HEADER_SPEAKER)
    assert df.attrs["n_units_left_out"] == 3
    header_keys = {(h.doc_id, h.segment_id) for h in headers}
    assert not header_keys & set(zip(df["doc_id"], df["segment_id"]))
    assert len(df) > 0


def test_a_header_without_a_speaker_gets_the_header_speaker(tmp_path):
    rec = {"speechID": "M_000", "issueID": "M", "speechOrder": 0, "speaker": None,
           "speech": "令和五年三月八日（水曜日）\r\n 出席委員"}
    (tmp_path / "p.json").write_text(json.dumps({"speechRecord": [rec]}), encoding="utf-8")
    seg = read_diet(tmp_path / "p.json").segments[0]
    assert seg.speaker == HEADER_SPEAKER and seg.meta["is_header"]


def test_pages_merge_and_duplicates_are_reported():
    with pytest.warns(UserWarning, match=r"1 speech\(es\) appear more than once.*_003 \(speech_page1.json"):
        corpus = read_diet(PAGES)
    assert corpus.doc(MEETING_A).meta["duplicate_speeches"] == 1
    # the second page alone lacks speech 1; together they give every speech once, in order
    alone = read_diet(PAGES[1])
    assert [s.segment_id for s in alone.segments_of(MEETING_A)] == [4, 5]
    assert [s.segment_id for s in corpus.segments_of(MEETING_A)] == [1, 2, 4, 5]
    # the order of the pages does not matter
    with pytest.warns(UserWarning):
        reversed_ = read_diet(PAGES[::-1])
    assert reversed_.doc(MEETING_A).text == corpus.doc(MEETING_A).text


def test_meeting_endpoint_shape():
    corpus = read_diet(DATA / "meeting_page1.json")
    assert corpus.doc_ids == ["118304024X00420130410", "115613950X00520030522"]
    seg = corpus.segments_of("118304024X00420130410")[2]
    assert seg.speaker == "高橋美咲" and seg.meta["mark"] == "○高橋（美）委員　"
    assert seg.meta["createTime"] == "2013-06-01 10:00:00"
    assert diet_issue_ids(DATA / "meeting_page1.json") == ["118304024X00420130410", "115613950X00520030522"]


def test_folder_and_diet_changes():
    corpus = _read_all()
    changes = diet_changes(corpus)
    assert len(changes) == sum(bool(s.meta["mark"]) for s in corpus.segments) == 13
    raw = _raw_speeches()
    for _, row in changes.iterrows():
        speech = raw[row["speechID"]]["speech"]
        assert speech[row["start"]:row["end"]] == row["before"] and row["after"] == ""
    assert corpus.documents_frame()["marks_removed"].sum() == 13


def test_strip_mark_forms():
    assert strip_mark("○岸田国務大臣　お答えします。") == ("○岸田国務大臣　", "お答えします。")
    assert strip_mark("○委員長（山田太郎君）　開会します。") == ("○委員長（山田太郎君）　", "開会します。")
    assert strip_mark("○山田太郎君 質問します。") == ("○山田太郎君 ", "質問します。")
    assert strip_mark("質問します。○印") == ("", "質問します。○印")


def test_json_in_a_folder_with_transcripts(tmp_path):
    shutil.copy(PAGES[0], tmp_path / "page1.json")
    (tmp_path / "int04.md").write_text("Interviewer: Why?\nInterviewee 4: Dignity.\n", encoding="utf-8")
    corpus = hsqual.load_corpus(tmp_path)
    assert corpus.doc_ids[0] == "int04"  # Diet meetings come after the other documents
    assert set(corpus.doc_ids[1:]) == {MEETING_A, "121315261X00220230315"}


# ---------------------------------------------------------------------------------- errors


def _write(tmp_path, data, name="bad.json") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return p


def _speech(**kw):
    rec = {"speechID": "M_001", "issueID": "M", "speechOrder": 1, "speaker": "山田太郎",
           "speech": "○山田委員　質問します。", "date": "2023-03-08"}
    rec.update(kw)
    return {k: v for k, v in rec.items() if v is not ...}


def test_not_json_names_the_line(tmp_path):
    p = _write(tmp_path, '{"speechRecord": [\n  {"issueID": "M",}\n]}')
    with pytest.raises(TranscriptError) as e:
        hsqual.load_corpus(p)
    assert e.value.path == str(p) and e.value.line == 2
    assert "not valid JSON" in str(e.value)


def test_json_of_another_shape(tmp_path):
    p = _write(tmp_path, {"records": []})
    with pytest.raises(HsqualError, match=r"bad.json: JSON of another shape: expected an object with speechRecord"):
        hsqual.load_corpus(p)  # named explicitly: an error
    shutil.copy(PAGES[0], tmp_path / "page1.json")
    with pytest.warns(UserWarning, match=r"skipped 1 file.*: bad.json"):  # in a folder: told by its content
        assert len(hsqual.load_corpus(tmp_path)) == 2
    (tmp_path / "page1.json").unlink()
    p = _write(tmp_path, [1, 2])
    with pytest.raises(TranscriptError, match="the top level is a list"):
        read_diet(p)
    p = _write(tmp_path, {"message": "検索条件が指定されていません。", "details": ["any"]})
    with pytest.raises(TranscriptError, match="the API's error answer"):
        read_diet(p)


def test_missing_speech_and_issue_id(tmp_path):
    p = _write(tmp_path, {"speechRecord": [_speech(), _speech(speechID="M_002", speechOrder=2, speech=...)]})
    with pytest.raises(TranscriptError, match=r"bad.json: \$\.speechRecord\[1\]: the record has no 'speech'"):
        read_diet(p)
    p = _write(tmp_path, {"speechRecord": [_speech(issueID=...)]})
    with pytest.raises(TranscriptError, match=r"\$\.speechRecord\[0\]: the record has no 'issueID'"):
        read_diet(p)
    p = _write(tmp_path, {"meetingRecord": [{"issueID": "M", "speechRecord": [_speech(issueID=..., speech=None)]}]})
    with pytest.raises(TranscriptError, match=r"\$\.meetingRecord\[0\]\.speechRecord\[0\]\.speech: expected text"):
        read_diet(p)


def test_non_integer_speech_order(tmp_path):
    for bad in ("1.5", 1.5, None, True, "一"):
        p = _write(tmp_path, {"speechRecord": [_speech(), _speech(speechID="M_002", speechOrder=bad)]})
        with pytest.raises(TranscriptError, match=r"\$\.speechRecord\[1\]\.speechOrder: expected a whole number"):
            read_diet(p)
    p = _write(tmp_path, {"speechRecord": [_speech(speechOrder="7")]})
    assert read_diet(p).segments[0].segment_id == 8


def test_conflicts_between_records(tmp_path):
    p = _write(tmp_path, {"speechRecord": [_speech(), _speech(speechID="M_002", speechOrder=2, date="2023-03-09")]})
    with pytest.raises(TranscriptError, match=r"\$\.speechRecord\[1\]\.date: meeting M has date '2023-03-09' here"):
        read_diet(p)
    p = _write(tmp_path, {"speechRecord": [_speech(), _speech(speech="○山田委員　別の質問です。")]})
    with pytest.raises(TranscriptError, match=r"speech M_001 appears in .* with another text"):
        read_diet(p)
    p = _write(tmp_path, {"speechRecord": [_speech(), _speech(speechID="M_009")]})
    with pytest.raises(TranscriptError, match=r"speeches M_001 and M_009 of meeting M both have speechOrder 1"):
        read_diet(p)


def test_a_query_without_hits(tmp_path):
    p = _write(tmp_path, {"numberOfRecords": 0, "numberOfReturn": 0, "startRecord": 1})
    with pytest.raises(TranscriptError, match="hold no speeches"):
        read_diet(p)


def test_sentences_cut_at_load_keep_their_speech_metadata():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        corpus = hsqual.load_corpus(DATA, unit="sentence")
    turns = {s.meta["speechID"]: s for s in _read_all().segments}
    assert len(corpus.segments) > len(turns)
    for s in corpus.segments:
        assert s.kind == "sentence"
        turn = turns[s.meta["speechID"]]
        assert (s.doc_id, s.speaker) == (turn.doc_id, turn.speaker)
        assert turn.start <= s.start < s.end <= turn.end
        assert s.meta["speakerGroup"] == turn.meta["speakerGroup"]
