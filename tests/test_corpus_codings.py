"""Core records: corpus offsets, the codings table, its reader, checks and the human-rows guard."""

from __future__ import annotations

import pandas as pd
import pytest

from hsqual import (CodingsError, Corpus, Document, Segment, TranscriptError, add_codings, check_codings,
                    codings_frame, read_codings, write_codings)

TEXT = "聞き手：尊厳とは何ですか。\nInterviewee 6：誰からも必要とされないと感じるなら、人間の安全保障は達成されていない。"


def corpus():
    doc = Document("int06", TEXT, {"language": "ja", "sector": "Parliament"})
    first = TEXT.index("\n")
    return Corpus([doc], [Segment("int06", 1, 0, first, TEXT[:first], "聞き手", "turn"),
                          Segment("int06", 2, first + 1, len(TEXT), TEXT[first + 1:], "Interviewee 6", "turn")])


def test_segments_slice_their_text_and_carry_document_meta():
    c = corpus()
    frame = c.segments_frame()
    for row in frame.itertuples():
        assert c.doc(row.doc_id).text[row.start:row.end] == row.text
    assert frame["sector"].tolist() == ["Parliament", "Parliament"]


def test_misaligned_segment_is_refused_not_silently_kept():
    doc = Document("d", "freedom from want")
    with pytest.raises(TranscriptError, match=r"document 'd', segment 1: offsets 0-7 do not slice"):
        Corpus([doc], [Segment("d", 1, 0, 7, "freedom ", None, "sentence")])


def test_duplicate_document_ids_are_refused():
    with pytest.raises(TranscriptError, match="document id 'a' appears twice"):
        Corpus([Document("a", "x"), Document("a", "y")])


def test_codings_round_trip_through_csv_keeps_offsets_and_japanese(tmp_path):
    c = corpus()
    start = TEXT.index("人間の安全保障")
    df = codings_frame([{"doc_id": "int06", "segment_id": 2, "code": "freedoms.dignity", "start": start,
                         "end": start + 7, "quote": TEXT[start:start + 7], "coder": "kurusu2015",
                         "memo": "dignity, being needed"}])
    back = read_codings(write_codings(df, tmp_path / "codings.csv"))
    assert back.equals(df)
    assert c.doc("int06").text[back.loc[0, "start"]:back.loc[0, "end"]] == back.loc[0, "quote"] == "人間の安全保障"
    assert check_codings(back, c).empty


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"codings\.csv:1: the file is empty"),
        ("doc_id,code\nd,x\n", r"codings\.csv:1: missing column\(s\) segment_id, start, end, quote, coder"),
        ("doc_id,segment_id,code,start,end,quote,coder\nd,1,x,0,1,a\n", r"codings\.csv:2: expected 7 fields as in the header, found 6"),
        ("doc_id,segment_id,code,start,end,quote,coder\nd,1,x,0,1,a,me\nd,one,x,0,1,a,me\n",
         r"codings\.csv:3: column 'segment_id' must be a whole number, found 'one'"),
        ("doc_id,segment_id,code,start,end,quote,coder\nd,1,,0,1,a,me\n", r"codings\.csv:2: column 'code' is empty"),
        ("doc_id,segment_id,code,start,end,quote,coder,code\nd,1,x,0,1,a,me,y\n", r"codings\.csv:1: column\(s\) code appear twice"),
    ],
)
def test_malformed_codings_file_names_the_line(tmp_path, content, message):
    p = tmp_path / "codings.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(CodingsError, match=message):
        read_codings(p)


def test_quoted_multiline_field_reports_the_right_line(tmp_path):
    p = tmp_path / "codings.csv"
    p.write_text('doc_id,segment_id,code,start,end,quote,coder\nd,1,x,0,3,"a\nb",me\nd,1,x,0,z,a,me\n', encoding="utf-8")
    with pytest.raises(CodingsError, match=r"codings\.csv:4: column 'end'"):
        read_codings(p)


def test_check_codings_reports_every_problem_and_keeps_every_row():
    c = corpus()
    rows = [
        {"doc_id": "int06", "segment_id": 2, "code": "freedoms.dignity", "start": 5, "end": 7, "quote": "何で", "coder": "a"},
        {"doc_id": "int06", "segment_id": 2, "code": "freedoms.dignity", "start": 5, "end": 900, "quote": "x", "coder": "a"},
        {"doc_id": "nope", "segment_id": 1, "code": "freedoms.dignity", "start": 0, "end": 1, "quote": "x", "coder": "a"},
        {"doc_id": "int06", "segment_id": 9, "code": "freedoms.dignity", "start": 0, "end": 3, "quote": TEXT[:3], "coder": "a"},
        {"doc_id": "int06", "segment_id": 1, "code": "freedoms.dignity", "start": 4, "end": 6, "quote": TEXT[4:6], "coder": "a"},
    ]
    df = codings_frame(rows)
    problems = check_codings(df, c)
    assert problems[["row", "problem"]].values.tolist() == [
        [0, "quote does not match"], [0, "outside its segment"],  # 5-7 lies in turn 1, not 2
        [1, "offsets out of range"], [2, "unknown document"], [3, "unknown segment"]]
    assert len(df) == 5  # nothing dropped


def test_machine_codings_never_replace_human_rows():
    human = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": 1, "quote": "x", "coder": "kurusu2015"}])
    run1 = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": 1, "quote": "x", "coder": "rules"}])
    run2 = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "k", "start": 0, "end": 1, "quote": "x", "coder": "rules"}])
    combined = add_codings(add_codings(human, run1), run2)
    assert combined[["coder", "code"]].values.tolist() == [["kurusu2015", "c"], ["rules", "k"]]
    with pytest.raises(CodingsError, match="found rows of coder\\(s\\) kurusu2015"):
        add_codings(run1, human)


def test_codings_frame_requires_whole_number_offsets():
    with pytest.raises(CodingsError, match="column 'start' must hold whole numbers"):
        codings_frame(pd.DataFrame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": "x", "end": 1,
                                     "quote": "", "coder": "me"}]))


def test_a_document_with_a_lone_surrogate_is_refused_naming_its_place():
    """A lone surrogate (what decoding with errors='surrogateescape' leaves) is no character:
    no codings table, file or regular expression could hold it, so the document says where."""
    from hsqual.corpus import Document
    from hsqual.errors import TranscriptError

    with pytest.raises(TranscriptError, match=r"document 'd': the text holds a lone surrogate \(U\+DC80\) at "
                                              r"offset 6 \(line 2\), which is no character; decode the source "
                                              r"with errors='replace'"):
        Document("d", "人間の\n安全\udc80保障", {"language": "ja"})
    assert Document("d", "人間の\n安全\ufffd保障").text[6] == "\ufffd"  # the replacement character is one
