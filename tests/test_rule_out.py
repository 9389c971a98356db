"""Terms and patterns ruled out for a whole batch at once are exactly those with no match in it.

Before matching a batch, the engine asks which of a codebook's terms no token of the batch can
hold (:meth:`DocIndex.rule_out` with a :class:`TermSet`) and which of its ``/regex/`` terms
match nowhere in its text (one pass of RE2's set automaton, :class:`RegexSet`). Each answer
must agree with looking the term or pattern up alone, or coding would change.
"""

from __future__ import annotations

import re2

import hsqual
from hsqual.apply import compile_codebook
from hsqual.rules.index import DocIndex, JoinedIndex, TermSet
from hsqual.rules.match import RegexSet, UnitSet, _whole_text_pattern
from hsqual.rules.syntax import Regex, Term, parse_tree
from hsqual.resources import bundled_path
from hsqual.transcripts import load_corpus

# terms of every kind a rule can hold: fields, globs, part-of-speech filters, phrases, words the
# tokenizer splits, words found through their own lemma (子ども: 子供; ため: 為), absent words
EXTRA_JA = ["子ども", "ため", "為", "コミュニティ", "surface:人間", "lemma:守る", "base:守ら", "保障[pos=名詞]",
            "安全*", "*保障", '"人間 の 安全*"', "人間の安全保障", '"守られる"', "無い語彙ですね", "surface:ＪＩＣＡ",
            "JICA", "ｊｉｃａ", "lemma:為", "base:ため", "言う", "という"]


def _ja_texts() -> list[str]:
    corpus = load_corpus(bundled_path("transcripts") / "ja", unit="document")
    return [d.text for d in corpus.documents if d.language == "ja"]


def _terms(texts: list[str]) -> list[Term]:
    terms = list(compile_codebook(hsqual.load_codebooks(hsqual.bundled_codebooks())).terms_for("ja"))
    return terms + [parse_tree(t, "ja") for t in EXTRA_JA]


def _hits(ix, term):
    return [(first.tolist(), n) for first, n in ix.hits(term)]


def test_terms_ruled_out_are_those_without_hits_and_the_rest_unchanged():
    texts = _ja_texts()
    terms = _terms(texts)
    for some in (texts[:1], texts[1:4]):  # one document, and a batch of several
        ruled, plain = JoinedIndex(some, "ja"), JoinedIndex(some, "ja")
        ruled.rule_out(TermSet(terms, "ja"))
        out = {t for t, got in ruled._hits_cache.items() if got == []}
        assert len(out) > 100 and len(out) < len(set(terms))  # it rules out many, not all
        for t in terms:
            assert _hits(ruled, t) == _hits(plain, t), str(t)
        assert all(not plain.hits(t) for t in out)


def test_a_word_found_only_through_its_own_lemma_is_not_ruled_out():
    # 子供 is the lemma of 子ども: a text writing 子供 holds the term 子ども
    ix = DocIndex("子供の権利を守る。", "ja")
    ix.rule_out(TermSet([Term("子ども"), Term("大人")], "ja"))
    assert Term("子ども") not in ix._hits_cache and ix._hits_cache[Term("大人")] == []
    assert _hits(ix, Term("子ども")) == [([0], 1)]


def test_a_word_found_only_through_its_written_base_form_is_not_ruled_out():
    # an entry whose lemma is not its base form (as ため's is 為): a bare word finds it by either
    from hsqual.tokens import TokenIds
    from hsqual.vocab import vocabulary

    import numpy as np

    ids = vocabulary().ids(["ゑゐぬ\tヱヰヌ\tゑゐぬ\t普通名詞\t名詞", "。\t。\t。\t句点\t補助記号"])
    ix = DocIndex("ゑゐぬ。", "ja", tokens=TokenIds(ids, np.array([0, 3]), np.array([3, 4])))
    ix.rule_out(TermSet([Term("ゑゐぬ"), Term("ヱヰヌ", field="base")], "ja"))
    assert Term("ゑゐぬ") not in ix._hits_cache and ix._hits_cache[Term("ヱヰヌ", field="base")] == []
    assert _hits(ix, Term("ゑゐぬ")) == [([0], 1)]


def test_a_glob_alone_is_never_ruled_out_whatever_term_follows():
    # a way of globs alone needs no word: not ruled out by the flags of the next term's words
    ix = DocIndex("人間の安全保障。", "ja")
    terms = [Term("安全", prefix=True), Term("無い語彙ですね"), Term("保障", suffix=True), Term("戦争")]
    ix.rule_out(TermSet(terms, "ja"))
    assert sorted(t.text for t, got in ix._hits_cache.items() if got == []) == ["戦争", "無い語彙ですね"]
    assert _hits(ix, terms[0]) == [([2], 1)]


def test_a_glob_whose_stem_is_no_whole_word_is_not_ruled_out():
    # コミュ is the start of a token (コミュニティー), not a token's key of its own
    ix = DocIndex("コミュニティーの力。", "ja")
    terms = [Term("コミュ", prefix=True), Term("ティー", suffix=True), Term("ＪＩＣ", prefix=True)]
    ix.rule_out(TermSet(terms, "ja"))
    assert ix._hits_cache == {}  # a glob alone needs no word: none is ruled out
    assert _hits(ix, terms[0]) == [([0], 1)] and _hits(ix, terms[1]) == [([0], 1)]


def test_the_vocabulary_growing_meanwhile_is_no_error(monkeypatch):
    # another thread adding words while the terms are ruled out: the table of the text's keys
    # has room for every key looked up
    import hsqual.vocab as V

    ix = DocIndex("平和のために働く。", "ja")
    terms = TermSet([Term("ぽぽぽ甲"), Term("ぽぽぽ乙"), Term("平和")], "ja")
    looked_up = V.Vocabulary.key_ids

    def key_ids(self, keys):  # the words arrive just before their keys are looked up
        self.ids(["ぽぽぽ甲\tぽぽぽ甲\tぽぽぽ甲\t普通名詞\t名詞", "ぽぽぽ乙\tぽぽぽ乙\tぽぽぽ乙\t普通名詞\t名詞"])
        return looked_up(self, keys)

    monkeypatch.setattr(V.Vocabulary, "key_ids", key_ids)
    ix.rule_out(terms)
    assert ix._hits_cache == {Term("ぽぽぽ甲"): [], Term("ぽぽぽ乙"): []}


def test_english_and_other_languages_are_left_alone():
    ix = DocIndex("Fear and want.", "en")
    ix.rule_out(TermSet([Term("dignity")], "en"))
    assert ix._hits_cache == {}
    ja = DocIndex("恐怖と欠乏。", "ja")
    ja.rule_out(TermSet([Term("dignity")], "en"))  # a set of another language: nothing done
    assert ja._hits_cache == {}


PATTERNS = [Regex("ODA|JICA"), Regex("(NPO|NGO)"), Regex("ｊｉｃａ", "i"), Regex(r"\bUHC\b"), Regex(r"(?i)\bbottom[- ]up"),
            Regex("人間の安全保障(」)?とは"), Regex("[3三]つの自由"), Regex("(その人|自分|人間)らし[いくさ]"),
            Regex(r"\d{4}年"), Regex("^Q"), Regex("尊厳$"), Regex("absent-word"), Regex(r"\p{Han}{12}")]


def _unit_set(text: str, lang: str) -> UnitSet:
    return UnitSet(DocIndex(text, lang), [0], [len(text)], meta={})


def test_patterns_ruled_out_are_exactly_those_matching_nowhere():
    # xUHC: \b does not hold before UHC in the whole text, but may at a unit's start
    texts = _ja_texts()[:3] + ["Bottom-up JICA and UHC work: the NGO said so in 2015年.", "xUHC and more"]
    found = RegexSet(PATTERNS)
    assert {str(rx) for rx in PATTERNS} - {str(rx) for rx in found.members} == {"/^Q/", "/尊厳$/"}  # anchored
    for text in texts:
        U = _unit_set(text, "ja")
        norm = U.index.normalized()[0]
        expected = [rx for rx in found.members if not any(True for _ in _whole_text_pattern(rx).finditer(norm))]
        assert found.absent(U._utf8()[0]) == expected
    assert found.absent(b"") == []  # an empty text: no search, nothing ruled out


def test_a_failed_set_search_rules_nothing_out(monkeypatch):
    found = RegexSet(PATTERNS)

    class Failing:  # as RE2 answers when its automaton runs out of memory: no match at all
        def Match(self, data):
            return None

    monkeypatch.setattr(found, "_set", Failing())
    assert found.absent("JICA".encode()) == []


def test_ruled_out_patterns_count_nothing_and_the_rest_as_before():
    text = "JICA staff met the NGO. Bottom-up work on UHC.\nNothing else here."
    starts, ends = [0, 24, 47], [23, 46, 64]
    ruled = UnitSet(DocIndex(text, "en"), starts, ends, meta={})
    plain = UnitSet(DocIndex(text, "en"), starts, ends, meta={})
    ruled.rule_out(RegexSet(PATTERNS))
    assert ("whole", Regex("absent-word")) in ruled._counts and ("whole", Regex("ODA|JICA")) not in ruled._counts
    for rx in PATTERNS:
        assert ruled.regex_counts(rx).tolist() == plain.regex_counts(rx).tolist(), str(rx)
        assert ruled.regex_counts(rx, stop_at=1).tolist() == plain.regex_counts(rx, stop_at=1).tolist(), str(rx)


def test_a_text_with_a_lone_surrogate_is_searched_pattern_by_pattern():
    U = _unit_set("JICA \ud800 here", "en")
    U.rule_out(RegexSet(PATTERNS))
    assert not any(k[0] == "whole" for k in U._counts if isinstance(k, tuple))


def test_a_set_too_large_for_re2_is_not_used(monkeypatch):
    class TooLarge:
        @classmethod
        def SearchSet(cls, options=None):
            raise re2.error("pattern too large - compile failed")

    monkeypatch.setattr(re2, "Set", TooLarge)
    found = RegexSet(PATTERNS)
    assert found.members == [] and found.absent("JICA".encode()) == []


def test_a_codebook_without_patterns_does_not_encode_the_text():
    U = _unit_set("JICA staff.", "en")
    U.rule_out(RegexSet([Regex("^anchored")]))  # no pattern with a whole-text search
    assert "utf8" not in U._counts and U.index._norm_text is None
