"""The codebook reader: the bundled codebooks load, and malformed ones fail with file, line, code."""

from __future__ import annotations

import textwrap

import pytest

from hsqual import CodebookError, load_codebook, load_codebooks, parse_codebook
from hsqual.resources import bundled_codebooks

GOOD = textwrap.dedent(
    """\
    id: demo
    version: "1.0"
    title: {en: Demo, ja: デモ}
    source: Test suite
    codes:
      - id: freedoms
        label: {en: Three freedoms, ja: 三つの自由}
        definition: {en: The three freedoms., ja: 三つの自由。}
        when_to_use: {en: Talk of the freedoms.}
        when_not_to_use: {en: Anything else.}
        examples:
          - {quote: "freedom from fear", source: "Kurusu 2015, §7"}
      - id: freedoms.fear
        parent: freedoms
        label: {en: Freedom from fear, ja: 恐怖からの自由}
        definition: {en: Violence and conflict.}
        when_to_use: {en: Violence.}
        when_not_to_use: {en: Poverty.}
        examples:
          - {quote: "protection of civilians", source: "Kurusu 2015, §3.3"}
        rules:
          en: ['"freedom from fear"']
          ja: ['"恐怖からの自由"']
    """
)


def write(tmp_path, text, name="demo.yaml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_good_codebook_reads_with_hierarchy_labels_and_rule_lines(tmp_path):
    cb = load_codebook(write(tmp_path, GOOD))
    assert cb.ids == ["freedoms", "freedoms.fear"]
    assert cb.children("freedoms") == ["freedoms.fear"]
    assert cb.ancestors("freedoms.fear") == ["freedoms"]
    assert cb["freedoms.fear"].label["ja"] == "恐怖からの自由"
    assert cb["freedoms.fear"].rules["en"] == ('"freedom from fear"',)
    assert cb["freedoms.fear"].rule_lines["ja"] == (23,)
    assert cb["freedoms.fear"].line == 13
    assert cb.to_frame().loc[1, "depth"] == 1


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # YAML syntax error: the line of the problem
        (lambda s: s.replace("title: {en: Demo, ja: デモ}", "title: {en: Demo, ja: デモ"), r"demo\.yaml:\d+:\d+: not valid YAML"),
        # unknown key in a code: line 14 (the key), the code named
        (lambda s: s.replace("    parent: freedoms\n", "    parent: freedoms\n    colour: red\n"),
         r"demo\.yaml:15:5: code 'freedoms\.fear': unknown key 'colour' in this code; expected one of: color, "),
        # unknown top-level key
        (lambda s: "author: me\n" + s, r"demo\.yaml:1:1: unknown key 'author' in the codebook"),
        # duplicate id
        (lambda s: s.replace("id: freedoms.fear", "id: freedoms"), r"demo\.yaml:13:5: code 'freedoms': duplicate code id \(first defined on line 6\)"),
        # missing Japanese label
        (lambda s: s.replace("label: {en: Freedom from fear, ja: 恐怖からの自由}", "label: {en: Freedom from fear}"),
         r"demo\.yaml:15:12: code 'freedoms\.fear': label has no 'ja' text"),
        # missing label altogether
        (lambda s: s.replace("    label: {en: Freedom from fear, ja: 恐怖からの自由}\n", ""),
         r"demo\.yaml:13:5: code 'freedoms\.fear': this code is missing the required key 'label'"),
        # bad parent
        (lambda s: s.replace("parent: freedoms", "parent: freedom"),
         r"demo\.yaml:13:5: code 'freedoms\.fear': parent 'freedom' is not a code defined above it"),
        # bad id
        (lambda s: s.replace("id: freedoms.fear", "id: Freedoms Fear"), r"demo\.yaml:13:9: code 'Freedoms Fear': code id 'Freedoms Fear' must be"),
        # empty examples
        (lambda s: s.replace("""    examples:\n      - {quote: "protection of civilians", source: "Kurusu 2015, §3.3"}\n""", "    examples: []\n"),
         r"demo\.yaml:19:15: code 'freedoms\.fear': examples must be a non-empty list"),
        # duplicate key in a mapping
        (lambda s: s.replace("version: \"1.0\"", "version: \"1.0\"\nversion: \"2.0\""), r"demo\.yaml:3:1: the codebook: key 'version' appears twice \(first on line 2\)"),
        # empty file
        (lambda s: "", r"demo\.yaml: the file is empty"),
        # bad colour
        (lambda s: s.replace("    parent: freedoms\n", "    parent: freedoms\n    color: blue\n"), r"demo\.yaml:15:12: code 'freedoms\.fear': color 'blue' must be #RRGGBB"),
    ],
)
def test_malformed_codebook_names_file_line_and_code(tmp_path, edit, expected):
    path = write(tmp_path, edit(GOOD))
    with pytest.raises(CodebookError, match=expected):
        load_codebook(path)


def test_error_carries_structured_location(tmp_path):
    path = write(tmp_path, GOOD.replace("parent: freedoms", "parent: nowhere"))
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert info.value.path == str(path)
    assert info.value.line == 13
    assert info.value.code == "freedoms.fear"


def test_ids_must_be_unique_across_codebooks_loaded_together(tmp_path):
    a = write(tmp_path, GOOD, "a.yaml")
    b = write(tmp_path, GOOD.replace("id: demo", "id: other"), "b.yaml")
    with pytest.raises(CodebookError, match=r"b\.yaml:6: code 'freedoms': code id also defined in .*a\.yaml"):
        load_codebooks([a, b])


def test_single_language_codebook_declares_its_languages(tmp_path):
    text = GOOD.replace("source: Test suite", "source: Test suite\nlanguages: [en]")
    cb = parse_codebook(text)
    assert cb.languages == ("en",)


def test_bundled_codebooks_load_together_with_unique_ids():
    cb = load_codebooks(bundled_codebooks())
    assert len(cb.ids) == len(set(cb.ids))
    for required in ["risk.natural_disaster", "risk.interstate", "risk.armed_conflict", "risk.social",
                     "japan.domestic_application", "japan.great_east_japan_earthquake", "assist.accept",
                     "assist.via_ngo", "freedoms.interrelated", "empowerment.sustainability",
                     "freedoms.fear", "freedoms.want", "freedoms.dignity", "protection", "empowerment",
                     "protection.national_framework", "added_value.instrumental", "added_value.dignity"]:
        assert required in cb, required
    assert {p.id for p in cb.parts} == {"three_freedoms", "protection_empowerment", "added_value", "kurusu2015_themes"}
    for code in cb.codes:
        assert code.label.get("en") and code.label.get("ja"), code.id
        assert code.examples, code.id


def _paraphrases(tmp_path, text):
    folder = tmp_path / "paraphrases"
    folder.mkdir(exist_ok=True)
    (folder / "demo.tsv").write_text(text, encoding="utf-8")
    return write(tmp_path, GOOD)


def test_paraphrases_beside_a_codebook_are_read_into_its_codes(tmp_path):
    path = _paraphrases(tmp_path, "# code\texpect\tlanguage\ttext\n"
                                  "freedoms.fear\t+\ten\tThey come at night with guns.\n"
                                  "freedoms.fear\t-\tja\t国家の安全保障が第一だ。\n")
    cb = load_codebook(path)
    fear = cb["freedoms.fear"].paraphrases
    assert [(p.language, p.text, p.applies, p.line) for p in fear] == [
        ("en", "They come at night with guns.", True, 2), ("ja", "国家の安全保障が第一だ。", False, 3)]
    assert cb["freedoms"].paraphrases == ()
    other = tmp_path / "other"
    other.mkdir()
    assert load_codebook(write(other, GOOD))["freedoms.fear"].paraphrases == ()


@pytest.mark.parametrize(("line", "expected"), [
    ("freedoms.fear\t+\ten", r"demo\.tsv:2: expected 4 tab-separated fields \(code, expect, language, text\), found 3"),
    ("freedoms.feer\t+\ten\tGuns.", r"demo\.tsv:2: 'freedoms.feer' is not a code of the codebook"),
    ("freedoms.fear\tyes\ten\tGuns.", r"demo\.tsv:2: expect must be '\+' \(the code applies\) or '-' \(it must not\), not 'yes'"),
    ("freedoms.fear\t+\tfr\tDes fusils.", r"demo\.tsv:2: language must be one of en, ja, not 'fr'"),
    ("freedoms.fear\t+\ten\t ", r"demo\.tsv:2: code 'freedoms.fear': the text is empty"),
])
def test_a_malformed_paraphrase_line_names_the_file_and_line(tmp_path, line, expected):
    path = _paraphrases(tmp_path, "# header\n" + line + "\n")
    with pytest.raises(CodebookError, match=expected):
        load_codebook(path)


def test_a_paraphrase_file_written_with_spaces_says_tabs_are_expected_and_indented_comments_are_comments(tmp_path):
    path = _paraphrases(tmp_path, "  # an indented comment\r\nfreedoms.fear + en They shoot.\r\n")
    with pytest.raises(CodebookError, match=r"demo\.tsv:2: .*found 1 \(the fields must be separated by tabs, not spaces\)"):
        load_codebook(path)


def test_a_code_keeps_its_own_copy_of_what_it_was_given():
    from hsqual.codebook import Code, Codebook
    from hsqual.corpus import Corpus, Document
    from hsqual.apply import apply_codebook

    rules = {"en": ("fear",)}
    cb = Codebook("demo", [Code("c", label={"en": "C"}, rules=rules)], languages=("en",))
    corpus = Corpus([Document("d", "We live in fear. We are in want.", {"language": "en"})])
    assert apply_codebook(corpus, cb)["quote"].tolist() == ["We live in fear."]
    rules["en"] = ("want",)                              # the caller's dict, edited afterwards
    assert dict(cb["c"].rules) == {"en": ("fear",)}
    assert apply_codebook(corpus, cb)["quote"].tolist() == ["We live in fear."]
    with pytest.raises(TypeError):
        cb["c"].rules["en"] = ("want",)                  # type: ignore[index]


def test_a_code_given_a_plain_string_for_a_mapping_says_what_is_expected():
    from hsqual.codebook import Code

    with pytest.raises(CodebookError, match=r"code 'fear': label must be a mapping of language to text, e.g. \{'en': \.\.\.\}, not str"):
        Code("fear", "Fear")
