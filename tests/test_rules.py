"""The rule language: parsing, error messages with a caret, and matching (English and Japanese)."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hsqual.codebook import Code, Codebook, load_codebooks, parse_codebook
from hsqual.errors import OptionError, RuleSyntaxError
from hsqual.resources import bundled_codebooks
from hsqual.rules import (
    And,
    CodeRef,
    Count,
    Meta,
    Near,
    Not,
    Or,
    Regex,
    Term,
    DocIndex,
    UnitSet,
    check_codebook_rules,
    code_order,
    parse_rule,
)
from hsqual.rules.match import evaluate, evidence, possible_mask, unit_mask


def en(text):
    return parse_rule(text, language="en")


def ja(text):
    return parse_rule(text, language="ja")


def words(text, spans):
    return None if spans is None else [text[a:b] for a, b in spans]


# ---------------------------------------------------------------------------------------
# Parsing every construct
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rule, tree", [
    ("fear", Term("fear")),
    ("violen*", Term("violen", prefix=True)),
    ("*lessness", Term("lessness", suffix=True)),
    ('"freedom from fear"', Term("freedom from fear", quoted=True)),
    ('"say \\"no\\""', Term('say "no"', quoted=True)),
    ("lemma:守る", Term("守る", field="lemma")),
    ("base:ため", Term("ため", field="base")),
    ("surface:US", Term("US", field="surface")),
    ('surface:"守られる"', Term("守られる", field="surface", quoted=True)),
    ("保護[pos=名詞]", Term("保護", pos="名詞")),
    ("守*[pos=動詞]", Term("守", prefix=True, pos="動詞")),
    ("/free(dom)?/", Regex("free(dom)?")),
    ("/ＯＤＡ/i", Regex("ＯＤＡ", "i")),
    ("code:freedoms.fear", CodeRef("freedoms.fear")),
    ("meta:sector=NGO", Meta("sector", "NGO")),
    ('meta:speaker="Interviewee 4"', Meta("speaker", "Interviewee 4")),
    ("fear >= 2", Count(Term("fear"), ">=", 2)),
    ("fear>2", Count(Term("fear"), ">", 2)),
    ('"human security" == 1', Count(Term("human security", quoted=True), "==", 1)),
    ("/x/ >= 3", Count(Regex("x"), ">=", 3)),
    ("NEAR(fear, violen*, 5)", Near("NEAR", (Term("fear"),), (Term("violen", prefix=True),), 5)),
    ("SEQ(human, security, 1, sentence)", Near("SEQ", (Term("human"),), (Term("security"),), 1, True)),
    ("near((fear|threat*), violence, 3)",
     Near("NEAR", (Term("fear"), Term("threat", prefix=True)), (Term("violence"),), 3)),
    ('NEAR(("co-related" OR linked), freedoms, 8)',
     Near("NEAR", (Term("co-related", quoted=True), Term("linked")), (Term("freedoms"),), 8)),
    ("fear AND want", And((Term("fear"), Term("want")))),
    ("fear and want", And((Term("fear"), Term("want")))),
    ("fear&want", And((Term("fear"), Term("want")))),
    ("fear && want", And((Term("fear"), Term("want")))),
    ("fear OR want", Or((Term("fear"), Term("want")))),
    ("fear|want||dignity", Or((Term("fear"), Term("want"), Term("dignity")))),
    ("NOT fear", Not(Term("fear"))),
    ("!fear", Not(Term("fear"))),
    ("保護AND NOT情報", And((Term("保護"), Not(Term("情報"))))),
    ("保護&!情報", And((Term("保護"), Not(Term("情報"))))),
    ("保護ＡＮＤ情報", And((Term("保護"), Term("情報")))),  # full-width operators
    ("（恐怖｜欠乏）＆尊厳", And((Or((Term("恐怖"), Term("欠乏"))), Term("尊厳")))),
    ("a | b & c", Or((Term("a"), And((Term("b"), Term("c")))))),
    ("(a | b) & c", And((Or((Term("a"), Term("b"))), Term("c")))),
    ("NOT a AND b", And((Not(Term("a")), Term("b")))),
    ("NOT (a AND b)", Not(And((Term("a"), Term("b"))))),
    ("a AND (b AND c)", And((Term("a"), And((Term("b"), Term("c")))))),
    ("notion & order", And((Term("notion"), Term("order")))),  # operator words only as whole words
    ("near", Term("near")),  # NEAR only before '('
    ('"not"', Term("not", quoted=True)),
    ("2011", Term("2011")),
])
def test_parse_constructs(rule, tree):
    lang = "ja" if any(ord(c) > 0x2000 for c in rule) else "en"
    assert parse_rule(rule, language=lang).root == tree


@pytest.mark.parametrize("rule, canonical", [
    ("fear&!want|dignity>=2", "fear AND NOT want OR dignity >= 2"),
    ("(a|b)&c", "(a OR b) AND c"),
    ("NOT(a|b)", "NOT (a OR b)"),
    ("near( (fear|threat*) ,violen*,5 ,SENTENCE)", "NEAR((fear | threat*), violen*, 5, sentence)"),
    ('surface:"守られる"', 'surface:"守られる"'),
    ("meta:speaker=\"A B\"", 'meta:speaker="A B"'),
])
def test_canonical_form(rule, canonical):
    lang = "ja" if any(ord(c) > 0x2000 for c in rule) else "en"
    r = parse_rule(rule, language=lang)
    assert str(r) == canonical
    assert r.text == rule
    assert parse_rule(canonical, language=lang).root == r.root


def test_code_refs_listed():
    r = en("code:freedoms.fear AND (code:freedoms.want OR code:freedoms.fear)")
    assert r.code_refs == ["freedoms.fear", "freedoms.want"]


# ---------------------------------------------------------------------------------------
# Error messages: what the user reads, with the caret under the right character
# ---------------------------------------------------------------------------------------


def caret_offset(err: RuleSyntaxError) -> int:
    """Which character of the rule the caret line points at (display width aware)."""
    lines = str(err).split("\n")
    rule_line, caret_line = lines[-2], lines[-1]
    assert rule_line.startswith("  ") and caret_line.endswith("^")
    col = len(caret_line) - 1 - 2
    text = rule_line[2:]
    width = 0
    for i, c in enumerate(text):
        if width == col:
            return i
        width += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    assert width == col
    return len(text)


@pytest.mark.parametrize("rule, lang, message, at", [
    # unbalanced parentheses
    ("(fear OR want", "en", "expected ')' to close the '(' at column 1", 13),
    ("fear OR want)", "en", "unexpected ')': no '(' to close", 12),
    # missing operand
    ("fear AND", "en", "expected a word, a \"phrase\", /regex/, code:, meta:, NEAR( or ( after 'AND'", 8),
    ("AND fear", "en", "'AND' needs a term on each side", 0),
    ("fear OR (AND want)", "en", "'AND' needs a term on each side", 9),
    # bad count
    ("fear >= two", "en", "expected a whole number after '>=', found 'two'", 8),
    ("fear => 2", "en", "unknown comparison '=>'", 5),
    ("fear = 2", "en", "'=' is not a comparison", 5),
    # NEAR without N, and other NEAR mistakes
    ("NEAR(fear, violence)", "en", "expected ',' and a distance (a whole number of words) in NEAR(a, b, N)", 19),
    ("NEAR(fear, violen*, 5", "en", "expected ')' to close NEAR(", 21),
    ("NEAR(fear, violence, 0)", "en", "expected a whole number of at least 1 for the distance", 21),
    ("NEAR(fear, violence, 5, sent)", "en", "expected 'sentence' after the distance", 24),
    ("SEQ(fear AND war, violence, 5)", "en", "expected ',' then the second word in SEQ(a, b, N)", 9),
    ("NEAR((fear & war), violence, 5)", "en", "a group lists words joined by '|'", 11),
    # unknown field
    ("lema:守る", "ja", "unknown field 'lema:' (did you mean lemma:?); expected lemma:, base:, surface:, code: or meta:", 0),
    ("fear AND pos:名詞", "ja", "unknown field 'pos:'", 9),
    # empty phrase
    ('fear OR ""', "en", 'empty phrase ""', 8),
    ('"   "', "en", 'empty phrase ""', 0),
    # bad regex
    ("/(fear/", "en", "bad regular expression: missing ), unterminated subpattern", 1),
    ("want | /fe[ar/", "en", "bad regular expression: unterminated character set", 10),
    ("/fear/x", "en", "unknown regular-expression flag 'x'", 6),
    ("/fear", "en", "unterminated regular expression: no closing '/'", 0),
    # unterminated quote
    ('dignity | "freedom from fear', "en", "unterminated phrase: no closing '\"'", 10),
    # globs and words
    ("*", "en", "'*' alone is not a word", 0),
    ("fe*ar", "en", "'*' may stand only at the start or end of a word", 2),
    ("*fear*", "en", "a glob takes '*' at one end only", 5),
    ("fear violence", "en", "expected AND, OR or the end of the rule before 'violence'", 5),
    ("保護 情報", "ja", "two terms side by side need an operator between them", 3),
    ("fear NOT want", "en", "expected AND or OR before NOT (write: a AND NOT b)", 5),
    # fields and filters
    ("code:", "en", "expected a code id after 'code:'", 0),
    ("code:Freedoms.Fear", "en", "'Freedoms.Fear' is not a code id", 5),
    ("meta:sector", "en", "expected '=' after meta:sector (meta:COLUMN=VALUE)", 11),
    ("meta:sector==NGO", "en", "write a single '=' in meta:sector=VALUE", 11),
    ("code:a >= 2", "en", "a count applies to a word, a phrase or a /regex/", 7),
    ("保護[tag=名詞]", "ja", "unknown filter 'tag'", 3),
    ("保護[pos=名詞", "ja", "expected ']' to close the '[' at column 3", 9),
    ("protection[pos=NOUN]", "en", "a [pos=...] filter needs Japanese part-of-speech tags; 'en' tokens carry none", 10),
    ('"人間の安全保障"[pos=名詞]', "ja", "a [pos=...] filter applies to a single word, not to a quoted phrase", 9),
    ("", "en", "the rule is empty", 0),
    ("()", "en", "empty parentheses", 1),
    # wide characters: the caret still points at the right character
    ("NEAR(恐怖, 暴力, 5", "ja", "expected ')' to close NEAR(", 14),
])
def test_syntax_errors(rule, lang, message, at):
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(rule, language=lang)
    err = info.value
    assert message in str(err)
    assert err.offset == at
    assert caret_offset(err) == at


def test_error_names_file_line_and_code():
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule("NEAR(fear, violen*, 5", language="en", code="freedoms.fear", path="codebooks/x.yaml", line=42)
    assert str(info.value) == (
        "codebooks/x.yaml:42: code 'freedoms.fear': rule syntax error: expected ')' to close NEAR(\n"
        "  NEAR(fear, violen*, 5\n"
        "                       ^")


def test_caret_under_wide_characters():
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule("人間の安全保障 AND (尊厳", language="ja")
    assert str(info.value).split("\n")[1:] == [
        "  人間の安全保障 AND (尊厳",
        "  " + " " * (7 * 2 + 5 + 1 + 2 * 2) + "^",
    ]


def test_unsupported_language():
    with pytest.raises(OptionError, match=r"\[E102\] parse_rule: language='fr' is not one of 'en', 'ja'"):
        parse_rule("peur", language="fr")
    with pytest.raises(OptionError, match=r"\[E101\] parse_rule: text must be a string, not 3"):
        parse_rule(3, language="en")


# ---------------------------------------------------------------------------------------
# Codebooks: every rule checked, with the file, the rule's line and the code
# ---------------------------------------------------------------------------------------

_YAML = """\
id: demo
version: "1"
title: {{en: Demo, ja: デモ}}
source: test
codes:
  - id: fear
    label: {{en: Fear, ja: 恐怖}}
    definition: {{en: d}}
    when_to_use: {{en: w}}
    when_not_to_use: {{en: n}}
    examples: [{{quote: q, source: s}}]
    rules:
      en:
        - 'fear'
        - '{rule}'
  - id: want
    label: {{en: Want, ja: 欠乏}}
    definition: {{en: d}}
    when_to_use: {{en: w}}
    when_not_to_use: {{en: n}}
    examples: [{{quote: q, source: s}}]
    rules:
      en: ['{want}']
"""


def test_codebook_error_points_at_the_rule_line():
    with pytest.raises(RuleSyntaxError) as info:
        parse_codebook(_YAML.format(rule="NEAR(fear, violence)", want="want"), path="codebooks/demo.yaml")
    assert str(info.value).startswith("codebooks/demo.yaml:15: code 'fear': rule syntax error: expected ','")


def test_unknown_code_reference():
    with pytest.raises(RuleSyntaxError) as info:
        parse_codebook(_YAML.format(rule="fear AND code:wnat", want="want"), path="codebooks/demo.yaml")
    msg = str(info.value)
    assert msg.startswith("codebooks/demo.yaml:15: code 'fear': rule syntax error: unknown code 'wnat'")
    assert "(did you mean want?)" in msg
    assert caret_offset(info.value) == len("fear AND ")


def test_cycle_of_code_references():
    with pytest.raises(RuleSyntaxError) as info:
        parse_codebook(_YAML.format(rule="code:want AND fear", want="want OR code:fear"), path="codebooks/demo.yaml")
    msg = str(info.value)
    assert "code references form a cycle: fear → want → fear" in msg
    assert msg.startswith("codebooks/demo.yaml:23: code 'want':")
    assert caret_offset(info.value) == len("want OR ")


def test_self_reference_is_a_cycle():
    cb = Codebook("d", [Code(id="a", label={}, rules={"en": ("x OR code:a",)})])
    with pytest.raises(RuleSyntaxError, match="cycle: a → a"):
        check_codebook_rules(cb)


def test_code_order_puts_references_first():
    cb = Codebook("d", [Code(id="both", label={}, rules={"en": ("code:fear AND code:want",)}),
                        Code(id="fear", label={}, rules={"en": ("fear OR code:base",)}),
                        Code(id="want", label={}, rules={"en": ("want",)}),
                        Code(id="base", label={}, rules={"en": ("x",)})])
    order = code_order(cb)
    assert sorted(order) == ["base", "both", "fear", "want"]
    assert order.index("base") < order.index("fear") < order.index("both")
    assert order.index("want") < order.index("both")


def test_merged_codebook_names_the_part_file(tmp_path):
    good = tmp_path / "a.yaml"
    good.write_text(_YAML.format(rule="violence", want="want"), encoding="utf-8")
    a = load_codebooks([good])
    b = Codebook("other", [Code(id="other", label={}, rules={"en": ("(broken",)}, line=3,
                                rule_lines={"en": (7,)})], path=tmp_path / "other.yaml")
    merged = a.merged_with(b)
    with pytest.raises(RuleSyntaxError) as info:
        check_codebook_rules(merged)
    assert str(info.value).startswith(f"{tmp_path / 'other.yaml'}:7: code 'other':")


def test_bundled_codebooks_parse():
    cb = load_codebooks(bundled_codebooks())
    n = sum(len(rules) for c in cb.codes for rules in c.rules.values())
    assert n > 0
    assert len(code_order(cb)) == len(cb)


# ---------------------------------------------------------------------------------------
# Matching: English
# ---------------------------------------------------------------------------------------

EN = "Freedom from fear matters. People fear violence, and FEAR of war."


def test_bare_word_ignores_case_not_inflection():
    assert words(EN, en("fear").match(EN)) == ["fear", "fear", "FEAR"]
    assert en("fears").match(EN) is None


def test_glob_and_phrase():
    assert words(EN, en("violen*").match(EN)) == ["violence"]
    assert words(EN, en("*dom").match(EN)) == ["Freedom"]
    assert words(EN, en('"freedom from fear"').match(EN)) == ["Freedom from fear"]
    assert words(EN, en('"fear of *ar"').match(EN)) == ["FEAR of war"]
    assert en('"freedom from want"').match(EN) is None


def test_surface_is_case_sensitive():
    text = "The US helped us."
    assert words(text, parse_rule("surface:US", language="en").match(text)) == ["US"]
    assert words(text, en("us").match(text)) == ["US", "us"]


def test_near_distance_counts_words_not_punctuation():
    text = "fear , of the violence"  # 'violence' is 3 words after 'fear'
    assert en("NEAR(fear, violence, 3)").match(text) == [(0, 4), (14, 22)]
    assert en("NEAR(fear, violence, 2)").match(text) is None
    assert en("NEAR(violence, fear, 3)").match(text) is not None  # either order
    assert en("SEQ(violence, fear, 3)").match(text) is None  # SEQ keeps the order
    assert en("SEQ(fear, violence, 3)").match(text) is not None
    assert en("NEAR(fear, fear, 5)").match(text) is None  # needs two different tokens


def test_near_groups_and_phrases():
    text = "We live in dignity and freedom from fear."
    r = en('NEAR((dignity | "human rights"), ("freedom from fear" | respect), 2)')
    assert words(text, r.match(text)) == ["dignity", "freedom from fear"]
    assert en('NEAR(dignity, "freedom from fear", 1)').match(text) is None


def test_near_sentence_option():
    text = "They fear. Violence returns."
    assert en("NEAR(fear, violence, 3)").match(text) is not None
    assert en("NEAR(fear, violence, 3, sentence)").match(text) is None


def test_near_sentence_needs_both_occurrences_whole_in_one_sentence():
    text = "It is written in letters. But if you ask."
    letters_but = en('NEAR(written, "letters but", 5, sentence)')
    assert words(text, en('"letters but"').match(text)) == ["letters. But"]  # a phrase over the sentence end
    assert letters_but.match(text) is None  # ... is in no one sentence
    assert words(text, en('NEAR(written, "letters but", 5)').match(text)) == ["written", "letters. But"]
    assert en('SEQ("letters but", ask, 3, sentence)').match(text) is None
    either = en('NEAR(ask, ("letters but" | "if you"), 3, sentence)')
    assert words(text, either.match(text)) == ["if you", "ask"]
    # units that overlap are matched unit by unit (near_pairs), not all at once: the same
    U = UnitSet(DocIndex(text, "en"), [0, 0], [len(text), len(text)], meta={})
    assert unit_mask(letters_but.root, U).tolist() == [False, False]
    assert words(text, evidence(either.root, U, 1)) == ["if you", "ask"]
    assert words(text, evidence(en('NEAR(written, "letters but", 5)').root, U, 0)) == ["written", "letters. But"]


def test_counts():
    assert words(EN, en("fear >= 3").match(EN)) == ["fear", "fear", "FEAR"]
    assert en("fear > 3").match(EN) is None
    assert en("fear == 3").match(EN) is not None
    assert en("fear == 2").match(EN) is None
    assert en("dignity == 0").match(EN) == []


def test_not_contributes_no_evidence():
    assert words(EN, en("fear AND NOT dignity").match(EN)) == ["fear", "fear", "FEAR"]
    assert en("fear AND NOT violence").match(EN) is None
    assert en("NOT dignity").match(EN) == []


def test_or_collects_every_matching_branch():
    assert words(EN, en("violence | war | dignity").match(EN)) == ["violence", "war"]


def test_regex_over_normalised_text_maps_back():
    text = "ＯＤＡ予算と２０１５年、ODA."  # full-width letters and digits
    spans = en("/ODA|20\\d\\d/").match(text)
    assert words(text, spans) == ["ＯＤＡ", "２０１５", "ODA"]
    assert en("/oda/").match(text) is None
    assert words(text, en("/oda/i").match(text)) == ["ＯＤＡ", "ODA"]
    kana = "ｶﾞｲﾄﾞ ガイド"  # half-width kana with voiced marks: two characters become one
    assert words(kana, en("/ガイド/").match(kana)) == ["ｶﾞｲﾄﾞ", "ガイド"]


def test_meta_and_speaker():
    r = en("fear AND meta:sector=ngo")
    assert r.match(EN, meta={"sector": "NGO"}) is not None
    assert r.match(EN, meta={"sector": "government"}) is None
    assert r.match(EN, meta={}) is None
    assert en("meta:interviewees=4").match("x", meta={"interviewees": "3;4"}) == []
    assert en('meta:speaker="Interviewee 4"').match("x", speaker="interviewee 4") == []
    assert en("meta:speaker=A").match("x", meta={"speaker": "A"}) == []  # falls back to the document's


def test_code_reference_brings_its_evidence():
    r = en("code:freedoms.fear AND violence")
    assert r.match(EN) is None
    assert words(EN, r.match(EN, codes={"freedoms.fear": [(13, 17)]})) == ["fear", "violence"]
    assert words(EN, r.match(EN, codes=["freedoms.fear"])) == ["violence"]


# ---------------------------------------------------------------------------------------
# Matching: Japanese
# ---------------------------------------------------------------------------------------

JA = "人間の安全保障のため、住民の生命が守られることが重要だ。為にならない。"


def test_lemma_matches_inflected_forms():
    assert words(JA, ja("守る").match(JA)) == ["守ら"]
    assert words(JA, ja("lemma:守る").match(JA)) == ["守ら"]
    assert ja("surface:守る").match(JA) is None
    assert words(JA, ja("surface:守ら").match(JA)) == ["守ら"]


def test_tame_by_base_form_and_by_lemma():
    # the token ため has lemma 為 and written base form ため
    assert words(JA, ja("base:ため").match(JA)) == ["ため"]  # ため matches through its base form
    assert words(JA, ja("lemma:為").match(JA)) == ["ため", "為"]  # 為 matches ため through the lemma
    assert ja("lemma:ため").match(JA) is None
    assert words(JA, ja("為").match(JA)) == ["ため", "為"]
    # a bare word also reaches its own lemma, so both spellings meet
    assert words(JA, ja("ため").match(JA)) == ["ため", "為"]


def test_spelling_variants_meet_through_the_lemma():
    text = "コミュニティーの子供と子どもたち。"
    assert words(text, ja("コミュニティ").match(text)) == ["コミュニティー"]
    assert words(text, ja("子ども").match(text)) == ["子供", "子ども"]
    assert words(text, ja("surface:子ども").match(text)) == ["子ども"]
    assert ja("base:コミュニティ").match(text) is None


def test_glob_whose_stem_the_tokenizer_splits():
    # エンパワ alone is tokenised エン|パワ; the glob still finds the one token エンパワーメント
    text = "住民のエンパワーメントが鍵だ。"
    assert words(text, ja("エンパワ*").match(text)) == ["エンパワーメント"]


def test_compound_written_bare_is_matched_as_a_phrase():
    assert words(JA, ja("人間の安全保障").match(JA)) == ["人間の安全保障"]
    assert ja("人間の安全保障").match(JA) == ja('"人間の安全保障"').match(JA)
    text = "生物多様性の保全と、生物の多様性。"
    assert words(text, ja("生物多様性").match(text)) == ["生物多様性"]
    line_broken = "人間の安全\n保障を進める。"  # a PDF line break inside the phrase
    assert words(line_broken, ja("人間の安全保障").match(line_broken)) == ["人間の安全\n保障"]


def test_phrase_matches_other_inflections():
    text = "人権は守られた。"
    assert words(text, ja('"守られる"').match(text)) == ["守られ"]


def test_phrase_tokens_match_through_their_lemmas_unless_a_field_is_given():
    text = "平和の為に、平和のために。"  # 為 (lemma 為, base 為), ため (lemma 為, base ため)
    assert words(text, ja('"ために"').match(text)) == ["為に", "ために"]  # ため|に: ため also through 為
    assert words(text, ja("ために").match(text)) == ["為に", "ために"]  # bare, split the same way
    assert words(text, ja('base:"ために"').match(text)) == ["ために"]  # base: holds each token to its base form
    assert words(text, ja('lemma:"ために"').match(text)) == ["為に", "ために"]
    assert ja('"ために" == 2').match(text) is not None and ja('"ために" > 2').match(text) is None


def test_japanese_glob_is_a_prefix_over_whole_tokens():
    text = "タイヤの工場がタイにある。タイミングが良い。"
    # documented behaviour: タイ* matches any token starting with タイ, not only Thailand
    assert words(text, ja("タイ*").match(text)) == ["タイヤ", "タイ", "タイミング"]
    assert words(text, ja("タイ").match(text)) == ["タイ"]
    assert words(text, ja("タイ[pos=名詞-固有名詞]").match(text)) == ["タイ"]


def test_pos_filter():
    text = "保護する。保護が必要だ。"
    assert words(text, ja("保護[pos=名詞]").match(text)) == ["保護", "保護"]  # サ変 nouns are 名詞 in UniDic
    assert ja("保護[pos=動詞]").match(text) is None
    assert words(text, ja("する[pos=動詞]").match(text)) == ["する"]


def test_protection_and_not_information():
    rule = ja("保護 AND NOT 情報")
    assert words("住民の保護が課題だ。", rule.match("住民の保護が課題だ。")) == ["保護"]
    assert rule.match("個人情報の保護が課題だ。") is None
    assert rule.match("情報が大事だ。") is None


def test_width_insensitive_words():
    text = "ＪＩＣＡとjicaとJICA"
    assert len(ja("JICA").match(text)) == 3


# ---------------------------------------------------------------------------------------
# Whole-document masks agree with per-unit evidence
# ---------------------------------------------------------------------------------------

_SENTS = ["Freedom from fear matters.", "People fear violence and war.", "Dignity, not fear.",
          "The state fails; people suffer.", "Fear fear fear.", "Nothing here."]
_RULES = ["fear", "fear >= 2", "fear > 1", "fear == 1", "NOT fear", "fear AND NOT violence",
          "NEAR(fear, (violence | war), 2)", "SEQ(people, fear, 1)", "SEQ(people, (fear|suffer), 3, sentence)",
          "/f[a-z]+/i >= 2", '"freedom from fear" | dignity', "meta:sector=NGO AND fear", "code:x AND fear",
          "peopl* AND (state | war)", "NOT (fear OR dignity) AND NOT nothing"]


@pytest.mark.parametrize("rule", _RULES)
def test_mask_agrees_with_evidence(rule):
    text = " ".join(_SENTS)
    starts, ends, pos = [], [], 0
    for s in _SENTS:
        starts.append(pos)
        ends.append(pos + len(s))
        pos += len(s) + 1
    U = UnitSet(DocIndex(text, "en"), starts, ends, meta={"sector": "NGO"})
    U.set_code("x", np.array([True, False, True, False, True, False]), {0: [(0, 7)], 2: [], 4: []})
    r = en(rule)
    mask = unit_mask(r.root, U)
    assert (possible_mask(r.root, U) == mask).all()  # the whole-document shortcut changes nothing
    for k in range(len(_SENTS)):
        spans = evidence(r.root, U, k)
        assert mask[k] == (spans is not None), (rule, k)
        # the same unit matched on its own gives the same answer
        alone = r.match(_SENTS[k], meta={"sector": "NGO"}, codes={"x": [(0, 7)]} if k in (0, 2, 4) else {})
        assert (alone is not None) == mask[k], (rule, k)
        for a, b in spans or []:
            assert starts[k] <= a <= b <= ends[k]


# ---------------------------------------------------------------------------------------
# Property: printing a tree and parsing it back gives the same tree
# ---------------------------------------------------------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6).filter(
    lambda w: w not in ("and", "or", "not", "sentence"))
_jaword = st.text(alphabet="保護人間安全尊厳恐怖守る", min_size=1, max_size=4)
_terms = st.one_of(
    st.builds(Term, st.one_of(_word, _jaword)),
    st.builds(lambda w: Term(w, prefix=True), _word),
    st.builds(lambda w: Term(w, suffix=True), _word),
    st.builds(lambda a, b: Term(f"{a} {b}", quoted=True), _word, _word),
    st.builds(lambda f, w: Term(w, field=f), st.sampled_from(["lemma", "base", "surface"]), _jaword),
    st.builds(lambda w, p: Term(w, pos=p), _jaword, st.sampled_from(["名詞", "動詞", "名詞-固有名詞"])),
)
_atoms = st.one_of(
    _terms,
    st.builds(lambda w: Regex(w + "+"), _word),
    st.builds(lambda w: CodeRef("c." + w), _word),
    st.builds(Meta, _word, st.one_of(_word, st.just("two words"))),
    st.builds(Count, _terms, st.sampled_from([">=", ">", "=="]), st.integers(0, 9)),
    st.builds(Near, st.sampled_from(["NEAR", "SEQ"]), st.lists(_terms, min_size=1, max_size=3).map(tuple),
              st.lists(_terms, min_size=1, max_size=3).map(tuple), st.integers(1, 20), st.booleans()),
)


def _extend(children):
    return st.one_of(
        st.builds(Not, children),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(children, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(_atoms, _extend, max_leaves=8))
def test_print_then_parse_round_trip(tree):
    text = str(tree)
    assert parse_rule(text, language="ja").root == tree


@pytest.mark.parametrize("seed", range(8))
def test_regex_counts_from_one_search_of_the_whole_text_equal_a_search_of_every_unit(seed):
    """Regexes are searched once over the whole text and then only in the units a match
    overlaps; the counts must be those of a search of every unit on its own."""
    import random

    from hsqual.patterns import compile_regex

    rng = random.Random(seed)
    text = "".join(rng.choice("aabbc .") for _ in range(rng.randint(1, 300)))
    cuts = sorted({0, len(text), *(rng.randint(0, len(text)) for _ in range(rng.randint(0, 30)))})
    units = UnitSet(DocIndex(text, "en"), cuts[:-1], cuts[1:], meta={})
    for pattern in ["ab", "a+b+", "b[ac]", "c.a", "a b", "(?:ab|ba)c?", "[ab]{3}", r"\bab", r"\bb+\b", r"a\B",
                    r"(?:\ba|c\b)"]:
        node = parse_rule(f"/{pattern}/", language="en").root
        rx = compile_regex(pattern)
        want = [sum(1 for _ in rx.finditer(text[a:b])) for a, b in zip(cuts[:-1], cuts[1:])]
        assert units.regex_counts(node).tolist() == want, (pattern, text)
        assert units.regex_counts(node, stop_at=1).tolist() == [int(w > 0) for w in want]


@pytest.mark.parametrize("seed", range(8))
def test_the_unit_of_a_token_from_the_table_is_the_one_a_binary_search_finds(seed):
    """Disjoint units (with gaps, empty units, units past the last token): the table of every
    token's unit gives what a binary search of the units' first tokens gives."""
    import random

    import numpy as np

    rng = random.Random(200 + seed)
    text = " ".join(rng.choice(["fear", "want", "dignity", "."]) for _ in range(rng.randint(1, 60)))
    cuts = sorted(rng.randint(0, len(text) + 3) for _ in range(2 * rng.randint(0, 12)))
    units = UnitSet(DocIndex(text, "en"), cuts[0::2], cuts[1::2], meta={})
    assert units.disjoint
    every = np.arange(len(units.index))
    assert units._unit_at(every).tolist() == (np.searchsorted(units.i0, every, "right") - 1).tolist()


@pytest.mark.parametrize("seed", range(8))
def test_regex_counts_of_overlapping_and_gapped_units_equal_a_search_of_every_unit(seed):
    """Counts read from the whole text's matches (in units no match crosses an edge of) hold
    for units that overlap, leave gaps, or lie inside one another."""
    import random

    from hsqual.patterns import compile_regex

    rng = random.Random(100 + seed)
    text = "".join(rng.choice("aabbc .") for _ in range(rng.randint(1, 200)))
    spans = sorted({(a, rng.randint(a, len(text))) for a in (rng.randint(0, len(text)) for _ in range(25))})
    units = UnitSet(DocIndex(text, "en"), [a for a, _ in spans], [b for _, b in spans], meta={})
    for pattern in ["ab", "ab|ba", "a+b+", "(?:ab|ba)c?", "[ab]{3}", "b.?a", r"\bab"]:
        node = parse_rule(f"/{pattern}/", language="en").root
        rx = compile_regex(pattern)
        want = [sum(1 for _ in rx.finditer(text[a:b])) for a, b in spans]
        assert units.regex_counts(node).tolist() == want, (pattern, text, spans)


@pytest.mark.parametrize("seed", range(8))
def test_regex_evidence_and_counts_with_shortcuts_equal_a_search_of_every_unit(seed):
    """A unit's matches are read from the whole text's matches when none crosses the unit's
    edges, and the whole-text search is skipped when the text lacks a word every match must
    hold (case-insensitive for (?i) patterns): spans and counts must be those of a search of
    every unit on its own, whether or not the words occur."""
    import random

    from hsqual.patterns import compile_regex

    rng = random.Random(seed)
    alphabet = ["aab .", "aabbcAB .", "AABBC .", "aabbc ."][seed % 4]  # c, capitals: in some texts only
    text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300)))
    cuts = sorted({0, len(text), *(rng.randint(0, len(text)) for _ in range(rng.randint(0, 30)))})
    units = UnitSet(DocIndex(text, "en"), cuts[:-1], cuts[1:], meta={})
    for pattern in ["ab", "bc|ca", "a+bc", "[ab]bc", "(?i)abc?", "(?i)b+c", "(?i)\\bca", "cab?", "a(b|c)a"]:
        node = parse_rule(f"/{pattern}/", language="en").root
        rx = compile_regex(pattern)
        want = [[(a + m.start(), a + m.end()) for m in rx.finditer(text[a:b])] for a, b in zip(cuts[:-1], cuts[1:])]
        assert units.regex_counts(node).tolist() == [len(w) for w in want], (pattern, text)
        assert units.regex_counts(node, stop_at=1).tolist() == [int(bool(w)) for w in want], (pattern, text)
        assert [units.regex_spans(node, k) for k in range(len(want))] == want, (pattern, text)


def _segment_codings(lang, rule, text, segs):
    from hsqual import apply_codebook
    from hsqual.corpus import Corpus, Document, Segment

    corpus = Corpus([Document("d", text, {"language": lang})],
                    [Segment("d", i + 1, a, b, text[a:b], None, "turn") for i, (a, b) in enumerate(segs)])
    cb = Codebook("t", [Code(id="c", label={"en": "c"}, rules={lang: (rule,)}, codebook="t")])
    return apply_codebook(corpus, cb, unit="segment")[["start", "end"]].values.tolist()


@pytest.mark.parametrize("rule, text, segs, fired", [
    # the second segment holds two matches where \b holds at its own start (not in the whole text)
    ("/＼bUHC/ >= 2", "xUHC UHC", [(0, 1), (1, 8)], [[1, 8]]),
    ("/＼bUHC/ == 1", "xUHC UHC", [(0, 1), (1, 8)], []),
    ("/(?m)＾fear/ >= 2", "xfear\nfear", [(0, 1), (1, 10)], [[1, 10]]),
    ("/fear＄/", "fear fear", [(0, 4), (5, 9)], [[0, 4], [5, 9]]),  # $ at each segment's end
    ("/\\bUHC/", "xUHC and more", [(0, 1), (1, 13)], [[1, 13]]),
])
def test_full_width_anchors_are_anchors_as_the_pattern_is_compiled(rule, text, segs, fired):
    """A pattern is NFKC-normalised before it is compiled (＼ｂ is \b, ＾ is ^, ＄ is $): it holds
    an assertion, so a unit's matches are those of the unit's own text, not read from the whole
    text's."""
    assert _segment_codings("en", rule, text, segs) == fired


@pytest.mark.parametrize("rule, text", [("/\\u3042/", "あいう"), ("/\\pL/", "abc"), ("/\\p{Han}/", "ひらがなと漢字"),
                                        ("/\\x41B/", "xABy"), ("/\\N{HIRAGANA LETTER A}い/", "あいう"),
                                        ("/\\u3042い/", "あいう")])
def test_an_escape_with_an_argument_is_not_a_word_the_text_must_hold(rule, text):
    """The letters after \\u, \\p, \\x, \\N are the escape's argument, not words every match
    holds: the quick check that the text holds a pattern's words must not rule such a
    pattern out."""
    assert _segment_codings("ja", rule, text, [(0, len(text))]) == [[0, len(text)]]


def test_a_plain_word_pattern_finds_what_re2_finds():
    """/ODA|JICA/ and /(ODA|JICA)/ are searched with Python's re (faster for plain words): the
    same matches as RE2, on text as the matcher sees it (NFKC). Patterns and texts drawn from a
    fixed seed."""
    import random

    from hsqual.rules.match import _pattern
    from hsqual.rules.syntax import Regex

    rng = random.Random(20261130)
    letters = "ODAJIC 人間安全ａＯ"
    compared = 0
    for n in range(600):
        words = ["".join(rng.choice(letters) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 3))]
        # bare, or in one group around the whole (/(NPO|NGO)/, /(?:NPO|NGO)/)
        rx = Regex(("", "(", "(?:")[n % 3] + "|".join(words) + ("", ")", ")")[n % 3], "")
        text = unicodedata.normalize("NFKC", "".join(rng.choice(letters + "\n") for _ in range(rng.randint(0, 60))))
        want = [m.span() for m in rx.compiled.finditer(text)]
        got = [m.span() for m in _pattern(rx).finditer(text)]
        assert got == want, (rx.pattern, text)
        compared += bool(want) and _pattern(rx) is not rx.compiled
    assert compared > 150  # Python's re was used, and found matches


def test_a_unit_set_is_freed_when_dropped_after_matching_near_and_masks():
    """The rule engine's caches on a unit set (NEAR results, unit masks) hold no reference
    back to it: a batch's unit set is freed as soon as it is dropped, not at some later
    garbage collection (which left several batches' caches alive at once)."""
    import gc
    import weakref

    text = "Fear and want. Want of fear and violence."
    units = UnitSet(DocIndex(text, "en"), [0, 15], [14, 41], meta={})
    root = parse_rule("NEAR(fear, want, 2) AND NOT violence OR /fear/", language="en").root
    assert unit_mask(root, units).tolist() == [True, True]
    assert evaluate(root, units, 0)
    gone = weakref.ref(units)
    gc.disable()
    try:
        del units
        assert gone() is None
    finally:
        gc.enable()
