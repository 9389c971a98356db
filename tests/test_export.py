"""Exports: tables (CSV/XLSX/Parquet), codebook documents (Markdown/HTML), codebook YAML."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from hsqual.codebook import Code, Codebook, Example, Paraphrase, load_codebook, load_codebooks
from hsqual.errors import CodebookError
from hsqual.export import (
    codebook_to_html, codebook_to_markdown, export_tables, write_codebook_document, write_codebook_yaml,
    write_codebooks_yaml, write_workbook,
)
from hsqual.resources import bundled_codebooks


@pytest.fixture(scope="module")
def bundled():
    return load_codebooks(bundled_codebooks())


def _tables():
    freq = pd.DataFrame({"code": ["freedoms.fear", "freedoms.want", "freedoms.dignity"], "n": [7, 4, 9],
                         "label_ja": ["恐怖からの自由", "欠乏からの自由", "尊厳"]})
    freq.attrs["unit"] = "excerpt"
    co = pd.DataFrame({"a": ["fear", "want"], "b": ["want", "dignity"], "count": [3, 2], "jaccard": [0.25, 0.5]})
    co.attrs["measure"] = "jaccard"
    return {"frequencies": freq, "cooccurrence": co}


def test_export_tables_in_every_format_reads_back(tmp_path):
    tables = _tables()
    written = export_tables(tables, tmp_path / "out", formats=("csv", "parquet", "xlsx"))
    assert [p.name for p in written] == ["frequencies.csv", "cooccurrence.csv", "frequencies.parquet",
                                         "cooccurrence.parquet", "tables.xlsx"]
    for name, df in tables.items():
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "out" / f"{name}.csv"), df, check_dtype=False)
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / f"{name}.parquet"), df, check_dtype=False)
    sheets = pd.read_excel(tmp_path / "out" / "tables.xlsx", sheet_name=None)
    assert list(sheets) == ["frequencies", "cooccurrence", "settings"]
    assert sheets["frequencies"]["n"].sum() == 20 and sheets["frequencies"]["label_ja"][2] == "尊厳"
    assert sheets["settings"].values.tolist() == [["frequencies", "unit", "excerpt"], ["cooccurrence", "measure", "jaccard"]]


def test_sheet_names_are_made_valid_and_unique(tmp_path):
    df = pd.DataFrame({"x": [1]})
    p = write_workbook({"a" * 40: df, "a" * 35: df, "settings": df}, tmp_path / "w.xlsx")
    names = list(pd.read_excel(p, sheet_name=None))
    assert names == ["a" * 31, "a" * 29 + "_2", "settings_2", "settings"]


@pytest.mark.parametrize("bad, message", [
    ({}, "non-empty mapping"),
    ({"../x": pd.DataFrame()}, "names a file"),
    ({"ok": [1, 2]}, "must be a DataFrame"),
])
def test_export_tables_checks_its_arguments(tmp_path, bad, message):
    with pytest.raises((ValueError, TypeError), match=message):
        export_tables(bad, tmp_path)


def test_export_tables_rejects_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="formats must be some of csv, xlsx, parquet"):
        export_tables(_tables(), tmp_path, formats=("ods",))


def _demo():
    return Codebook("demo", [
        Code(id="freedoms", label={"en": "Three freedoms", "ja": "三つの自由"}, codebook="demo",
             definition={"en": "The *three* freedoms <of> the CHS report.", "ja": "人間の安全保障委員会の三つの自由。"}),
        Code(id="freedoms.fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"}, parent="freedoms",
             definition={"en": "# not a heading\n- not a list"}, when_to_use={"en": "Violence is named."},
             when_not_to_use={"en": "Economic risk only."}, color="#1f77b4", codebook="demo",
             examples=(Example("fear of violence <script>alert(1)</script>", "Kurusu 2015, §7 [Interviewee 4]"),),
             rules={"en": ('"freedom from fear"', "NEAR(fear, violen*, 5)"), "ja": ('"恐怖からの自由"',)}),
        Code(id="freedoms.fear.conflict", label={"en": "Armed conflict", "ja": "武力紛争"}, parent="freedoms.fear",
             codebook="demo", definition={"en": "War."}),
        Code(id="empowerment", label={"en": "Empowerment"}, codebook="demo", definition={"en": "Agency."}),
    ], version="1.0", title={"en": "Demo codebook", "ja": "デモ"}, source="Kurusu 2015",
        description={"en": "Codes for training."})


def test_markdown_headings_follow_the_hierarchy():
    md = codebook_to_markdown(_demo(), lang="en")
    headings = [ln for ln in md.splitlines() if ln.startswith("#")]
    assert headings == ["# Demo codebook", "## Three freedoms", "### Freedom from fear", "#### Armed conflict",
                        "## Empowerment"]


def test_markdown_holds_every_part_of_a_code_and_escapes_user_text():
    md = codebook_to_markdown(_demo(), lang="both")
    assert "### Freedom from fear — 恐怖からの自由" in md
    assert "`freedoms.fear` · parent / 親コード: `freedoms` · colour / 色: #1f77b4" in md
    assert "**Definition / 定義.**" in md and "**When not to use / 使わない場合.**" in md
    assert "> — Kurusu 2015, §7 \\[Interviewee 4\\]" in md
    assert '- en: `"freedom from fear"`' in md and '- ja: `"恐怖からの自由"`' in md
    assert "The \\*three\\* freedoms \\<of\\> the CHS report." in md
    assert "\\# not a heading" in md and "\\- not a list" in md
    assert "\n# not a heading" not in md


def test_markdown_in_japanese_falls_back_to_english_marked():
    md = codebook_to_markdown(_demo(), lang="ja")
    assert "## 三つの自由" in md and "## Empowerment" in md  # no Japanese label: English
    assert "War. [en]" in md
    assert "**定義.**" in md


def test_html_is_escaped_and_structured():
    page = codebook_to_html(_demo(), lang="both")
    assert "<script>" not in page
    assert "fear of violence &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert re.search(r'<h3><span class="swatch" style="background:#1f77b4"></span>Freedom from fear — 恐怖からの自由</h3>', page)
    assert '<a href="#code-freedoms.fear">' in page and 'id="code-freedoms.fear.conflict"' in page
    assert "<h4>Armed conflict — 武力紛争</h4>" in page
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_write_codebook_document_by_suffix(tmp_path, bundled):
    md = write_codebook_document(bundled, tmp_path / "codebook.md", lang="ja")
    html = write_codebook_document(bundled, tmp_path / "codebook.html")
    assert md.read_text(encoding="utf-8") == codebook_to_markdown(bundled, lang="ja")
    assert html.read_text(encoding="utf-8").count('<section class="code"') == len(bundled)
    with pytest.raises(ValueError, match="expected .md or .html"):
        write_codebook_document(bundled, tmp_path / "codebook.pdf")
    with pytest.raises(ValueError, match=r"\[E102\] codebook_to_markdown: lang='fr' is not one of 'en', 'ja', 'both'"):
        codebook_to_markdown(bundled, lang="fr")


def test_bundled_codebooks_round_trip_through_yaml(tmp_path, bundled):
    paths = write_codebooks_yaml(bundled, tmp_path)
    for part, path in zip(bundled.parts, paths):
        back = load_codebook(path)
        assert back.ids == part.ids
        assert [dataclasses.replace(c, line=None) for c in back.codes] == \
               [dataclasses.replace(c, line=None) for c in part.codes]
        assert (back.version, dict(back.title), back.source, dict(back.description), back.languages) == \
               (part.version, dict(part.title), part.source, dict(part.description), part.languages)


def test_yaml_writer_lists_what_is_missing_or_fills_todos(tmp_path):
    cb = Codebook("imported", [Code(id="food", label={"en": "Food"}, codebook="imported")],
                  title={"en": "Imported"}, languages=("en",))
    with pytest.raises(CodebookError) as err:
        write_codebook_yaml(cb, tmp_path / "x.yaml")
    msg = str(err.value)
    for part in ("the codebook's version", "the codebook's source", "code 'food': definition [en]",
                 "code 'food': examples"):
        assert part in msg
    assert not (tmp_path / "x.yaml").exists()
    path = write_codebook_yaml(cb, tmp_path / "x.yaml", fill_missing=True)
    back = load_codebook(path)
    assert back["food"].definition["en"] == "TODO: not given in the imported file"
    assert back.languages == ("en",) and back["food"].label == {"en": "Food"}


def test_yaml_writer_refuses_a_merged_codebook(tmp_path, bundled):
    with pytest.raises(CodebookError, match="write them one a file"):
        write_codebook_yaml(bundled, tmp_path / "all.yaml")


def test_tables_indexed_by_code_keep_their_codes_in_every_format(tmp_path):
    from hsqual.writers import write_table

    themes = pd.DataFrame({"label": ["Freedom from fear", "Dignity"], "n_cited": [3, 5]},
                          index=pd.Index(["freedoms.fear", "freedoms.dignity"], name="code"))
    matrix = pd.DataFrame([[2, 1], [1, 3]], index=pd.Index(["a", "b"], name="code"), columns=["a", "b"])
    plain = pd.DataFrame({"code": ["freedoms.fear"], "n": [3]}, index=[7])   # a filtered table: row number only
    write_table(themes, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[:2] == ["code,label,n_cited", "freedoms.fear,Freedom from fear,3"]
    write_table(plain, tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_text().splitlines() == ["code,n", "freedoms.fear,3"]
    assert pd.read_excel(write_table(themes, tmp_path / "t.xlsx"))["code"].tolist() == ["freedoms.fear", "freedoms.dignity"]
    assert pd.read_parquet(write_table(themes, tmp_path / "t.parquet")).index.tolist() == ["freedoms.fear", "freedoms.dignity"]
    book = write_workbook({"themes": themes, "matrix": matrix, "plain": plain}, tmp_path / "w.xlsx")
    sheets = pd.read_excel(book, sheet_name=None)
    assert sheets["themes"]["code"].tolist() == ["freedoms.fear", "freedoms.dignity"]
    assert sheets["matrix"].columns.tolist() == ["code", "a", "b"]
    assert sheets["plain"].columns.tolist() == ["code", "n"]
    assert pd.read_csv(export_tables({"themes": themes}, tmp_path / "out")[0])["code"].tolist()[0] == "freedoms.fear"


def test_japanese_table_names_name_files_and_sheets(tmp_path):
    freq = pd.DataFrame({"code": ["freedoms.fear"], "n": [3]})
    out = export_tables({"主題表": freq}, tmp_path, formats=("csv", "xlsx"))
    assert [p.name for p in out] == ["主題表.csv", "tables.xlsx"]
    assert pd.read_excel(out[1], sheet_name="主題表")["n"].tolist() == [3]
    with pytest.raises(ValueError, match="table name '../x' must be letters"):
        export_tables({"../x": freq}, tmp_path)


def test_yaml_writer_refuses_a_paraphrase_its_file_cannot_hold(tmp_path, bundled):
    part = bundled.parts[0]
    code = part.codes[1]
    bad = dataclasses.replace(code, paraphrases=(Paraphrase("en", "a\ttab", True),))
    cb = Codebook(part.id, [bad if c.id == code.id else c for c in part.codes], version=part.version,
                  title=part.title, source=part.source, languages=part.languages)
    with pytest.raises(CodebookError, match=re.escape(f"code {code.id!r}: paraphrase 1 (en, 'a\\ttab'): its text holds "
                                                      "a tab or a line break; expected one line of text")):
        write_codebook_yaml(cb, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize(("text", "language", "why"), [
    ("one\u2028two", "en", "its text holds a tab or a line break"),
    ("one\rtwo", "en", "its text holds a tab or a line break"),
    ("   ", "en", "its text is empty"),
    (" They shoot. ", "en", "its text begins or ends with spaces"),
    ("Ils tirent.", "fr", "its language 'fr' is not one of the codebook's (en)"),
])
def test_a_paraphrase_the_file_cannot_hold_is_refused_before_writing(tmp_path, text, language, why):
    code = Code(id="fear", label={"en": "Fear"}, definition={"en": "d"}, when_to_use={"en": "w"},
                when_not_to_use={"en": "n"}, examples=(Example("q", "s"),), codebook="demo",
                paraphrases=(Paraphrase(language, text, True),))
    cb = Codebook("demo", [code], version="1", title={"en": "Demo"}, source="s", languages=("en",))
    with pytest.raises(CodebookError, match=re.escape(why)):
        write_codebook_yaml(cb, tmp_path / "demo.yaml")
    assert list(tmp_path.iterdir()) == []


def test_rewriting_a_codebook_replaces_its_paraphrase_file_and_keeps_its_comments(tmp_path):
    def book(*paraphrases):
        code = Code(id="fear", label={"en": "Fear"}, definition={"en": "d"}, when_to_use={"en": "w"},
                    when_not_to_use={"en": "n"}, examples=(Example("q", "s"),), codebook="demo",
                    paraphrases=paraphrases)
        return Codebook("demo", [code], version="1", title={"en": "Demo"}, source="s", languages=("en",))

    path = write_codebook_yaml(book(Paraphrase("en", "They shoot.", True)), tmp_path / "demo.yaml")
    tsv = tmp_path / "paraphrases" / "demo.tsv"
    tsv.write_text("# written with Aiko, 2026-11-02\n" + tsv.read_text(encoding="utf-8"), encoding="utf-8")
    write_codebook_yaml(book(Paraphrase("en", "They burn the fields.", True)), path)
    assert "# written with Aiko, 2026-11-02" in tsv.read_text(encoding="utf-8")
    assert [p.text for p in load_codebook(path)["fear"].paraphrases] == ["They burn the fields."]
    write_codebook_yaml(book(), path)                     # none now: the old file would come back with it
    assert not tsv.exists() and load_codebook(path)["fear"].paraphrases == ()
