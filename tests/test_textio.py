"""Robust reading of text files: encodings, BOMs, NUL bytes, huge lines, newlines kept."""

from __future__ import annotations

import codecs

import pytest

from hsqual.errors import TranscriptError
from hsqual.textio import decode_bytes, detect_encoding, normalize_newlines, read_text

JA = "人間の安全保障とは何か。恐怖からの自由、欠乏からの自由。"
EN = "Human security: freedom from fear and freedom from want."


@pytest.mark.parametrize("prefix, encoding, expected", [
    (b"", "utf-8", "utf-8"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (b"", "cp932", "cp932"),
    (b"", "euc_jp", "euc_jp"),
])
def test_japanese_text_is_read_in_every_supported_encoding(tmp_path, prefix, encoding, expected):
    p = tmp_path / "t.txt"
    p.write_bytes(prefix + (JA + "\r\n" + EN).encode(encoding))
    assert read_text(p) == JA + "\r\n" + EN
    assert detect_encoding(p.read_bytes()) == expected


def test_windows_only_characters_are_read_as_cp932_not_shift_jis(tmp_path):
    text = "第①回会合～議事録（ＪＩＣＡ）"
    data = text.encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        data.decode("shift_jis")  # what a strict Shift_JIS reader would do
    assert detect_encoding(data) == "cp932"
    p = tmp_path / "t.txt"
    p.write_bytes(data)
    assert read_text(p) == text
    assert read_text(p, encoding="Shift_JIS") == text  # the label is read as its Windows superset


def test_short_euc_jp_answer_is_not_mistaken_for_korean_or_chinese():
    for text in ("はい", "恐怖からの自由、欠乏からの自由", "尊厳"):
        assert decode_bytes(text.encode("euc_jp")) == text


def test_windows_western_text_is_read_as_cp1252():
    text = "The café in Genève — “dignity” matters"
    assert decode_bytes(text.encode("cp1252")) == text


def test_explicit_wrong_encoding_names_the_byte_position(tmp_path):
    p = tmp_path / "int01.txt"
    data = "Q: 安全".encode("cp932")
    p.write_bytes(data)
    pos = data.index("安".encode("cp932"))
    with pytest.raises(TranscriptError) as err:
        read_text(p, encoding="utf-8")
    assert f"at byte position {pos} as utf-8" in str(err.value)
    assert str(err.value).startswith(str(p))
    with pytest.raises(TranscriptError, match=r"byte 0xff at byte position 3 as euc_jp"):
        decode_bytes(b"abc\xff\xfe", encoding="euc-jp")


def test_unknown_encoding_name_is_a_clear_error(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(b"abc")
    with pytest.raises(TranscriptError, match="unknown encoding 'klingon'"):
        read_text(p, encoding="klingon")


def test_nul_bytes_mean_a_binary_file(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_bytes(b"Q: hello\x00\x00\x00\rIHDR")
    with pytest.raises(TranscriptError, match=r"NUL byte at byte position 8: this looks like a binary file"):
        read_text(p)


@pytest.mark.parametrize("head, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF file, not a text file: extract its text"),
    (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml word/document.xml", "this is a Word file \\(.docx\\)"),
    (b"PK\x03\x04\x14\x00\x00\x00notes.txt", "this is a zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "this is an old Word or Excel file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is a PNG image"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "this is a JPEG image"),
    (b"{\\rtf1\\ansi Interviewer: hello}", "this is an RTF document"),
])
def test_binary_files_are_named_for_what_they_look_like(tmp_path, head, what):
    p = tmp_path / "int01.txt"
    p.write_bytes(head + bytes(range(256)))
    with pytest.raises(TranscriptError, match=what) as info:
        read_text(p)
    assert "UTF-16" not in str(info.value) and str(p) in str(info.value)


def test_the_encoding_found_is_reported(tmp_path):
    from hsqual.textio import read_text_and_encoding

    p = tmp_path / "int02.txt"
    for enc, name in (("shift_jis", "cp932"), ("euc_jp", "euc_jp"), ("utf-8", "utf-8"), ("utf-16", "utf-16-le")):
        p.write_bytes("聞き手：人間の安全保障とは何ですか。".encode(enc))
        assert read_text_and_encoding(p) == ("聞き手：人間の安全保障とは何ですか。", name)


def test_utf16_without_bom_is_refused_with_a_hint_and_read_when_named(tmp_path):
    p = tmp_path / "word_export.txt"
    p.write_bytes(EN.encode("utf-16-le"))
    with pytest.raises(TranscriptError, match="utf-16-le"):
        read_text(p)
    assert read_text(p, encoding="utf-16-le") == EN


def test_nul_character_in_decoded_text_is_an_error():
    with pytest.raises(TranscriptError, match="NUL character at character 2"):
        decode_bytes(b"ab\x00cd", encoding="latin-1")


def test_newlines_are_kept_and_normalised_only_on_request(tmp_path):
    p = tmp_path / "t.txt"
    p.write_bytes(b"A: one\r\nB: two\rC: three\n")
    text = read_text(p)
    assert text == "A: one\r\nB: two\rC: three\n"
    assert text.index("B") == 8  # offsets are into the text as read
    assert normalize_newlines(text) == "A: one\nB: two\nC: three\n"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(TranscriptError, match="file not found"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(TranscriptError, match="found a folder"):
        read_text(tmp_path)


def test_a_20_mb_single_line_is_read(tmp_path):
    line = ("freedom from fear and want, " * 750_000)[:20_000_000]
    p = tmp_path / "big.txt"
    p.write_bytes(line.encode("utf-8"))
    text = read_text(p)
    assert len(text) == 20_000_000 and "\n" not in text
    assert normalize_newlines(text) == text


def test_a_large_single_line_of_cp932_is_detected_from_a_sample(tmp_path):
    line = "人間の安全保障、" * 600_000  # 4.8 M characters, 9.6 MB in CP932
    p = tmp_path / "big.txt"
    p.write_bytes(line.encode("cp932"))
    assert read_text(p) == line


def test_decode_bytes_rejects_text_input():
    with pytest.raises(TypeError):
        decode_bytes("already text")
