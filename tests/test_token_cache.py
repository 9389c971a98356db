"""The token cache: a text is analysed once; later runs read its tokens from memory or disk."""

import numpy as np
import pytest

import hsqual.tokens
from hsqual.apply import apply_codebook
from hsqual.codebook import load_codebooks
from hsqual.resources import bundled_codebooks, bundled_path
from hsqual.rules import index as ix
from hsqual.transcripts import load_corpus

TEXT = "人間の安全保障は、恐怖と欠乏からの自由を求める。紛争地では暴力への恐怖が続く。"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HSQUAL_CACHE_DIR", str(tmp_path / "cache"))
    ix._MEMORY.clear()
    ix._ARRAYS.clear()
    yield tmp_path / "cache"
    ix._MEMORY.clear()
    ix._ARRAYS.clear()


def _no_tokenizer(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the text was analysed again")
    monkeypatch.setattr(hsqual.tokens, "tokenize_arrays", refuse)
    monkeypatch.setattr(hsqual.tokens, "tokenize_ids", refuse)


def _columns(a):
    return [list(a.surfaces), list(a.lemmas), list(a.bases), list(a.pos), list(a.pos2), list(a.starts), list(a.ends)]


def test_a_text_is_analysed_once_then_read_from_memory_and_disk(cache, monkeypatch):
    want = hsqual.tokens.tokenize_arrays(TEXT, language="ja", sentences=False)
    first = ix.token_arrays(TEXT, "ja")
    entries = list(cache.rglob("*.tok"))
    assert len(entries) == 1 and entries[0].stem == ix.cache_key(TEXT, "ja")
    assert not list(cache.rglob("*.tmp"))
    _no_tokenizer(monkeypatch)
    assert _columns(ix.token_arrays(TEXT, "ja")) == _columns(first) == _columns(want)  # memory
    ix._MEMORY.clear()
    assert _columns(ix.token_arrays(TEXT, "ja")) == _columns(want)  # disk, as a later process reads it


def test_a_corrupt_entry_is_ignored_and_rewritten(cache):
    want = _columns(ix.token_arrays(TEXT, "ja"))
    entry = next(cache.rglob("*.tok"))
    whole = entry.read_bytes()
    for garbage in (b"", b"PK\x03\x04 not an entry", whole[:50], whole[:-3], whole + b"\0",
                    whole.replace(b'"uint8"', b'"int16"', 1)):  # a type entries never hold
        entry.write_bytes(garbage)
        assert ix._read_entry(entry) is None
        ix._MEMORY.clear()
        assert _columns(ix.token_arrays(TEXT, "ja")) == want
        packed = ix._read_entry(entry)  # written again, whole
        assert packed is not None and packed["codes"].shape == (len(want[0]),)


def test_an_entry_that_does_not_fit_its_text_is_not_used(cache):
    want = _columns(ix.token_arrays(TEXT, "ja"))
    entry = next(cache.rglob("*.tok"))
    packed = ix._read_entry(entry)
    packed["gaps"] = packed["gaps"] + 200  # tokens beyond the text's end
    ix._write_entry(entry, packed)
    assert ix._read_entry(entry)["gaps"].tolist() == packed["gaps"].tolist()
    ix._MEMORY.clear()
    assert _columns(ix.token_arrays(TEXT, "ja")) == want


def test_an_entry_whose_offsets_wrap_around_is_not_used(cache):
    """Gaps and lengths of a damaged entry (int64: a type entries may hold) that add up past
    2**63 wrap around to offsets that look in range; the entry is refused, not read as
    tokens at negative or huge offsets."""
    want = _columns(ix.token_arrays(TEXT, "ja"))
    entry = next(cache.rglob("*.tok"))
    packed = dict(ix._read_entry(entry))
    n = len(packed["codes"])
    gaps = np.zeros(n, dtype=np.int64)
    gaps[:2] = 2**63 - 1  # 2**64 - 2 in all: the running end wraps back to -2, then on from there
    lengths = np.ones(n, dtype=np.int64)
    lengths[:2] = 0
    packed["gaps"], packed["lengths"] = gaps, lengths
    ends = np.cumsum(gaps + lengths)
    assert 0 <= int(ends[-1]) <= len(TEXT) and int(ends[1]) < 0  # what the wrap-around looks like
    assert ix._unpack(packed, TEXT) is None
    ix._write_entry(entry, packed)
    ix._MEMORY.clear()
    assert _columns(ix.token_arrays(TEXT, "ja")) == want


def test_the_key_follows_the_text_the_language_and_the_dictionary(monkeypatch):
    key = ix.cache_key(TEXT, "ja")
    assert key != ix.cache_key(TEXT + "。", "ja") and key != ix.cache_key(TEXT, "en")
    monkeypatch.setattr(ix, "_DICTIONARY", "unidic-lite=0.0 fugashi=0.0")
    assert ix.cache_key(TEXT, "ja") != key


def test_the_disk_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("HSQUAL_CACHE_DIR", "off")
    ix._MEMORY.clear()
    assert ix.cache_dir() is None
    assert ix.token_arrays(TEXT, "ja").surfaces[:2] == ["人間", "の"]
    assert ix._MEMORY  # still remembered in this process


def test_a_second_apply_codebook_reads_the_cache_and_codes_the_same(cache, monkeypatch):
    corpus = load_corpus(bundled_path("transcripts") / "ja")
    cb = load_codebooks(bundled_codebooks())
    first = apply_codebook(corpus, cb, unit="sentence")
    assert len(list(cache.rglob("*.tok"))) >= len(corpus.documents)
    ix._MEMORY.clear()
    _no_tokenizer(monkeypatch)
    again = apply_codebook(corpus, cb, unit="sentence")
    assert len(first) > 10
    assert again.drop(columns=["coded_at"], errors="ignore").equals(first.drop(columns=["coded_at"], errors="ignore"))


def test_an_index_built_from_cached_ids_equals_one_built_from_strings(cache):
    """Cached tokens are ids of the process's vocabulary; the word lookup tables built from
    them (keys worked out once per vocabulary entry) are those built from the token strings,
    after a round trip through the disk too."""
    from hsqual.rules import DocIndex, JoinedIndex
    from hsqual.tokens import TokenIds

    texts = [TEXT, "", "ｺﾐｭﾆﾃｨの保護。コミュニティー", "データの保護", "テ\u3099ータとＧ７、①"]
    ix.token_arrays(texts[-1], "ja")
    ix._MEMORY.clear()  # the last text read back from disk
    cached = [ix.token_arrays(t, "ja") for t in texts]
    assert all(isinstance(c, TokenIds) for c in cached)
    plain = [hsqual.tokens.tokenize_arrays(t, language="ja", sentences=False) for t in texts]
    assert [_columns(c) for c in cached] == [_columns(p) for p in plain]
    for text, c, p in zip(texts, cached, plain):
        a, b = DocIndex(text, "ja", c), DocIndex(text, "ja", p)
        assert a.word_no.tolist() == b.word_no.tolist() and a.pos == b.pos
        for name in ("word", "surface", "lemma", "base"):
            assert a._group(name).lists == b._group(name).lists
            assert a._group(name).lists or not text  # not an empty comparison
    joined = JoinedIndex(texts, "ja")
    for name in ("word", "surface", "lemma", "base"):
        want: dict = {}
        for k, (text, base) in enumerate(zip(texts, joined.bases)):
            offset = sum(len(p) for p in plain[:k])
            for key, positions in DocIndex(text, "ja", plain[k])._group(name).lists.items():
                want.setdefault(key, []).extend(q + offset for q in positions)
        assert joined._group(name).lists == want


def test_an_entry_is_written_again_after_the_cache_folder_was_removed(cache):
    import shutil

    want = _columns(ix.token_arrays(TEXT, "ja"))
    assert len(list(cache.rglob("*.tok"))) == 1
    shutil.rmtree(cache)
    ix._MEMORY.clear()
    assert _columns(ix.token_arrays(TEXT, "ja")) == want
    entries = list(cache.rglob("*.tok"))
    assert len(entries) == 1 and not list(cache.rglob("*.tmp"))
    assert ix._read_entry(entries[0])["codes"].shape == (len(want[0]),)


def test_the_sentences_of_a_document_are_split_once_then_read_back(cache, monkeypatch):
    """apply_codebook's units (sentences of each segment) are kept like tokens: a later run
    reads them instead of splitting again; an entry that does not fit its segments is split
    again; the splitting code is part of the key."""
    import hsqual.apply as A
    import hsqual.segment

    corpus = load_corpus(bundled_path("transcripts") / "ja")
    doc = corpus.documents[0]
    segs = corpus.segments_of(doc.doc_id)
    first = A.units_of(corpus, doc, "sentence", "ja", segs)
    want = [(a, b) for s in segs for a, b in hsqual.segment.units_of_segment(s, "sentence", language="ja")]
    assert list(zip(first.starts, first.ends)) == want and len(want) > 20
    entries = list(cache.rglob("*.arr"))
    assert len(entries) == 1
    ix._ARRAYS.clear()

    def refuse(*args, **kwargs):
        raise AssertionError("split again")

    with monkeypatch.context() as m:
        m.setattr(A, "units_of_segment", refuse)
        again = A.units_of(corpus, doc, "sentence", "ja", segs)
    assert again == first
    # an entry whose units lie outside their segments is not used
    packed = ix._read_entry(entries[0])
    ix._write_entry(entries[0], dict(packed, ends=packed["ends"] + 10_000))
    ix._ARRAYS.clear()
    assert A.units_of(corpus, doc, "sentence", "ja", segs) == first
    assert ix._read_entry(entries[0])["ends"].tolist() == packed["ends"].tolist()  # written again
    # another splitter: another key
    ix._ARRAYS.clear()
    monkeypatch.setattr(A, "_SPLITTER", "another splitter")
    A.units_of(corpus, doc, "sentence", "ja", segs)
    assert len(list(cache.rglob("*.arr"))) == 2


def test_coding_writes_its_entries_and_leaves_no_thread(cache):
    """When apply_codebook returns, every new entry (tokens and sentences of each document)
    is on disk, whole, no temporary file is left and no thread either (hsqual.parallel forks
    its workers only from a process with one thread)."""
    import threading

    from hsqual.corpus import Corpus, Document

    corpus = Corpus([Document(f"d{i}", f"第{i}部。" + TEXT, {"language": "ja"}) for i in range(5)])
    threads = threading.active_count()
    df = apply_codebook(corpus, load_codebooks(bundled_codebooks()), unit="sentence")
    assert len(df) > 0
    assert threading.active_count() == threads
    assert len(list(cache.rglob("*.tok"))) == 5 and len(list(cache.rglob("*.arr"))) == 5
    assert not list(cache.rglob("*.tmp"))
    ix._MEMORY.clear()
    ix._ARRAYS.clear()
    for d in corpus.documents:  # each entry whole: read back as the text's tokens
        key = ix.cache_key(d.text, "ja")
        packed = ix._read_entry(cache / key[:2] / (key + ".tok"))
        assert packed is not None and ix._unpack(packed, d.text) is not None


def test_an_entry_keeps_about_four_bytes_a_token_and_gives_back_every_offset(cache):
    """Numbers of lines, gaps and lengths in the narrowest unsigned types: an entry of a long
    text takes about 4 bytes a token (12 as int32 lines and offsets), and reads back to the
    same ids and offsets; wider values take wider types."""
    text = "\n\n".join(d.text for d in load_corpus(bundled_path("transcripts") / "ja").documents)
    first = ix.token_arrays(text, "ja")
    key = ix.cache_key(text, "ja")
    packed = ix._read_entry(cache / key[:2] / (key + ".tok"))
    assert len(first) > 5_000 and len(packed["lines"]) > 0
    # more than 255 distinct lines, none more than 255 characters before or long
    assert {k: str(v.dtype) for k, v in packed.items()} == {"lines": "uint8", "codes": "uint16", "gaps": "uint8",
                                                          "lengths": "uint8"}
    assert (packed["codes"].nbytes + packed["gaps"].nbytes + packed["lengths"].nbytes) == 4 * len(first)
    again = ix._unpack(packed, text)
    assert again.ids.tolist() == first.ids.tolist()
    assert again.starts.tolist() == first.starts.tolist() and again.ends.tolist() == first.ends.tolist()
    assert all(text[a:b] for a, b in zip(again.starts, again.ends))
    wide = ix._narrow(np.array([0, 300, 70_000]))
    assert str(wide.dtype) == "uint32" and wide.tolist() == [0, 300, 70_000]
    assert str(ix._narrow(np.array([2**33])).dtype) == "int64"


def test_entries_written_behind_are_the_entries_written_at_once(cache):
    """Within writing_behind a thread of its own writes the entries; when the block ends they
    are on disk, byte for byte what a write at once gives, and the thread has ended."""
    import threading

    texts = [f"第{i}部。" + TEXT for i in range(6)]
    for t in texts:
        ix.token_arrays(t, "ja")
    at_once = {p.name: p.read_bytes() for p in cache.rglob("*.tok")}
    assert len(at_once) == 6
    for p in cache.rglob("*.tok"):
        p.unlink()
    ix._MEMORY.clear()
    threads = threading.active_count()
    with ix.writing_behind():
        with ix.writing_behind():  # nested: the outer block's writer
            for t in texts[:3]:
                ix.token_arrays(t, "ja")
        assert threading.active_count() == threads + 1
        for t in texts[3:]:
            ix.token_arrays(t, "ja")
    assert threading.active_count() == threads
    assert {p.name: p.read_bytes() for p in cache.rglob("*.tok")} == at_once
    assert not list(cache.rglob("*.tmp"))


def test_an_error_met_while_writing_behind_reaches_the_caller(cache, monkeypatch):
    def broken(path, packed):
        raise RuntimeError(f"cannot write {path.name}")

    monkeypatch.setattr(ix, "_write_entry", broken)
    with pytest.raises(RuntimeError, match=r"cannot write .*\.tok"):
        with ix.writing_behind():
            got = ix.token_arrays(TEXT, "ja")
            assert got.surfaces[:2] == ["人間", "の"]  # the tokens are used all the same
    assert not list(cache.rglob("*.tok"))
