"""``hsqual site``: a static site of a coded project (codes, documents, co-occurrence).

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["--corpus", "interviews/", "--codings", "codings.csv", "--codebook", "codebooks/",
...                      "--out", "site"])
>>> args.corpus, args.codebook, args.out, args.unit
(['interviews/'], ['codebooks/'], 'site', 'segment')
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .inputs import add_inputs, load_inputs

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  hsqual site --corpus interviews/ --codings codings.csv --codebook codebooks/ --out site/
  hsqual site --corpus transcripts/ja/ --codings codings_rules.csv --codebook codebooks/ \\
      --lang ja --title "日本語文書" --out site_ja/

Open site/index.html in a browser. The folder holds plain files with relative links: zip it and
send it, no server is needed. It is written whole into a temporary folder and moved into place;
an existing --out folder is replaced only if hsqual wrote it.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``site`` subcommand."""
    from ..cooccur import PASSAGE_UNITS

    p = subparsers.add_parser(
        "site",
        help="write a static site to read the coded documents, codes and co-occurrences in a browser",
        description=("Write a static site of a coded project: an index of codes with counts, a page per code "
                     "with its passages in context, a page per document with every coding highlighted, and a "
                     "co-occurrence matrix whose cells link to the passages where both codes meet."),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, corpus="required", codings="required", codebook="optional",
               codebook_help="labels, colours, definitions")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="the folder to write")
    p.add_argument("--title", default="Coded documents", help="the site's title")
    p.add_argument("--lang", choices=("en", "ja"), default="en", help="language of code labels (default: en)")
    p.add_argument("--unit", choices=PASSAGE_UNITS, default="segment",
                   help="what 'together' means in the co-occurrence matrix (default: segment)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``hsqual site``; returns the exit status."""
    from ..site import write_site

    codebook, corpus, codings = load_inputs(args)
    assert corpus is not None and codings is not None  # both are required arguments
    index = write_site(codings, corpus, codebook, Path(args.out), title=args.title, lang=args.lang, unit=args.unit)
    n = sum(1 for _ in index.parent.rglob("*.html"))
    print(f"hsqual site: wrote {n} pages to {index.parent.resolve()}; open {index.resolve()}")
    return 0
