"""Exchange and reading speed, as ratios measured in one run.

* read_text on a 100 MB single line (UTF-8 and CP932) against a bare ``bytes.decode``;
* REFI-QDA export and import of a 200-document project with 5,000 codings, per coding.

Run: .venv/bin/python bench/bench_exchange.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from hsqual.codebook import Code, Codebook
from hsqual.codings import codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.refiqda import export_qdpx, import_qdpx
from hsqual.textio import read_text


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    d = Path(tempfile.mkdtemp())
    for enc, unit in (("utf-8", "freedom from fear and want, "), ("cp932", "人間の安全保障、")):
        line = unit * (100_000_000 // len(unit.encode(enc)))
        p = d / f"big_{enc}.txt"
        p.write_bytes(line.encode(enc))
        raw, _ = timed(lambda: p.read_bytes().decode(enc))
        ours, text = timed(lambda: read_text(p))
        assert text == line
        print(f"read_text 100 MB single line ({enc}): {ours:.2f} s, {ours / raw:.1f}x a bare decode")
        p.unlink()
    text = ("聞き手：人間の安全保障とは？\r\n岡田：尊厳をもって生きる自由です🙂。𠮷野家。\r\n" * 40)
    docs = [Document(f"int{i:03d}", text, {"interviewee": i % 10, "sector": "NGO"}) for i in range(200)]
    cb = Codebook("demo", [Code(id=f"c{i}", label={"en": f"C{i}"}, codebook="demo") for i in range(20)],
                  title={"en": "Demo"})
    rows = []
    for i in range(5000):
        s = (i * 37) % (len(text) - 20)
        rows.append({"doc_id": f"int{i % 200:03d}", "segment_id": 1, "code": f"c{i % 20}", "start": s, "end": s + 12,
                     "quote": text[s:s + 12], "coder": "kurusu2015"})
    codings = codings_frame(rows)
    corpus = Corpus(docs)
    t_exp, path = timed(lambda: export_qdpx(codings, corpus, cb, d / "p.qdpx"))
    t_imp, (c2, k2, _) = timed(lambda: import_qdpx(path))
    assert len(k2) == 5000 and k2.attrs["refiqda"]["offsets"] == "codepoints"
    print(f"export_qdpx: {t_exp:.2f} s for 5000 codings ({t_exp / 5000 * 1e6:.0f} us a coding); "
          f"import_qdpx (with offset detection): {t_imp:.2f} s ({t_imp / t_exp:.1f}x the export)")


if __name__ == "__main__":
    main()
