"""Coding throughput against raw MeCab parsing, measured in one run.

Applies the bundled codebooks to the bundled Japanese transcripts (``transcripts/ja/``; when
absent, the Japanese source texts named on the command line) repeated to about 500 KB, sentence
by sentence, and times fugashi's raw ``Tagger.parse`` on the same text in the same run. Prints
characters per second for each and their ratio (coding throughput / raw parse).

Usage::

    .venv/bin/python bench/bench_apply.py [--kb 500] [--repeat 3] [TEXT_FILE ...]
"""

from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path


def _texts(paths: list[str]) -> list[tuple[str, str]]:
    from hsqual.resources import bundled_path
    from hsqual.textio import read_text

    if paths:
        return [(Path(p).stem, read_text(p)) for p in paths]
    ja = bundled_path("transcripts") / "ja"
    if ja.is_dir():
        from hsqual.transcripts import load_corpus

        corpus = load_corpus(ja, unit="document")
        return [(d.doc_id, d.text) for d in corpus.documents if d.language == "ja"]
    seeds = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    files = [seeds / n for n in ("000_31a3e1c2a5eacb0a.txt", "001_74243e8895363746.txt", "002_ea450387ee99ea53.txt")]
    files = [f for f in files if f.is_file()]
    if not files:
        sys.exit("no Japanese texts: give text files on the command line")
    return [(f.stem, read_text(f)) for f in files]


def _best(fn, repeat: int) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=500, help="corpus size to build, in KB of text (default 500)")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of each step; the best is kept")
    ap.add_argument("texts", nargs="*", help="Japanese text files (default: transcripts/ja/)")
    args = ap.parse_args(argv)

    import fugashi

    from hsqual.apply import apply_codebook
    from hsqual.codebook import load_codebooks
    from hsqual.corpus import Corpus, Document
    from hsqual.resources import bundled_codebooks
    from hsqual.rules import DocIndex, JoinedIndex, Term
    from hsqual.segment import split_sentences
    from hsqual.tokens import tokenize_arrays

    base = _texts(args.texts)
    size = sum(len(t) for _, t in base)
    copies = max(1, round(args.kb * 1000 / max(size, 1)))
    docs = [Document(f"{name}#{i + 1}", text, {"language": "ja"}) for i in range(copies) for name, text in base]
    corpus = Corpus(docs)
    n_chars = sum(len(d.text) for d in docs)
    books = bundled_codebooks()
    codebook = load_codebooks(books)
    n_rules = sum(len(c.rules.get("ja", ())) for c in codebook.codes)
    print(f"texts: {', '.join(n for n, _ in base)} x {copies} = {len(docs)} documents, {n_chars:,} characters")
    print(f"codebooks: {', '.join(p.name for p in books)}: {len(codebook)} codes, {n_rules} Japanese rules")

    tagger = fugashi.Tagger()
    texts = [d.text for d in docs]
    tagger.parse(texts[0])  # load the dictionary before timing

    def raw():
        for t in texts:
            tagger.parse(t)

    def tokens():
        for t in texts:
            tokenize_arrays(t, language="ja", sentences=False)

    probe = Term("保護")

    def index():
        for t in texts:
            DocIndex(t, "ja").hits(probe)  # builds the word lookup table

    def joined():
        JoinedIndex(texts, "ja").hits(probe)  # every document in one index, as apply_codebook builds it

    def sentences():
        for t in texts:
            split_sentences(t, language="ja")

    result = {}

    def code():
        result["df"] = apply_codebook(corpus, codebook, unit="sentence")

    # round by round, so that load from elsewhere on the machine hits every step alike
    steps = [raw, tokens, index, joined, sentences, code]
    best = [float("inf")] * len(steps)
    for _ in range(args.repeat):
        for i, fn in enumerate(steps):
            best[i] = min(best[i], _best(fn, 1))
    t_raw, t_tok, t_index, t_joined, t_sent, t_code = best
    df = result["df"]

    def rate(t):
        return n_chars / t

    print(f"{'step':<46}{'seconds':>9}{'chars/s':>13}")
    rows = [
        ("fugashi Tagger.parse (raw MeCab)", t_raw),
        ("hsqual.tokenize_arrays (tokens + offsets)", t_tok),
        ("DocIndex (tokens + word lookup tables)", t_index),
        ("JoinedIndex (the same, all documents at once)", t_joined),
        ("split_sentences", t_sent),
        ("apply_codebook, unit=sentence (all of it)", t_code),
    ]
    for label, t in rows:
        print(f"{label:<46}{t:>9.3f}{rate(t):>13,.0f}")
    print(f"units: {df.attrs['n_units']:,} sentences, codings: {len(df):,}")
    print(f"ratio coding throughput / raw parse: {t_raw / t_code:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
