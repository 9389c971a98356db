"""The rule engine's speed and memory as ratios, all measured in one run.

For each corpus size (1 and 10 MB of text; 100 MB with ``--big``), every step runs in a
fresh process, so that its peak memory is its own and the cached re-run reads the token
cache from disk as a later session would:

* Japanese: the bundled Japanese transcripts repeated (each copy made distinct, so nothing is
  cached by accident) -- fugashi's raw ``Tagger.parse`` of every document, then
  ``apply_codebook(unit="sentence")`` with the bundled codebooks on an empty token cache, then
  the same call again in a new process (the tokens read from the disk cache), then a second
  call in one process, as a session codes a corpus again after a rule edit (the tokens in memory).
* English: the bundled English interviews repeated -- a plain regex pass (``\\w+`` over every
  document), then ``apply_codebook(unit="sentence")``.

Printed: seconds, peak RSS above the process's baseline after loading the corpus, bytes of
RAM per byte (UTF-8) of text, and the ratios: Japanese coding throughput / raw parse, English
coding time / regex pass, and cached re-run throughput / raw parse (in a new process, and in
the same process). The machine may be shared: compare ratios within one run only.

Usage::

    .venv/bin/python bench/bench_engine.py [--sizes 1,10] [--big] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time


def _corpus(lang: str, mb: float):
    from hsqual.corpus import Corpus, Document
    from hsqual.resources import bundled_path
    from hsqual.transcripts import load_corpus

    folder = bundled_path("transcripts") / ("ja" if lang == "ja" else "interviews")
    base = [d for d in load_corpus(folder, unit="document").documents if d.language == lang]
    target = int(mb * 1_000_000)
    docs, size, i = [], 0, 0
    while size < target:
        d = base[i % len(base)]
        head = f"第{i + 1}部\n" if lang == "ja" else f"Part {i + 1}\n"
        text = head + d.text
        docs.append(Document(f"{d.doc_id}#{i + 1}", text, {"language": lang}))
        size += len(text.encode("utf-8"))
        i += 1
    return Corpus(docs), size


def _rss() -> int:
    """Peak resident set size of this process so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _current_rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return _rss()


def child(step: str, mb: float) -> None:
    lang = "ja" if step.endswith("_ja") else "en"
    corpus, nbytes = _corpus(lang, mb)
    texts = [d.text for d in corpus.documents]
    if step == "raw_ja":
        import fugashi

        tagger = fugashi.Tagger()
        tagger.parse("人間の安全保障")

        def run():
            for t in texts:
                tagger.parse(t)
    elif step == "regex_en":
        word = re.compile(r"\w+")

        def run():
            for t in texts:
                word.findall(t)
    else:
        from hsqual.apply import apply_codebook
        from hsqual.codebook import load_codebooks
        from hsqual.resources import bundled_codebooks

        codebook = load_codebooks(bundled_codebooks())
        apply_codebook(corpus.subset([corpus.documents[0].doc_id]), codebook, unit="sentence")  # warm the rules
        if step == "again_ja":  # the same session codes the corpus a second time (tokens in memory)
            apply_codebook(corpus, codebook, unit="sentence")

        def run():
            apply_codebook(corpus, codebook, unit="sentence")
    base = _current_rss()
    t0 = time.perf_counter()
    run()
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak": max(_rss() - base, 0), "bytes": nbytes}))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,10", help="corpus sizes in MB, comma-separated (default 1,10)")
    ap.add_argument("--big", action="store_true", help="also 100 MB")
    ap.add_argument("--repeat", type=int, default=2, help="rounds of every step; the fastest is kept (default 2)")
    ap.add_argument("--child", nargs=2, metavar=("STEP", "MB"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child[0], float(args.child[1]))
        return 0
    sizes = [float(s) for s in args.sizes.split(",")] + ([100.0] if args.big else [])
    steps = (("raw_ja", "ja: fugashi Tagger.parse"), ("code_ja", "ja: apply_codebook, empty cache"),
             ("cached_ja", "ja: apply_codebook, cached tokens"), ("again_ja", "ja: second run, same process"),
             ("regex_en", "en: regex pass (\\w+)"),
             ("code_en", "en: apply_codebook"))
    print(f"{args.repeat} rounds of every step, round by round; the fastest of each step is kept")
    print(f"{'MB':>5} {'step':<34}{'seconds':>9}{'MB/s':>8}{'peak MB':>9}{'RAM/text':>9}")
    for mb in sizes:
        got: dict[str, dict] = {}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="hsqual-bench-cache-") as cache:  # empty for code_ja
                env = {**os.environ, "HSQUAL_CACHE_DIR": cache}
                for step, _label in steps:
                    out = subprocess.run([sys.executable, __file__, "--child", step, str(mb)], env=env,
                                         capture_output=True, text=True)
                    if out.returncode:
                        sys.stderr.write(out.stderr)
                        return 1
                    r = json.loads(out.stdout.strip().splitlines()[-1])
                    best = got.setdefault(step, r)
                    best["seconds"] = min(best["seconds"], r["seconds"])
                    best["peak"] = max(best["peak"], r["peak"])
        for step, label in steps:
            r = got[step]
            print(f"{mb:>5g} {label:<34}{r['seconds']:>9.2f}{r['bytes'] / r['seconds'] / 1e6:>8.2f}"
                  f"{r['peak'] / 1e6:>9.1f}{r['peak'] / r['bytes']:>9.1f}")
        raw, cold, warm = got["raw_ja"]["seconds"], got["code_ja"]["seconds"], got["cached_ja"]["seconds"]
        print(f"{mb:>5g} ratio ja coding throughput / raw parse:        {raw / cold:.2f}")
        print(f"{mb:>5g} ratio ja cached re-run throughput / raw parse: {raw / warm:.2f}")
        print(f"{mb:>5g} ratio ja same-process re-run throughput / raw parse: {raw / got['again_ja']['seconds']:.2f}")
        print(f"{mb:>5g} ratio en coding time / regex pass:             "
              f"{got['code_en']['seconds'] / got['regex_en']['seconds']:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
