"""Japanese tokenising speed: MeCab's raw parse against hsqual's paths, in one run.

The bundled Japanese transcripts are repeated to about 1 MB of text and tokenised by

* ``raw parse``: fugashi's ``Tagger().parse(line)`` (UniDic's default string output), line by
  line — MeCab's own speed, the ceiling;
* ``raw parse, hsqual format``: the same with the node format hsqual's tagger uses;
* ``tokenize_ids``: the rule engine's path (one vocabulary id per token, offsets as arrays);
* ``tokenize_arrays``: hsqual's lists (parallel lists with offsets, lemmas, sentence ids);
* ``tokenize_arrays(sentences=False)``: the same without sentence ids;
* ``tokenize``: the fast path plus one ``Token`` per token;
* ``per-node``: one fugashi node per token, reading ``feature.lemma`` etc. (the naive path).

Each is timed three times and the best time kept. Prints characters per second and each
path's ratio to the raw parse; asserts nothing.

Run: ``python bench/bench_tokenize.py [TARGET_CHARS]``
"""

from __future__ import annotations

import importlib.metadata
import sys
import timeit

import fugashi

from hsqual.resources import bundled_path
from hsqual.tokens import _get_tagger, _ja_nodes, _pieces, tokenize, tokenize_arrays, tokenize_ids
from hsqual.transcripts import load_corpus


def best_of(fn, repeat=3):
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def main(target: int = 1_000_000) -> None:
    corpus = load_corpus(bundled_path("transcripts") / "ja", unit="document")
    base = "\n\n".join(d.text for d in corpus.documents)
    text = "\n\n".join([base] * (target // len(base) + 1))
    lines = [p for _, p in _pieces(text)]
    raw = fugashi.Tagger()
    ours = _get_tagger()
    tokenize_arrays(text[:5000], language="ja")  # warm up
    runs = {
        "raw parse": lambda: [raw.parse(line) for line in lines],
        "raw parse, hsqual format": lambda: [ours.parse(line) for line in lines],
        "tokenize_ids (rule engine)": lambda: tokenize_ids(text),
        "tokenize_arrays": lambda: tokenize_arrays(text, language="ja"),
        "tokenize_arrays(sentences=False)": lambda: tokenize_arrays(text, language="ja", sentences=False),
        "tokenize (Token objects)": lambda: tokenize(text, language="ja"),
        "per-node (fugashi nodes)": lambda: _ja_nodes(text),
    }
    times = {name: best_of(fn) for name, fn in runs.items()}
    n_tokens = len(tokenize_arrays(text, language="ja", sentences=False))
    print(f"text: {len(text):,} characters, {n_tokens:,} tokens, {len(lines):,} lines; "
          f"fugashi {importlib.metadata.version('fugashi')}, best of 3")
    ref = times["raw parse"]
    for name, t in times.items():
        print(f"{name:34s} {len(text) / t:12,.0f} chars/s   {t:7.3f} s   ratio to raw parse {ref / t:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
