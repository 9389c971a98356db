"""Peak memory of coding an archive in chunks (hsqual.code_archive), at several archive sizes.

Writes archives of about 1, 10 and 100 MB of Japanese text (the bundled transcripts,
``transcripts/ja/``, repeated into files of about 200 KB each), codes each by sentence with the
four bundled codebooks in a fresh process with ``code_archive(..., chunk_size=1 MB)`` into a
Parquet file, and prints that process's peak resident memory (``ru_maxrss``). The same
measurement for a process that only loads hsqual, MeCab and the codebooks and codes one small
document is printed as the base. Streaming keeps memory flat: each size's peak is printed as
a ratio to the smallest archive's, which should lie within 0.9-1.1.

Usage::

    .venv/bin/python bench/bench_stream.py [--sizes 1 10 100] [--chunk-mb 1]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(folder: str, chunk_bytes: int, out: str) -> None:
    import resource

    import hsqual

    codebook = hsqual.load_codebooks(hsqual.bundled_codebooks())
    t = time.perf_counter()
    if folder == "-":  # the base: everything loaded, one small document coded
        corpus = hsqual.Corpus([hsqual.Document("d", "人間の安全保障は尊厳を守る。", {"language": "ja"})])
        summary = {"n_codings": len(hsqual.apply_codebook(corpus, codebook)), "n_documents": 1}
    else:
        summary = hsqual.code_archive(folder, codebook, out=out, unit="sentence", chunk_size=chunk_bytes,
                                      progress=False)
    seconds = time.perf_counter() - t
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    print(json.dumps({"peak_mb": peak_kb / 1024, "seconds": seconds, "n_codings": summary["n_codings"],
                      "n_documents": summary["n_documents"]}))


def _archive(folder: Path, mb: float, texts: list[str]) -> int:
    """Files of about 200 KB of the texts, up to ``mb`` MB in all; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    target = int(mb * 1_000_000)
    written = i = 0
    while written < target:
        body, size = [], 0
        while size < 200_000 and written + size < target:
            t = texts[(i + len(body)) % len(texts)]
            body.append(t)
            size += len(t.encode("utf-8"))
        text = f"---\nid: doc{i:05d}\nlanguage: ja\n---\n" + "\n\n".join(body) + "\n"
        (folder / f"doc{i:05d}.md").write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))
        i += 1
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1, 10, 100], help="archive sizes in MB")
    ap.add_argument("--chunk-mb", type=float, default=1.0, help="chunk size of code_archive in MB (default 1)")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]), args.child[2])
        return 0

    from hsqual.resources import bundled_path
    from hsqual.transcripts import load_corpus

    texts = [d.text for d in load_corpus(bundled_path("transcripts") / "ja", unit="document").documents]
    chunk = int(args.chunk_mb * 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="hsqual-bench-stream-"))
    try:
        def run(folder: str) -> dict:
            cmd = [sys.executable, __file__, "--child", folder, str(chunk), str(work / "codings.parquet")]
            done = subprocess.run(cmd, capture_output=True, text=True, check=True)
            return json.loads(done.stdout.strip().splitlines()[-1])

        base = run("-")
        print(f"chunk_size: {chunk:,} bytes; base (hsqual, MeCab, codebooks loaded, one document coded): "
              f"{base['peak_mb']:.0f} MB peak")
        print(f"{'archive':>10}{'files':>7}{'documents':>11}{'codings':>10}{'seconds':>9}{'peak MB':>9}"
              f"{'ratio':>7}")
        first = None
        for mb in args.sizes:
            folder = work / f"archive_{mb:g}MB"
            size = _archive(folder, mb, texts)
            r = run(str(folder))
            first = first or r["peak_mb"]
            n_files = len(list(folder.iterdir()))
            print(f"{size / 1e6:>8.1f}MB{n_files:>7}{r['n_documents']:>11,}{r['n_codings']:>10,}"
                  f"{r['seconds']:>9.1f}{r['peak_mb']:>9.0f}{r['peak_mb'] / first:>7.2f}")
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
