"""Cleaning PDF-extracted text: steps, change lists, offset maps, the bundled texts."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hsqual.clean import STEPS, clean_text
from hsqual.resources import bundled_path
from hsqual.transcripts import read_transcript

JA = bundled_path("transcripts") / "ja"
SEEDS = JA / "sources"  # copies of the source documents, kept in the repository
NAMES = {
    "essay_diplomacy_human_security": "000_31a3e1c2a5eacb0a.txt",
    "manifesto_foreign_defence": "001_74243e8895363746.txt",
    "global_health_strategy_followup": "002_ea450387ee99ea53.txt",
}

# A double-spaced extraction, as the PDF converter produced it (every line followed by " \n").
DOUBLE = (
    " 今日、世界は大きく流転し混沌を極めている。トランプ大統領就任後の情勢は、かつ \n\n"
    "てないスピードで変化し、自国第一主義と形容される政策はアメリカ国内外に大きな分\n\n"
    "断と混乱をもたらしている。 \n\n \n\n"
    "人間の安全保障とは \n\n"
    " 国連開発計画（UNDP）が 1994 年初めて取り上げた概念である。飢餓、疾病、抑圧\n\n\n\n \n\n"
    "などの脅威から安全を確保する。 \n\n"
    "１．平和の原則と繁栄のルール \n\n"
    "２．インド太平洋流の課題対処 \n"
)


def test_double_spaced_text_is_joined_into_paragraphs():
    r = clean_text(DOUBLE, language="ja")
    assert r.text == (
        "今日、世界は大きく流転し混沌を極めている。トランプ大統領就任後の情勢は、かつてないスピードで変化し、"
        "自国第一主義と形容される政策はアメリカ国内外に大きな分断と混乱をもたらしている。\n\n"
        "人間の安全保障とは\n\n"
        "国連開発計画（UNDP）が1994年初めて取り上げた概念である。飢餓、疾病、抑圧などの脅威から安全を確保する。\n\n"
        "1．平和の原則と繁栄のルール\n"
        "2．インド太平洋流の課題対処\n"
    )
    joins = [c for c in r.changes if c.step == "join_lines"]
    assert [c.before for c in joins] == [" \n\n", "\n\n", "\n\n\n\n \n\n"]
    for c in joins:  # offsets are into the raw text
        assert DOUBLE[c.start:c.end] == c.before


def test_single_spaced_text_keeps_paragraph_breaks():
    raw = "人間の安全保障は恐怖と欠乏からの自由を\n掲げる概念である。\n\n次の段落。"
    assert clean_text(raw, language="ja").text == "人間の安全保障は恐怖と欠乏からの自由を掲げる概念である。\n\n次の段落。"


def test_lines_ending_a_sentence_or_before_a_bullet_are_not_joined():
    raw = "その柱として、\n・平和の原則\n・課題対処\n終わりである。\n次の文"
    assert clean_text(raw, language="ja").text == raw


def test_vertical_header_collapses_to_one_line():
    raw = "項目 主な取組\n\n①\nＧ\nＨ\nＡ\nへ\nの\n貢\n献 \n\n・財務・保健当局の連携"
    r = clean_text(raw, language="ja")
    assert r.text == "項目 主な取組\n\n①GHAへの貢献\n\n・財務・保健当局の連携"
    (vert,) = [c for c in r.changes if c.step == "vertical_headers"]
    assert vert.after == "①ＧＨＡへの貢献" and raw[vert.start:vert.end] == "①\nＧ\nＨ\nＡ\nへ\nの\n貢\n献"
    i = r.text.index("貢")
    assert raw[r.to_original(i)] == "貢"


def test_vertical_header_with_latin_and_blank_lines():
    raw = "③\n二\n国\n間O\n\nD\nA\n\nを\n含\nむ \n\n・保健人材の育成"
    assert clean_text(raw, language="ja", steps=["vertical_headers"]).text == "③二国間ODAを含む \n\n・保健人材の育成"


def test_cell_fragments_join():
    raw = "外務省、財務省、厚労\n\n省、その他関係省庁 \n\n・PPR 強化に資する国際的なファイナンスメカニズムの検討、平時\n\n" \
          "の保健分野への資金配分の優先化、危機時の機動的ファイナンス制度の強化 \n\n・IDA20 増資において優先化された保健への取組の進捗確認等のフ\n\nォロー \n"
    assert clean_text(raw, language="ja").text == (
        "外務省、財務省、厚労省、その他関係省庁\n\n"
        "・PPR強化に資する国際的なファイナンスメカニズムの検討、平時の保健分野への資金配分の優先化、危機時の機動的ファイナンス制度の強化\n"
        "・IDA20増資において優先化された保健への取組の進捗確認等のフォロー\n")


def test_fullwidth_letters_and_digits_only():
    r = clean_text("ＧＨＡ（カタカナ）１２：ｱｲ①", language="ja", steps=["fullwidth"])
    assert r.text == "GHA（カタカナ）12：ｱｲ①"
    assert [(c.before, c.after) for c in r.changes] == [("ＧＨＡ", "GHA"), ("１２", "12")]


def test_cjk_spaces_only_in_letter_spaced_runs():
    r = clean_text("日 本 の 外 交 と 項目 主な取組", language="ja", steps=["cjk_spaces"])
    assert r.text == "日本の外交と 項目 主な取組"
    assert r.changes[0].before == "日 本 の 外 交 と" and r.changes[0].after == "日本の外交と"


def test_latin_spaces():
    r = clean_text("日米双方の GDP 低下、4 月 3 日、JICA, JETRO と i.e. 定期", language="ja", steps=["latin_spaces"])
    assert r.text == "日米双方のGDP低下、4月3日、JICA, JETROとi.e. 定期"


def test_page_numbers_removed():
    raw = "本文の行\n- 12 -\n次の行\n\n3/40\n\n13\n最後"
    r = clean_text(raw, language="ja", steps=["page_numbers"])
    assert r.text == "本文の行\n次の行\n\n\n最後"
    assert [c.before for c in r.changes] == ["- 12 -\n", "3/40\n", "13\n"]


def test_newlines_crlf():
    r = clean_text("Freedom from fear\r\nand want.\rEnd", language="en", steps=["newlines", "join_lines"])
    assert r.text == "Freedom from fear and want.\nEnd"
    assert r.to_original(len("Freedom from fear ")) == len("Freedom from fear\r\n")
    assert r.to_cleaned(len("Freedom from fear\r")) == len("Freedom from fear ")


def test_english_hyphen_join():
    raw = "Human security puts people at the centre of the\nsecurity debate and the\nhuman-\ncentred approach."
    assert clean_text(raw, language="en").text == \
        "Human security puts people at the centre of the security debate and the human-centred approach."


def test_arguments_checked():
    with pytest.raises(ValueError, match="unknown step"):
        clean_text("x", steps=["spelling"])
    with pytest.raises(ValueError, match="language must be one of"):
        clean_text("x", language="fr")
    with pytest.raises(TypeError):
        clean_text(None)
    r = clean_text("abc", language="en")
    with pytest.raises(ValueError, match="offset must be an integer from 0 to 3"):
        r.to_original(4)
    with pytest.raises(ValueError):
        r.to_cleaned(-1)


def test_empty_text():
    r = clean_text("", language="ja")
    assert r.text == "" and r.changes == [] and r.to_original(0) == 0 and r.to_cleaned(0) == 0


def _check_map(raw: str, r) -> None:
    prev = 0
    for c in range(len(r.text) + 1):
        o = r.to_original(c)
        assert 0 <= o <= len(raw) and o >= prev
        prev = o
    prev = 0
    for o in range(len(raw) + 1):
        c = r.to_cleaned(o)
        assert 0 <= c <= len(r.text) and c >= prev
        prev = c
    assert r.to_original(len(r.text)) == len(raw) or r.text == "" or r.text[-1:] == "\n"


_ALPHABET = st.sampled_from(
    list("人間の安全保障日本ＧＨＡ１２ｱ abcXYZ09.。、「」・①-") + ["\n", "\r\n", "\r", "\n \n", "\n\n\n", " ", "\u3000",
                                                            "①\nＧ\nＨ\nＡ\n", "- 3 -\n", "日 本 の 外"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.sampled_from(["ja", "en"]))
def test_offset_map_is_valid_and_keeps_order(raw, language):
    r = clean_text(raw, language=language)
    _check_map(raw, r)
    for ch_i, ch in enumerate(r.text):
        o = r.to_original(ch_i)
        src = raw[o]
        assert ch == src or ch == unicodedata.normalize("NFKC", src) or ch == "\n" or src.isspace() or \
            any(c.step == "vertical_headers" for c in r.changes)


# ---------------------------------------------------------------------------- bundled texts


@pytest.mark.parametrize("name", sorted(NAMES))
def test_bundled_text_is_the_cleaned_seed_and_maps_back(name):
    raw = (SEEDS / NAMES[name]).read_text(encoding="utf-8")
    r = clean_text(raw, language="ja")
    doc = read_transcript(JA / f"{name}.md")
    assert doc.text == r.text
    assert doc.meta["changes"] == len(r.changes)
    _check_map(raw, r)
    # every cleaned character comes from its raw counterpart
    for i, ch in enumerate(r.text):
        src = raw[r.to_original(i)]
        assert ch == src or ch == unicodedata.normalize("NFKC", src) or (ch == "\n" and src.isspace()), (i, ch, src)
    for c in r.changes:
        assert 0 <= c.start <= c.end <= len(raw) and c.step in STEPS


def test_build_script_is_deterministic_and_matches_the_bundled_files(tmp_path):
    script = JA / "make_ja_transcripts.py"
    code = ("import sys, pathlib; sys.path.insert(0, sys.argv[1]); import make_ja_transcripts as m; "
            "m.build(pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3]))")
    subprocess.run([sys.executable, "-c", code, str(JA), str(SEEDS), str(tmp_path)], check=True)
    for name in NAMES:
        for suffix in (".md", ".changes.csv"):
            assert (tmp_path / f"{name}{suffix}").read_bytes() == (JA / f"{name}{suffix}").read_bytes()


def test_essay_reads_right():
    text = read_transcript(JA / "essay_diplomacy_human_security.md").text
    assert "岩屋外務大臣をはじめとする日本政府は、米国内での雇用創出や投資実績を具体的な数値とともに提示し、" in text
    assert "4月3日より一斉に措置が開始され" in text
    assert "\n\n人間の安全保障とは\n\n" in text


def test_table_reads_right():
    text = read_transcript(JA / "global_health_strategy_followup.md").text
    for line in ("①GHAへの貢献", "③二国間ODAを含む多様な協力ツールの活用",
                 "⑨感染症、NCDs、母子保健等の重要な保健課題に関する取組", "⑪AMR",
                 "・財務・保健当局及び関係国際機関の連携枠組みの制度化や官民連携基金との連携促進、情報共有",
                 "外務省、財務省、厚労省、その他関係省庁"):
        assert f"\n{line}\n" in text, line


def test_the_sources_in_the_repository_are_the_project_seeds_where_those_are_at_hand():
    """The copies under transcripts/ja/sources are byte for byte the source documents."""
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    for name in NAMES.values():
        copy = (SEEDS / name).read_bytes()
        assert len(copy) > 1000
        if seeds.is_dir():  # beside the repository in development and CI
            assert copy == (seeds / name).read_bytes()
