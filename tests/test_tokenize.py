"""Tokenising: offsets, UniDic fields, the fast path against the per-node path."""

from __future__ import annotations

import importlib
import sys
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hsqual
from hsqual.errors import ArgumentError, OptionError
from hsqual.resources import bundled_path
from hsqual.tokens import Token, TokenArrays, normalize_for_matching, tokenize, tokenize_arrays, tokenize_many
from hsqual.transcripts import load_corpus
from hsqual.vocab import vocabulary

T = sys.modules["hsqual.tokens"]
JA_CORPUS = load_corpus(bundled_path("transcripts") / "ja", unit="document")


def _fast(text):
    """The fast path (MeCab's formatted output, ids of the vocabulary) as lists."""
    return T._ja_ids(text).arrays()


def _nodes(text):
    """The reference path (one fugashi node per token) as lists."""
    return T._ja_nodes(text).arrays()


@pytest.mark.parametrize("doc_id", JA_CORPUS.doc_ids)
def test_every_token_of_the_bundled_texts_slices_back(doc_id):
    text = JA_CORPUS.doc(doc_id).text
    toks = tokenize(text, language="ja")
    assert len(toks) > 500
    prev = 0
    for t in toks:
        assert text[t.start:t.end] == t.surface and t.surface.strip() == t.surface and t.surface
        assert t.start >= prev
        prev = t.end
        assert t.lemma and t.base and t.pos


@pytest.mark.parametrize("doc_id", JA_CORPUS.doc_ids)
def test_fast_path_equals_the_per_node_path(doc_id):
    text = JA_CORPUS.doc(doc_id).text
    with T._LOCK:
        fast, nodes = _fast(text), _nodes(text)
    assert fast == nodes


def test_a_key_learnt_in_one_text_gives_the_analysis_of_every_other(monkeypatch):
    """The fast path reads MeCab's cheap key of each token (written form, context ids, cost)
    and learns its analysis once. Learnt from the other bundled texts only, the keys give
    each text exactly the tokens of the per-node path: a key means one analysis wherever it
    is met."""
    texts = [JA_CORPUS.doc(d).text for d in JA_CORPUS.doc_ids]
    assert len(texts) >= 3
    for i, text in enumerate(texts):
        with T._LOCK:
            monkeypatch.setattr(T, "_KEYS", {})
            for other in texts[:i] + texts[i + 1:]:
                T._ja_ids(other)
            learnt = dict(T._KEYS)
            keys = [k for _, piece in T._pieces(normalize_for_matching(text))
                    for k in T._get_key_tagger().parse(piece).split("\n")]
            assert sum(k in learnt for k in keys) > 0.7 * len(keys)  # most tokens' keys were met elsewhere
            assert T._ja_ids(text).arrays() == _nodes(text)


def test_when_the_two_taggers_split_a_text_apart_the_per_node_path_gives_its_tokens(monkeypatch):
    text = "人間の安全保障は恐怖からの自由を守る。"
    with T._LOCK:
        expected = _nodes(text)
        real = T._get_tagger()

        class Dropping:  # an analysing tagger whose output lost a token
            def parse(self, piece):
                return "\n".join(real.parse(piece).split("\n")[1:])

            def __call__(self, piece):
                return real(piece)

        monkeypatch.setattr(T, "_KEYS", {})
        monkeypatch.setattr(T, "_get_tagger", lambda: Dropping())
        keys = T._get_key_tagger().parse(text)
        lines = keys.split("\n")
        assert T._learn_keys([text], [keys], lines, np.full(len(lines), -1, dtype=np.int32)) is None
        assert T._ja_ids(text).arrays() == expected


def test_fast_path_equals_per_node_path_on_raw_pdf_text():
    raw = ("\n \n今、日本に求められる外交力とは \n\n①\nＧ\nＨ\nＡ\n\u3000インド太平洋（FOIP）の 4 月 3 日\r\n"
           "ｶﾀｶﾅ と ＡＢＣ、シリーズ-series\t x\x00y ㈱ Ⅱ")
    with T._LOCK:
        assert _fast(raw) == _nodes(raw)


def test_the_per_node_path_gives_the_fast_paths_vocabulary_entries():
    """MeCab's formatted output writes nothing for a field that is ``*`` (全's pos2, a
    conjunction's): the per-node path writes its line the same way, so both paths give one
    vocabulary entry, not two entries of one analysis."""
    text = "全！で\x1eで、た。"
    with T._LOCK:
        fast, nodes = T._ja_ids(text), T._ja_nodes(text)
    vocab = vocabulary()
    assert "全\t全\t全\t\t接頭辞" in [vocab.lines[i] for i in fast.ids.tolist()]
    assert [vocab.lines[i] for i in nodes.ids.tolist()] == [vocab.lines[i] for i in fast.ids.tolist()]
    assert nodes.ids.tolist() == fast.ids.tolist()


def test_a_lone_surrogate_is_a_token_of_its_own_and_offsets_survive_it():
    """A lone surrogate (half of a pair lost on the way, '\\ud83d' in JSON) has no UTF-8 form
    for MeCab: MeCab is given U+FFFD in its place, and the token is the text as it is."""
    text = "平和\ud800の安全\u3000保障\udc80。"
    toks = tokenize(text, language="ja")
    assert [t.surface for t in toks] == [text[t.start:t.end] for t in toks]
    assert "".join(t.surface for t in toks) == "".join(text.split())
    assert [t.surface for t in toks if t.surface in ("\ud800", "\udc80")] == ["\ud800", "\udc80"]
    assert {"平和", "安全", "保障"} <= {t.lemma for t in toks}
    with T._LOCK:
        assert _fast(text) == _nodes(text)


def test_unidic_fields():
    toks = tokenize("平和のためにシリーズを議論した。", language="ja")
    got = [(t.surface, t.lemma, t.base, t.pos, t.pos2) for t in toks]
    assert got == [
        ("平和", "平和", "平和", "名詞", "普通名詞"),
        ("の", "の", "の", "助詞", "格助詞"),
        ("ため", "為", "ため", "名詞", "普通名詞"),
        ("に", "に", "に", "助詞", "格助詞"),
        ("シリーズ", "シリーズ", "シリーズ", "名詞", "普通名詞"),
        ("を", "を", "を", "助詞", "格助詞"),
        ("議論", "議論", "議論", "名詞", "普通名詞"),
        ("し", "為る", "する", "動詞", "非自立可能"),
        ("た", "た", "た", "助動詞", ""),
        ("。", "。", "。", "補助記号", "句点"),
    ]


def test_unknown_words_and_fullwidth_normalised_for_matching_only():
    text = "ＧＨＡとXYZQ社"
    toks = tokenize(text, language="ja")
    assert [(t.surface, t.lemma, t.base, t.start, t.end) for t in toks][:2] == [
        ("ＧＨＡ", "GHA", "GHA", 0, 3), ("と", "と", "と", 3, 4)]
    assert ("XYZQ", "XYZQ") in [(t.surface, t.lemma) for t in toks]
    assert normalize_for_matching(text) == "GHAとXYZQ社" and len(normalize_for_matching(text)) == len(text)


def test_whitespace_is_never_a_token_and_offsets_survive_it():
    text = "\u3000人間\t\n の \r\n安全\u3000\u3000保障  "
    toks = tokenize(text, language="ja")
    assert [(t.surface, t.start) for t in toks] == [("人間", 1), ("の", 6), ("安全", 10), ("保障", 14)]


def test_nul_and_long_lines():
    text = "人間\x00安全" + "の安全保障" * 4000 + "。"
    toks = tokenize(text, language="ja")
    for t in toks:
        assert text[t.start:t.end] == t.surface
    assert "".join(t.surface for t in toks) == text.replace("\x00", "")


def test_sentence_ids():
    a = tokenize_arrays("恐怖からの自由。欠乏からの自由！\n\n尊厳", language="ja")
    assert list(zip(a.surfaces, a.sentences)) == [
        ("恐怖", 0), ("から", 0), ("の", 0), ("自由", 0), ("。", 0),
        ("欠乏", 1), ("から", 1), ("の", 1), ("自由", 1), ("！", 1), ("尊厳", 2)]
    b = tokenize_arrays("恐怖からの自由。欠乏", language="ja", sentences=False)
    assert set(b.sentences) == {0}


def test_english():
    text = "Human-security isn't new. Freedom from FEAR, e.g. violence!\r\nDignity"
    toks = tokenize(text, language="en")
    assert [(t.surface, t.lemma, t.start, t.sentence) for t in toks] == [
        ("Human-security", "human-security", 0, 0), ("isn't", "isn't", 15, 0), ("new", "new", 21, 0),
        ("Freedom", "freedom", 26, 1), ("from", "from", 34, 1), ("FEAR", "fear", 39, 1), ("e", "e", 45, 1),
        ("g", "g", 47, 1), ("violence", "violence", 50, 1), ("Dignity", "dignity", 61, 2)]
    assert all(t.pos == "" and t.base == t.lemma for t in toks)
    assert [t.lemma for t in tokenize("ＧＨＡ Ｆｒｅｅｄｏｍ", language="en")] == ["gha", "freedom"]


def test_arrays_and_tokens_agree():
    a = tokenize_arrays("人間の安全保障", language="ja")
    assert isinstance(a, TokenArrays) and len(a) == 4
    assert a.tokens() == [a[i] for i in range(len(a))] == tokenize("人間の安全保障", language="ja")
    assert isinstance(a[0], Token) and a[0]._fields == (
        "surface", "lemma", "base", "pos", "pos2", "start", "end", "sentence")


def test_tokenize_many_matches_one_by_one():
    texts = [JA_CORPUS.doc(d).text[:3000] for d in JA_CORPUS.doc_ids] + ["", "人間"]
    many = tokenize_many(texts, language="ja")
    assert many == [tokenize(t, language="ja") for t in texts]
    arrays = tokenize_many(texts, language="ja", arrays=True)
    assert [a.tokens() for a in arrays] == many


def test_threads_share_the_one_tagger():
    texts = [JA_CORPUS.doc(d).text for d in JA_CORPUS.doc_ids] * 3
    expected = [tokenize_arrays(t, language="ja") for t in texts]
    results = [None] * len(texts)

    def work(i):
        results[i] = tokenize_arrays(texts[i], language="ja")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(texts))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == expected
    assert T._get_tagger() is T._get_tagger()


def test_package_attribute_stays_callable_after_module_import():
    importlib.import_module("hsqual.tokens")
    assert hsqual.tokenize("人間", language="ja")[0].surface == "人間"


def test_a_hyphen_in_an_unknown_word_is_not_a_loanword_tail():
    """Only a UniDic lemma's English tail is stripped ("シリーズ-series"), never an unknown word's own hyphen."""
    for fast, nodes in ((_fast(t), _nodes(t)) for t in ("。-", "abc-def", "シリーズを見る", "）--")):
        assert fast == nodes
    assert _fast("。-").lemmas == ["。-"]
    assert _fast("）--").lemmas == _nodes("）--").lemmas == [")--"]  # normalised, hyphens kept
    assert _fast("シリーズ").lemmas == ["シリーズ"]


def test_arguments_checked():
    with pytest.raises(OptionError, match=r"\[E102\] tokenize: language='de' is not one of 'en', 'ja'"):
        tokenize("x", language="de")
    with pytest.raises(OptionError, match=r"\[E101\] tokenize: text must be a string, not None"):
        tokenize(None, language="ja")
    with pytest.raises(ArgumentError, match=r"texts\[1\] must be a str"):
        tokenize_many(["a", 1], language="en")
    with pytest.raises(OptionError, match=r"\[E102\] tokenize_many: language='de'"):
        tokenize_many(["a"], language="de")


_MIXED = st.text(alphabet=st.sampled_from(list(
    "人間の安全保障を守る。、「」ＧＨＡｶﾀｶﾅﾞﾟｶﾞ①㈱Ⅱ…（）ABCxyz12シリーズ-"  # letters that normalise and not
    " \t\n\r\u3000\u00a0\u2003\u2028\x0b\x1c\x85\x00")  # whitespace MeCab skips or leaves, line breaks, NUL
    + ["\u3099", "\u0301", "é", "\ufeff", "\u200b", "\U0001F600"]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_MIXED)
def test_fast_path_offsets_equal_the_per_node_path_on_mixed_text(text):
    # offsets come from token lengths when the tokens spell the text without its whitespace,
    # from a search otherwise; surfaces are re-read from the text only where normalising changed it
    with T._LOCK:
        fast, nodes = _fast(text), _nodes(text)
    assert fast == nodes
    assert all(text[a:b] == s for s, a, b in zip(fast.surfaces, fast.starts, fast.ends))


@pytest.mark.parametrize("variant", ["テ\u3099ータの保護", "テ゛ータの保護", "ﾃﾞｰﾀの保護", "テﾞータの保護"])
def test_decomposed_voiced_marks_tokenise_like_composed_text(variant):
    """Text extracted from a PDF with separated voiced marks gets the composed text's tokens,
    with offsets into the text as it arrived."""
    want = tokenize("データの保護", language="ja")
    got = tokenize(variant, language="ja")
    assert [t.lemma for t in got] == [t.lemma for t in want] == ["データ", "の", "保護"]
    assert [t.surface for t in got] == [variant[t.start:t.end] for t in got]
    assert got[0].surface == variant[:len(variant) - 3] and got[-1].end == len(variant)


def test_decomposed_accents_tokenise_like_composed_english():
    got = tokenize("cafe\u0301 society", language="en")
    assert [(t.surface, t.lemma, t.start, t.end) for t in got] == [("cafe\u0301", "café", 0, 5),
                                                                    ("society", "society", 6, 13)]


def test_a_mark_that_composes_with_nothing_stays():
    from hsqual.tokens import compose_marks

    assert compose_marks("A゛ and ゛") == ("A゛ and ゛", None, None)
    composed, starts, ends = compose_marks("ハ\u309aン")
    assert composed == "パン" and starts.tolist() == [0, 2] and ends.tolist() == [2, 3]
