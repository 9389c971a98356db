"""``hsqual code``: apply codebooks' rules to transcripts and write the machine codings.

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["--codebook", "codebooks/three_freedoms.yaml", "int01.md", "-o", "codings.csv"])
>>> args.codebook, args.unit, args.transcripts, args.output
(['codebooks/three_freedoms.yaml'], 'sentence', ['int01.md'], 'codings.csv')
"""

from __future__ import annotations

import argparse
import re
import sys

from .inputs import add_inputs

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  hsqual code --codebook codebooks/three_freedoms.yaml --codebook codebooks/added_value.yaml \\
      --unit sentence transcripts/ja/*.md -o codings_rules.csv
  hsqual code --codebook codebooks/ --exclude-interviewer interviews/ -o codings_rules.csv
                                       # leave the interviewer's questions out (Interviewer, Q, 聞き手, ...)
  hsqual code --codebook codebooks/ --exclude-speaker Moderator interviews/ -o codings_rules.csv

Each row of the output is one code applied by the rules to one unit, with the rule(s) that
fired (column rule) and the words that made them fire (match_text, match_spans). The file
holds machine codings only (coder "rules"); a person's codings are never touched: an existing
output file is replaced only when it holds machine codings only, and only if it is still that
file when the run ends (a file saved there meanwhile is kept). Combine the two in Python with
hsqual.add_codings(manual, machine). The output path is checked before the work starts.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``code`` subcommand."""
    from ..apply import UNITS

    p = subparsers.add_parser(
        "code",
        help="apply codebook rules to transcripts (automatic coding)",
        description="Apply the coding rules of one or more codebooks to transcripts and write the "
                    "machine codings as CSV, XLSX or Parquet (chosen by the output file's suffix).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, codebook="required")
    p.add_argument("--unit", choices=UNITS, default="sentence",
                   help="what a code is applied to (default: sentence)")
    p.add_argument("--language", choices=("en", "ja"), default=None,
                   help="use these rules for every document (default: each document's language)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--speaker", action="append", metavar="NAME",
                     help="code only the turns of this speaker (repeat for several)")
    who.add_argument("--exclude-speaker", action="append", metavar="NAME",
                     help="leave the turns of this speaker out, e.g. Interviewer (repeat for several)")
    who.add_argument("--exclude-interviewer", action="store_true",
                     help="leave the interviewer's turns out (Interviewer, Q, 聞き手, 質問者, インタビュアー ...)")
    p.add_argument("--output", "-o", required=True, metavar="FILE",
                   help="where to write the codings (.csv, .xlsx or .parquet)")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.add_argument("transcripts", nargs="+", metavar="TRANSCRIPT",
                   help="transcript files (.md, .txt, .csv, .docx) or folders of them")
    p.set_defaults(func=run)
    return p


def _check_output(output):
    """Before any work: a known suffix, a folder that can be written, and no person's codings
    in the way. Returns the file's state, which must still hold when the codings are written."""
    from pathlib import Path

    from ..codings import is_machine_coder, read_codings
    from ..errors import CodingsError
    from ..writers import TABLE_SUFFIXES, check_output_path

    path = Path(output)
    state = check_output_path(path, suffixes=TABLE_SUFFIXES)
    if not state.exists:
        return state
    refuse = ("; refusing to overwrite it (write to another file and combine the two in Python "
              "with hsqual.add_codings(manual, machine))")
    try:
        if path.suffix.lower() == ".csv":
            coders = read_codings(path)["coder"]
        else:
            import pandas as pd

            frame = pd.read_excel(path) if path.suffix.lower() == ".xlsx" else pd.read_parquet(path)
            coders = frame["coder"].fillna("").astype(str)
    except Exception:
        raise CodingsError("the output file exists and is not a table of machine codings" + refuse,
                           path=path) from None
    people = sorted({c for c in coders if not is_machine_coder(c)})
    if people:
        raise CodingsError(f"the output file exists and holds codings of {', '.join(people)}" + refuse,
                           path=path)
    return state


def run(args: argparse.Namespace) -> int:
    """Run ``hsqual code``: load, apply, write, print a summary; returns the exit status."""
    from ..apply import apply_codebook
    from ..codebook import load_codebooks
    from ..codings import write_codings
    from ..errors import HsqualError
    from ..transcripts import load_corpus

    state = _check_output(args.output)  # at once, not after the whole run
    codebook = load_codebooks(args.codebook)
    corpus = load_corpus(args.transcripts)
    progress = not args.no_progress and sys.stderr.isatty() and len(corpus) > 1
    try:
        codings = apply_codebook(corpus, codebook, unit=args.unit, language=args.language, progress=progress,
                                 speakers=args.speaker,
                                 exclude_speakers="interviewer" if args.exclude_interviewer else args.exclude_speaker)
    except HsqualError as exc:
        if not re.match(r"^(exclude_speakers|speakers)\b", str(exc)):
            raise
        option = "--speaker" if args.speaker else "--exclude-speaker"
        message = re.sub(r"^(exclude_speakers|speakers)\b", option, str(exc))
        print(f"hsqual code: error: {message}", file=sys.stderr)
        return 2
    # replaced only if it is still the machine-codings file checked above (or still absent):
    # a file a person saved there during the run is never replaced
    path = write_codings(codings, args.output, replace=state)

    attrs = codings.attrs
    units = "" if args.unit == "document" else f"{args.unit}s: {attrs['n_units']}   "
    print(f"documents: {attrs['n_documents']}   {units}"
          f"codings: {len(codings)}   codebook: {codebook.id} ({len(codebook)} codes)")
    if args.speaker is None and not args.exclude_interviewer and not args.exclude_speaker:
        from ..apply import is_interviewer_label

        asking = sorted({str(g.speaker) for g in corpus.segments if g.speaker and is_interviewer_label(g.speaker)})
        if asking:
            print(f"note: the turns of {', '.join(asking)} (interviewer labels) were coded too; "
                  "leave them out with --exclude-interviewer")
    if attrs.get("n_units_left_out"):
        chosen = attrs["speakers"] or attrs["exclude_speakers"]
        whose = f"turns not of {', '.join(chosen)}" if attrs["speakers"] else f"turns of {', '.join(chosen)}"
        print(f"{args.unit}s left out ({whose}): {attrs['n_units_left_out']}")
    encodings: dict[str, int] = {}
    for d in corpus.documents:
        if d.meta.get("encoding"):
            encodings[str(d.meta["encoding"])] = encodings.get(str(d.meta["encoding"]), 0) + 1
    if encodings:
        print("read as: " + ", ".join(f"{enc} ({n} document{'s' if n > 1 else ''})"
                                      for enc, n in sorted(encodings.items())))
    skipped = attrs.get("documents_without_rules") or []
    if skipped:
        print(f"not coded (no rules in their language): {', '.join(skipped)}")
    counts = codings["code"].value_counts()
    if len(counts):
        width = max(len(c) for c in counts.index)
        print("codings per code:")
        for code_id in codebook.ids:
            if code_id in counts.index:
                print(f"  {code_id:<{width}}  {int(counts[code_id]):>6}")
        silent = [c for c in codebook.ids if c not in counts.index and any(codebook[c].rules.values())]
        if silent:
            print(f"codes with rules that never fired: {', '.join(silent)}")
    print(f"wrote {path}")
    return 0
