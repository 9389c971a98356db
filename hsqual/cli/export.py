"""``hsqual export``: codebooks, corpora and codings to REFI-QDA, Markdown, HTML or XLSX.

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["--codebook", "codebooks/", "--to", "codebook.html", "--lang", "ja"])
>>> args.codebook, args.to, args.lang, args.force
(['codebooks/'], 'codebook.html', 'ja', False)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .inputs import add_inputs, load_inputs

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  hsqual export --codebook codebooks/ --to codebook.html            # for coder training
  hsqual export --codebook codebooks/three_freedoms.yaml --to freedoms.qdc
  hsqual export --codebook codebooks/ --corpus interviews/ --codings codings.csv \\
      --user kurusu2015="Kaoru Kurusu" --to study.qdpx           # open in NVivo, MAXQDA, ...
  hsqual export --codebook codebooks/ --codings codings.csv --to tables.xlsx

The format comes from the suffix of --to: .qdc (REFI-QDA codebook), .qdpx (REFI-QDA project:
needs --corpus; codings optional), .md or .html (a codebook document), .xlsx (a workbook with
the codebook, the codings and the documents, a sheet each).
An existing file is never replaced unless --force is given: it may be a project another tool
wrote, holding a person's codings.
"""

_SUFFIXES = (".qdc", ".qdpx", ".md", ".html", ".htm", ".xlsx")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="export codebooks, corpora and codings (REFI-QDA .qdc/.qdpx, .md, .html, .xlsx)",
        description="Write a codebook (and a corpus with its codings) in a format other tools read.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, codebook="required", corpus="optional", codings="optional")
    p.add_argument("--to", required=True, metavar="FILE", help=f"the file to write ({', '.join(_SUFFIXES)})")
    p.add_argument("--lang", choices=("en", "ja", "both"), default="both",
                   help="language of a codebook document (default: both)")
    p.add_argument("--user", action="append", default=[], metavar="CODER=NAME",
                   help="display name of a coder in a .qdpx (repeat for several)")
    p.add_argument("--force", action="store_true",
                   help="replace the --to file if it exists (default: refuse)")
    p.add_argument("--cases", default=None, metavar="COLUMN",
                   help="metadata column whose values are the cases in a .qdpx, e.g. interviewee "
                        "(default: no cases)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``hsqual export``; returns the exit status."""
    out = Path(args.to)
    suffix = out.suffix.lower()
    if suffix not in _SUFFIXES:
        print(f"hsqual export: error: cannot tell the format of {out} from its suffix; expected one of "
              f"{', '.join(_SUFFIXES)}", file=sys.stderr)
        return 2
    if out.is_dir():
        print(f"hsqual export: error: {out} is a folder; give a file name with --to", file=sys.stderr)
        return 2
    if out.exists() and not args.force:
        print(f"hsqual export: error: {out} exists; refusing to replace it (it may hold another tool's project "
              "or a person's codings): give --force to replace it, or write to another file with --to",
              file=sys.stderr)
        return 1
    from ..writers import check_output_path, staged_file

    check_output_path(out, suffixes=_SUFFIXES)  # a folder that can be written, before any work
    users = {}
    for item in args.user:
        coder, sep, name = item.partition("=")
        if not sep or not coder.strip():
            print(f"hsqual export: error: --user expects CODER=NAME, got {item!r}", file=sys.stderr)
            return 2
        users[coder.strip()] = name.strip()
    codebook, corpus, codings = load_inputs(args)
    assert codebook is not None  # --codebook is required
    if suffix == ".qdpx" and corpus is None:
        print("hsqual export: error: a .qdpx project needs the documents: give --corpus", file=sys.stderr)
        return 2
    # written beside --to and moved into place at the end; without --force, a file saved at
    # --to while the export ran is kept and nothing is written
    with staged_file(out, replace=bool(args.force)) as tmp:
        if suffix == ".qdc":
            from ..refiqda import export_qdc

            export_qdc(codebook, tmp)
            what = f"codebook {codebook.id!r} ({len(codebook)} codes)"
        elif suffix == ".qdpx":
            from ..codings import codings_frame
            from ..refiqda import export_qdpx

            codings = codings if codings is not None else codings_frame()
            assert corpus is not None  # a .qdpx needs --corpus: checked with the arguments
            export_qdpx(codings, corpus, codebook, tmp, users=users or None,
                        cases=None if args.cases in (None, "none") else args.cases)
            what = f"{len(corpus)} documents, {len(codings)} codings, {len(codebook)} codes"
        elif suffix in (".md", ".html", ".htm"):
            from ..export import write_codebook_document

            write_codebook_document(codebook, tmp, lang=args.lang)
            what = f"codebook document, {len(codebook)} codes"
        else:
            from ..export import write_workbook

            tables = {"codebook": codebook.to_frame()}
            if codings is not None:
                tables["codings"] = codings
            if corpus is not None:
                tables["documents"] = corpus.documents_frame()
            write_workbook(tables, tmp)
            what = ", ".join(tables)
    print(f"wrote {out} ({what})")
    return 0
