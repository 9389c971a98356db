"""``hsqual validate``: check codebooks, transcripts, codings tables and REFI-QDA files.

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["codings.csv", "--corpus", "transcripts/", "--codebook", "codebooks/"])
>>> args.files, args.corpus, args.codebook
(['codings.csv'], ['transcripts/'], ['codebooks/'])
>>> detect_kind("codebooks/three_freedoms.yaml")
'codebook'
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import HsqualError

from .inputs import add_inputs

__all__ = ["add_parser", "run", "detect_kind", "validate_file"]

_EPILOG = """\
examples:
  hsqual validate codebooks/three_freedoms.yaml
  hsqual validate interviews/int01.md interviews/int02.docx
  hsqual validate codings.csv --corpus interviews/ --codebook codebooks/
  hsqual validate project.qdpx
  hsqual validate project.qdpx --schema-dir refi-qda-schemas/

What a file is comes from its name and content: .yaml/.yml is a codebook, a .csv whose header
holds the codings columns (doc_id, segment_id, code, start, end, quote, coder) is a codings
table, .qdc/.qdpx are REFI-QDA files, anything else is a transcript. Problems are listed one a
line as path:line: message; the exit status is 0 when every file is fine, 1 otherwise.
REFI-QDA files are checked against hsqual's schemas, or against the official ones (Project.xsd,
Codebook.xsd of the REFI-QDA standard) in --schema-dir or $HSQUAL_REFIQDA_SCHEMAS.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``validate`` subcommand."""
    p = subparsers.add_parser(
        "validate",
        help="check codebooks, transcripts, codings and REFI-QDA files",
        description="Check files and list every problem found, one a line (path:line: message).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="codebook (.yaml), transcript (.md, .txt, .csv, .docx), codings (.csv), .qdc/.qdpx, "
                        "or a folder of them")
    add_inputs(p, codebook="optional", corpus="optional",
               codebook_help="the codings' codes must come from it")
    p.add_argument("--encoding", default=None, help="the transcripts' encoding (default: detected)")
    p.add_argument("--schema-dir", metavar="DIR", default=None,
                   help="check .qdc/.qdpx files against the official REFI-QDA schemas (Project.xsd, "
                        "Codebook.xsd) in DIR (default: $HSQUAL_REFIQDA_SCHEMAS, else hsqual's own schemas)")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.set_defaults(func=run)
    return p


def detect_kind(path: str | Path) -> str:
    """``"codebook"``, ``"codings"``, ``"refiqda"`` or ``"transcript"``, from the name and header.

    Example
    -------
    >>> detect_kind("int01.docx"), detect_kind("project.qdpx")
    ('transcript', 'refiqda')
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "codebook"
    if suffix in (".qdc", ".qdpx"):
        return "refiqda"
    if suffix == ".csv" and p.is_file():
        from ..codings import REQUIRED_COLUMNS as _REQUIRED
        from ..textio import read_head

        # the header line only, to tell codings from a transcript table
        head = read_head(p).decode("utf-8", "replace").lstrip("\ufeff").splitlines()
        cols = {c.strip().strip('"') for c in head[0].split(",")} if head else set()
        if set(_REQUIRED) <= cols:
            return "codings"
    return "transcript"


def _line(path, exc: HsqualError) -> str:
    text = exc.message if exc.code is None else f"code {exc.code!r}: {exc.message}"
    where = exc.path or str(path)
    return f"{where}:{exc.line}: {text}" if exc.line is not None else f"{where}: {text}"


def validate_file(path: str | Path, *, corpus=None, codebook=None, encoding: str | None = None,
                  schema_dir: str | Path | None = None) -> tuple[list[str], str]:
    """Check one file; returns (problems, summary). Problems are ``path:line: message`` lines.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> _ = p.write_text("doc_id,segment_id,code,start,end,quote,coder\\nK001,1,fear,0,x,a,me\\n")
    >>> validate_file(p)[0]
    ["...codings.csv:2: column 'end' must be a whole number, found 'x'"]
    """
    p = Path(path)
    if p.is_dir():
        return ([f"{p}: a folder without any file hsqual reads ({', '.join(_KNOWN_SUFFIXES)})"],
                f"{p}: 1 problem")
    kind = detect_kind(p)
    try:
        if kind == "codebook":
            from ..codebook import load_codebook

            cb = load_codebook(p)
            return [], f"{p}: ok (codebook {cb.id!r}, {len(cb)} codes)"
        if kind == "codings":
            from ..codings import check_codings, read_codings

            df = read_codings(p, encoding=encoding)
            problems = check_codings(df, corpus, codebook)
            lines = [f"{p}:{int(r.row) + 2}: {r.problem}: {r.detail}" for r in problems.itertuples()]
            if corpus is None:
                lines_note = " (offsets and quotes not checked: give --corpus)"
            else:
                lines_note = ""
            return lines, f"{p}: {'ok' if not lines else f'{len(lines)} problem(s)'} ({len(df)} codings){lines_note}"
        if kind == "refiqda":
            from ..refiqda import import_qdc, import_qdpx, schema_errors

            if p.suffix.lower() == ".qdc":
                cb = import_qdc(p)
                problems = [f"{p}: {m}" for m in schema_errors(p, schema_dir=schema_dir)]
                return problems, f"{p}: {'ok' if not problems else 'problems'} (codebook, {len(cb)} codes)"
            corpus_, codings, cb = import_qdpx(p)
            report = codings.attrs.get("refiqda", {})
            problems = [f"{p}: {m}" for m in schema_errors(p, schema_dir=schema_dir)] + [f"{p}: {m}" for m in report.get("problems", [])]
            return problems, (f"{p}: {'ok' if not problems else 'problems'} ({len(corpus_)} documents, "
                              f"{len(codings)} codings, {len(cb)} codes; offsets counted as {report.get('offsets')})")
        text_len, n_docs, found = _read_transcript(p, encoding)
        read_as = f", read as {found}" if found else ""
        return [], f"{p}: ok (transcript, {n_docs} document(s), {text_len} characters{read_as})"
    except HsqualError as exc:
        return [_line(p, exc)], f"{p}: 1 problem"


def _read_transcript(p: Path, encoding):
    try:
        from ..transcripts import read_transcript
    except ModuleNotFoundError as exc:  # the transcript readers are optional only while absent
        if exc.name != "hsqual.transcripts":
            raise
        if p.suffix.lower() == ".docx":
            from ..docx import read_docx

            text, _ = read_docx(p)
        else:
            from ..textio import read_text

            text = read_text(p, encoding=encoding)
        return len(text), 1, None
    kwargs = {"encoding": encoding} if encoding else {}
    docs = read_transcript(p, **kwargs)
    docs = docs if isinstance(docs, (list, tuple)) else [docs]
    found = ", ".join(dict.fromkeys(str(d.meta["encoding"]) for d in docs if d.meta.get("encoding")))
    return sum(len(d.text) for d in docs), len(docs), found or None


_KNOWN_SUFFIXES = (".yaml", ".yml", ".md", ".txt", ".csv", ".docx", ".qdc", ".qdpx")


def _expand(arg: str) -> list[str]:
    """A folder stands for the files in it hsqual reads (not hidden ones, READMEs or change lists)."""
    p = Path(arg)
    if not p.is_dir():
        return [arg]
    found = sorted(str(f) for f in p.iterdir()
                   if f.is_file() and f.suffix.lower() in _KNOWN_SUFFIXES and not f.name.startswith(".")
                   and not f.name.upper().startswith("README.") and not f.name.endswith(".changes.csv"))
    return found or [arg]


def run(args: argparse.Namespace) -> int:
    """Run ``hsqual validate``: print problems one a line; 0 when all files are fine, else 1."""
    corpus = codebook = None
    if args.codebook:
        from ..codebook import load_codebooks

        codebook = load_codebooks(args.codebook)
    if args.corpus:
        from ..transcripts import load_corpus

        corpus = load_corpus(args.corpus)
    files = [f for arg in args.files for f in _expand(arg)]
    bar = None
    if len(files) > 3 and not args.no_progress and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(files), file=sys.stderr, unit="file", desc="validate")
    n_bad = 0
    for f in files:
        problems, summary = validate_file(f, corpus=corpus, codebook=codebook, encoding=args.encoding,
                                          schema_dir=args.schema_dir)
        for line in problems:
            print(line)
        if problems:
            n_bad += 1
        print(summary)  # results go to standard output, with the problems
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return 1 if n_bad else 0
