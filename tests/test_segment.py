"""Segmentation: sentences, paragraphs, items, turns, and segment_corpus."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsqual.corpus import Corpus, Document, Segment
from hsqual.segment import (
    _JA_TERM,
    segment_corpus,
    segment_text,
    split_items,
    split_paragraphs,
    split_sentences,
    split_turns,
)


def texts(text, spans):
    return [text[s:e] for s, e in spans]


# ---------------------------------------------------------------------------- English sentences


def test_english_sentences_and_abbreviations():
    t = ("Mr. Tanaka of JICA, i.e. the aid agency, spoke first. Dr. Sato agreed! "
         "The U.S. position differs. See No. 5 of the list. Was it new? \"Yes.\" 3 people said so.")
    assert texts(t, split_sentences(t, language="en")) == [
        "Mr. Tanaka of JICA, i.e. the aid agency, spoke first.",
        "Dr. Sato agreed!",
        "The U.S. position differs.",
        "See No. 5 of the list.",
        "Was it new?",
        "\"Yes.\"",
        "3 people said so.",
    ]


def test_english_no_split_before_lowercase_or_inside_numbers():
    t = "Human security, e.g. freedom from fear, costs 3.5 million yen. it was agreed."
    assert texts(t, split_sentences(t, language="en")) == [t]


def test_blank_line_always_splits_and_line_break_does_not():
    t = "Freedom from fear and\nfreedom from want\n\nDignity"
    assert texts(t, split_sentences(t, language="en")) == ["Freedom from fear and\nfreedom from want", "Dignity"]


# ---------------------------------------------------------------------------- Japanese sentences


def test_japanese_sentences_with_closing_brackets():
    t = "「恐怖からの自由」と「欠乏からの自由」が論ぜられた。彼は「重要だ。」と述べた。本当か？ そうだ！「終わり。」次の文。"
    assert texts(t, split_sentences(t, language="ja")) == [
        "「恐怖からの自由」と「欠乏からの自由」が論ぜられた。",
        "彼は「重要だ。」と述べた。",
        "本当か？",
        "そうだ！",
        "「終わり。」",
        "次の文。",
    ]


def test_japanese_half_width_marks_and_fullwidth_period_after_digit():
    t = "本当ですか?はい!１．平和の原則"
    assert texts(t, split_sentences(t, language="ja")) == ["本当ですか?", "はい!", "１．平和の原則"]


def test_japanese_bullets_and_headings_end_sentences_at_line_breaks():
    t = ("その柱として、\n１．平和の原則と繁栄のルール\n２．インド太平洋流の課題対処\nの4つを据えている。\n"
         "まとめ\n我が国は基金を通じて拠出し\nてきた。")
    assert texts(t, split_sentences(t, language="ja")) == [
        "その柱として、",
        "１．平和の原則と繁栄のルール",
        "２．インド太平洋流の課題対処",
        "の4つを据えている。",
        "まとめ",
        "我が国は基金を通じて拠出し\nてきた。",
    ]


def test_indented_continuation_stays_with_its_bullet():
    t = "• 日本の安全と繁栄を守り、\n  国際秩序の維持に貢献します。\n• 外交力を強化します。"
    assert texts(t, split_sentences(t, language="ja")) == [
        "• 日本の安全と繁栄を守り、\n  国際秩序の維持に貢献します。", "• 外交力を強化します。"]


def test_no_final_newline_and_trailing_whitespace():
    t = "  人間の安全保障。　恐怖からの自由  "
    spans = split_sentences(t, language="ja")
    assert texts(t, spans) == ["人間の安全保障。", "恐怖からの自由"]
    assert spans[-1][1] == len(t) - 2


def test_crlf_and_mixed_newlines_keep_offsets():
    t = "Q: Why?\r\nA: Dignity.\r\n\r\nIt matters.\rMore here.\n\nEnd"
    for s, e in split_sentences(t, language="en"):
        assert t[s:e].strip() == t[s:e] and "\r\n\r\n" not in t[s:e]
    assert texts(t, split_paragraphs(t)) == ["Q: Why?\r\nA: Dignity.", "It matters.\rMore here.", "End"]


def test_language_is_checked():
    with pytest.raises(ValueError, match="language must be one of"):
        split_sentences("x", language="fr")
    with pytest.raises(TypeError):
        split_sentences(b"x", language="en")


# ---------------------------------------------------------------------------- paragraphs and items


def test_paragraphs_split_at_blank_lines_and_list_items():
    t = "ビジョン\n\n  • 安全と繁栄を守ります。\n  • 外交力を強化します。\n\n\n4-1. AI立国\n続きの行"
    assert texts(t, split_paragraphs(t)) == [
        "ビジョン", "• 安全と繁栄を守ります。", "• 外交力を強化します。", "4-1. AI立国\n続きの行"]


def test_items_of_every_marker():
    t = ("本文です。\n・財務省\n● 外務省\n- point one\n* point two\n① 貢献\n(2) 二番\n（３）三番\n"
         "4-1. サイバー\n12. 最後\n  続き\n\n-5% は項目ではない\n2023 年も項目ではない")
    assert texts(t, split_items(t)) == [
        "・財務省", "● 外務省", "- point one", "* point two", "① 貢献", "(2) 二番", "（３）三番",
        "4-1. サイバー", "12. 最後\n  続き"]


def test_item_unit_keeps_text_outside_lists_as_paragraphs():
    t = "前文。\n\n・一つ目\n・二つ目\n\n後文。"
    segs = segment_text(t, "item", language="ja")
    assert [(t[s:e], kind) for s, e, _, kind in segs] == [
        ("前文。", "paragraph"), ("・一つ目", "item"), ("・二つ目", "item"), ("後文。", "paragraph")]


# ---------------------------------------------------------------------------- turns


def test_turns_with_japanese_fullwidth_colon():
    t = "聞き手：人間の安全保障とは何ですか。\n回答者：「恐怖からの自由」です。\n続きの説明。\n聞き手：ありがとうございます。"
    assert [(t[s:e], who) for s, e, who in split_turns(t)] == [
        ("人間の安全保障とは何ですか。", "聞き手"),
        ("「恐怖からの自由」です。\n続きの説明。", "回答者"),
        ("ありがとうございます。", "聞き手"),
    ]


def test_turns_markdown_bold_and_preamble():
    t = "# Interview 4\n\n**Interviewer**: Why?\n\n**Interviewee 4:** Dignity.\n"
    assert [(t[s:e], who) for s, e, who in split_turns(t)] == [
        ("# Interview 4", None), ("Why?", "Interviewer"), ("Dignity.", "Interviewee 4")]


def test_turns_from_a_speakers_list_only():
    t = "Interviewer: Why?\nNote: not a speaker\nInterviewee 4: Dignity."
    got = [(t[s:e], who) for s, e, who in split_turns(t, speakers=["Interviewer", "interviewee 4"])]
    assert got == [("Why?\nNote: not a speaker", "Interviewer"), ("Dignity.", "Interviewee 4")]


def test_no_turns_in_an_essay_or_a_lone_label():
    essay = ("Note: this essay has a note.\n\nHuman security puts people first.\n\nIt was proposed in 1994.\n\n"
             "Source: UNDP.\n\nMore text follows here.\n\nAnd more.\n\nAnd the end.\n\nReally the end.")
    assert split_turns(essay) == []
    manifesto = "提案の本文です。\n\n理由: 現状では不明確であるため。\n\n別の提案です。\n\n理由: 必要であるため。"
    assert split_turns(manifesto) == []
    assert split_turns("See https://example.org: a link\nAnd http://x.org: another") == []
    assert split_turns("10:30 start\n11:00 end") == []


# ---------------------------------------------------------------------------- segment_corpus


def test_segment_corpus_sentences_inherit_speakers():
    doc = Document("int04", "Interviewer: Why?\n\nInterviewee 4: Dignity. And freedom.", {"language": "en"})
    c = segment_corpus(Corpus([doc]), "sentence")
    assert [(s.segment_id, s.speaker, s.kind, s.text) for s in c.segments] == [
        (1, "Interviewer", "sentence", "Why?"),
        (2, "Interviewee 4", "sentence", "Dignity."),
        (3, "Interviewee 4", "sentence", "And freedom."),
    ]


def test_segment_corpus_turn_falls_back_to_paragraphs():
    doc = Document("essay", "人間の安全保障とは\n\n国連開発計画が取り上げた概念である。", {"language": "ja"})
    c = segment_corpus(Corpus([doc]), "turn")
    assert [(s.kind, s.text) for s in c.segments] == [
        ("paragraph", "人間の安全保障とは"), ("paragraph", "国連開発計画が取り上げた概念である。")]


def test_segment_corpus_keeps_existing_turn_frame():
    text = "Why? Really?\nDignity. Freedom."
    doc = Document("d", text, {"language": "en"})
    frame = Corpus([doc], [Segment("d", 1, 0, 12, "Why? Really?", "Q", "turn"),
                           Segment("d", 2, 13, 30, "Dignity. Freedom.", "A", "turn")])
    c = segment_corpus(frame, "sentence")
    assert [(s.speaker, s.text) for s in c.segments] == [
        ("Q", "Why?"), ("Q", "Really?"), ("A", "Dignity."), ("A", "Freedom.")]
    assert [s.text for s in segment_corpus(frame, "turn").segments] == ["Why? Really?", "Dignity. Freedom."]
    assert [s.kind for s in segment_corpus(frame, "document").segments] == ["document"]


def test_segment_corpus_checks_arguments():
    with pytest.raises(ValueError, match="unit must be one of"):
        segment_corpus(Corpus([Document("a", "x")]), "line")
    with pytest.raises(TypeError):
        segment_corpus([Document("a", "x")], "sentence")


# ---------------------------------------------------------------------------- property

_ALPHABET = st.sampled_from(
    list("人間の安全保障恐怖欠乏自由日本ODAabcXYZ019 .,!?。、！？「」『』（）・•①-*:：")
    + ["\n", "\r\n", "\r", "\n\n", "  ", "\u3000", "Q: ", "聞き手：", "A氏：", "1. ", "e.g. "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join), st.sampled_from(["en", "ja"]))
def test_every_segment_slices_back_and_segments_do_not_overlap(text, language):
    for unit in ("turn", "paragraph", "sentence", "item", "document"):
        segs = segment_text(text, unit, language=language)
        prev_end = 0
        for s, e, _who, _kind in segs:
            assert 0 <= prev_end <= s < e <= len(text)
            piece = text[s:e]
            assert piece == piece.strip() and piece
            prev_end = e
    for fn in (split_paragraphs, split_items):
        prev_end = 0
        for s, e in fn(text):
            assert prev_end <= s < e and text[s:e] == text[s:e].strip()
            prev_end = e
    prev_end = 0
    for s, e in split_sentences(text, language=language):
        assert prev_end <= s < e and text[s:e] == text[s:e].strip()
        prev_end = e


def test_a_declared_speaker_whose_name_holds_a_full_stop_starts_a_turn():
    text = "Interviewer: How did you start?\n\nProf. Whitfield: In Geneva. Then Tokyo.\n\nInterviewer: Thanks."
    turns = split_turns(text, speakers=["Interviewer", "Prof. Whitfield"])
    assert [name for *_, name in turns] == ["Interviewer", "Prof. Whitfield", "Interviewer"]
    s, e, _ = turns[1]
    assert text[s:e] == "In Geneva. Then Tokyo."
    # undeclared, the same line is no label: a sentence may hold "Dr. X: ..." without being a turn
    assert [name for *_, name in split_turns(text, speakers=["Interviewer"])] == ["Interviewer", "Interviewer"]
    # the longest declared name wins
    turns = split_turns("Prof.: hi\n\nProf. W: yes", speakers=["Prof.", "Prof. W"])
    assert [name for *_, name in turns] == ["Prof.", "Prof. W"]


_JA_TERM_PLAIN = re.compile(r"(?:[。！？!?]|(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])．)+[」』）)】〕〉》\"”’]*")


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("。！？!?．aZ9９Ａｚ」』）)】\"”’あ .\n")), max_size=20),
       st.integers(0, 20), st.integers(0, 20))
def test_japanese_sentence_ends_are_the_plainly_written_pattern(text, pos, endpos):
    """The sentence-end pattern, written to start with one set of characters for speed, finds
    what its plain form (a run of 。！？!? and ． not after a letter or digit, then closers) does."""
    pos, endpos = min(pos, len(text)), min(max(pos, endpos), len(text))
    assert [m.span() for m in _JA_TERM.finditer(text, pos, endpos)] == \
        [m.span() for m in _JA_TERM_PLAIN.finditer(text, pos, endpos)]
