"""Terms compiled together (one tokeniser pass for a codebook's terms) compile exactly as
each term alone does."""

from __future__ import annotations

import hsqual
import hsqual.rules.index as index
from hsqual.apply import compile_codebook
from hsqual.rules.syntax import Term


def _clear():
    index._TERM_TOKENS.clear()
    index._TERM_CACHE.clear()
    index._ALONE.clear()


def test_every_bundled_japanese_term_compiles_as_it_does_alone():
    terms = compile_codebook(hsqual.load_codebooks(hsqual.bundled_codebooks())).terms_for("ja")
    assert len(terms) > 1000
    _clear()
    index.compile_terms(terms, "ja")
    together = dict(index._TERM_CACHE["ja"])
    tokens = dict(index._TERM_TOKENS)
    assert set(together) >= set(terms)
    _clear()
    for (text, language), toks in tokens.items():
        assert index._tokens_of(text, language) == toks, text
    for t in terms:
        assert index._compile_term(t, "ja") == together[t], str(t)
    _clear()


def test_texts_that_are_not_one_plain_line_are_left_to_the_single_path():
    _clear()
    odd = ["人権\n尊厳", "\u3099ガ", "   ", "保護"]
    index.tokenize_terms(odd + ["能力強化"], "ja")
    assert ("保護", "ja") in index._TERM_TOKENS and ("能力強化", "ja") in index._TERM_TOKENS
    assert not any((t, "ja") in index._TERM_TOKENS for t in odd[:3])
    assert [t.surface for t in index._tokens_of("人権\n尊厳", "ja")] == ["人権", "尊厳"]
    _clear()


def test_a_glob_and_a_phrase_compile_together_as_alone():
    terms = [Term("当ては", prefix=True), Term("人間 の 安全", quoted=True), Term("守る"), Term("という")]
    _clear()
    index.compile_terms(terms, "ja")
    together = {t: index._TERM_CACHE["ja"][t] for t in terms}
    _clear()
    assert {t: index._compile_term(t, "ja") for t in terms} == together
    _clear()
