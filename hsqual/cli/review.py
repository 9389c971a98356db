"""``hsqual review``: review transcripts unit by unit in a terminal, the machine learning as you go.

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["--codebook", "codebooks/", "--log", "review.jsonl", "--reviewer", "tanaka",
...                      "--code", "freedoms.fear", "int01.md"])
>>> args.codebook, args.log, args.reviewer, args.code, args.unit, args.transcripts
(['codebooks/'], 'review.jsonl', 'tanaka', ['freedoms.fear'], 'sentence', ['int01.md'])
"""

from __future__ import annotations

import argparse
import sys
import warnings

from .inputs import add_inputs

__all__ = ["add_parser", "run"]

_EPILOG = """\
examples:
  hsqual review --codebook codebooks/ --log review.jsonl --reviewer tanaka \\
      --code freedoms.fear transcripts/ja/*.md
  hsqual review --codebook codebooks/ --log review.jsonl --reviewer tanaka \\
      --codings-out codings_tanaka.csv interviews/        # write the accepted codings too

One unit at a time is shown with the units around it, the words behind its rank in [brackets],
and the code's label and definition. Answer with a line:
  a  accept: the unit carries the code        r  reject: it does not
  s  skip: decide later (it comes back last)  q  quit
  u  undo: withdraw your last verdict still standing (again: the one before) and show that unit again
Every answer is appended to the log (--log, JSON Lines) at once, an undo too (as a line of its
own: the verdict it withdraws stays in the log); run the same command again to
resume where you stopped. The ranking learns from each accept and reject. The command says
when reading on is unlikely to find more (--stop-after rejections in a row, or, if given,
fewer than --stop-below units estimated left); you decide whether to stop. At quit or the end of the input
it prints what was found and where the log is. --codings-out never replaces a file holding rows
the new table lacks (another person's codings) unless --force is given.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``review`` subcommand."""
    p = subparsers.add_parser(
        "review",
        help="review transcripts unit by unit (accept / reject / skip), ranked by a model that learns",
        description="Read the units most likely to carry a code, accept or reject each; the ranking "
                    "learns from every verdict and every verdict is logged.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(p, codebook="required")
    p.add_argument("--log", required=True, metavar="FILE", help="the review log (JSON Lines); resumed if it exists")
    p.add_argument("--reviewer", required=True, metavar="NAME",
                   help="your name: accepted units become your codings")
    p.add_argument("--code", action="append", metavar="ID", help="review this code only (repeat for several)")
    p.add_argument("--unit", choices=("sentence", "window", "segment"), default="sentence",
                   help="what is reviewed: sentences, sentences ranked with their neighbours, or turns "
                        "(default: sentence)")
    from ..embed import MODELS

    p.add_argument("--embedder", choices=tuple(MODELS), metavar="NAME",
                   help=f"the embedding model of the ranking ({', '.join(MODELS)}; default: e5 when installed)")
    p.add_argument("--exclude-speaker", action="append", metavar="NAME",
                   help="leave out the turns of this speaker, e.g. Interviewer (repeat for several)")
    p.add_argument("--context", type=int, default=1, metavar="N",
                   help="units shown before and after (default: 1)")
    p.add_argument("--stop-after", type=int, default=40, metavar="N",
                   help="suggest stopping a code after N rejections in a row (default: 40)")
    p.add_argument("--stop-below", type=float, default=0.0, metavar="X",
                   help="also suggest stopping a code when fewer than X units are estimated left "
                        "(default: 0, off: the estimate can fall too soon on a small corpus)")
    p.add_argument("--by-language", action="store_true",
                   help="rank each language's units against each other (for a review that finds nothing "
                        "more in one language of a mixed corpus; off by default, see the README)")
    p.add_argument("--codings-out", metavar="FILE", help="write the accepted codings here (.csv, .xlsx, .parquet)")
    p.add_argument("--force", action="store_true",
                   help="let --codings-out replace a file holding rows the new table lacks")
    p.add_argument("transcripts", nargs="+", metavar="TRANSCRIPT",
                   help="transcript files (.md, .txt, .csv, .docx) or folders of them")
    p.set_defaults(func=run)
    return p


def _rank_options(args) -> dict | None:
    """The options the command passes on to the ranking (None: the defaults)."""
    options: dict = {}
    if args.embedder:
        options["embedder"] = args.embedder
    if args.by_language:
        import dataclasses

        from ..ranking import DEFAULT_SETTINGS

        options["settings"] = dataclasses.replace(DEFAULT_SETTINGS, by_language=True)
    return options or None


_ANSWERS = {"a": "accept", "accept": "accept", "r": "reject", "reject": "reject", "s": "skip", "skip": "skip",
            "u": "undo", "undo": "undo", "q": "quit", "quit": "quit"}


_DONE = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}


def _left(estimate: float) -> str:
    if estimate != estimate:   # NaN
        return "no estimate of what is left yet (needs an accepted and a rejected unit)"
    return f"about {estimate:.1f} estimated still to find"


def _is_tty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _show(item, n: int, out) -> None:
    print(f"\n[{n}] {item.code} — {item.label}", file=out)
    if item.definition:
        print(f"    definition: {item.definition}", file=out)
    print(f"    {item.doc_id} {item.start}-{item.end} (segment {item.segment_id})", file=out)
    for line in item.to_text().splitlines():
        print(f"    {line}", file=out)
    lines = item.evidence_lines()
    short = [x for x in lines if len(x) <= 28]
    if short:
        print("    · " + " · ".join(short), file=out)
    for line in lines:
        if len(line) > 28:
            print(f"    · {line if len(line) <= 200 else line[:199] + '…'}", file=out)


def _lines(log) -> str:
    """How many lines the log holds, in words: ``3 decision(s)``, ``4 decision(s), 1 undo``."""
    undos = int((log["verdict"] == "undo").sum())
    return f"{len(log) - undos} decision(s)" + (f", {undos} undo" + ("s" if undos > 1 else "") if undos else "")


def _summary(session, out) -> None:
    progress = session.progress()
    shown = progress[(progress["accepted"] + progress["rejected"] + progress["skipped"]) > 0]
    print("\nfound:", file=out)
    if not len(shown):
        print("  nothing decided yet", file=out)
    for r in shown.itertuples():
        print(f"  {r.code}: {r.accepted} accepted, {r.rejected} rejected, {r.skipped} skipped; "
              f"{_left(r.estimate_remaining)}", file=out)
    print(f"log: {session.log_path} ({_lines(session.log)})", file=out)


def run(args: argparse.Namespace, *, stdin=None, stdout=None) -> int:
    """Run ``hsqual review``: load, then show a unit and read a verdict until quit or end of input."""
    from ..codebook import load_codebooks
    from ..errors import CodingsFileConflict, ReviewError
    from ..review import VERDICT_NOUNS, ReviewLogWarning, ReviewSession
    from ..transcripts import load_corpus

    inp = stdin if stdin is not None else sys.stdin      # None when the command runs with stdin closed
    out = stdout if stdout is not None else sys.stdout
    if args.codings_out:
        from pathlib import Path

        from ..writers import TABLE_SUFFIXES, check_output_path

        if Path(args.codings_out).resolve() == Path(args.log).resolve():
            raise ReviewError("is this review's log; write the codings to another file", path=args.codings_out)
        check_output_path(args.codings_out, suffixes=TABLE_SUFFIXES)   # before the review, not after it
    codebook = load_codebooks(args.codebook)
    corpus = load_corpus(args.transcripts)
    if args.code:
        unknown = [c for c in args.code if c not in codebook]
        if unknown:
            print(f"hsqual review: error: unknown code(s) {', '.join(unknown)}; see hsqual export --codebook ... "
                  "--to codebook.html for the codes", file=sys.stderr)
            return 2
    try:
        with warnings.catch_warnings():
            # the lines of the log that cannot be read are printed below, in the command's words
            warnings.simplefilter("ignore", ReviewLogWarning)
            session = ReviewSession(corpus, codebook, log=args.log, reviewer=args.reviewer, unit=args.unit,
                                    codes=args.code, context=args.context, stop_after_rejections=args.stop_after,
                                    stop_below=args.stop_below, batch_size=1, exclude_speakers=args.exclude_speaker,
                                    rank_options=_rank_options(args))
    except ValueError as exc:
        from ..errors import HsqualError

        if isinstance(exc, HsqualError):
            raise
        print(f"hsqual review: error: {exc}", file=sys.stderr)
        return 2
    try:
        session.ranking          # the first ranking: a missing model package is said here, once
    except (ValueError, ImportError) as exc:
        from ..errors import HsqualError

        if isinstance(exc, HsqualError):
            raise
        print(f"hsqual review: error: {exc}", file=sys.stderr)
        return 2
    print(f"documents: {len(corpus)}   codes: {len(session.codes)}   reviewer: {session.reviewer}   "
          f"log: {session.log_path}" + (f" (resumed: {_lines(session.log)})" if len(session.log) else ""),
          file=out)
    for n, message in session.unreadable:
        print(f"warning: {message}", file=out)
    told_stop = False
    count = 0
    again = None          # the unit an undo opened again: shown next
    undone: dict = {}     # the last undo's record
    while True:
        if again is not None:
            item, again = again, None
        else:
            items = session.next_units(1)
            if not items:
                print("\nevery unit has a verdict.", file=out)
                break
            item = items[0]
        count += 1
        _show(item, count, out)
        answer = None
        while answer is None:
            print("accept / reject / skip / undo / quit [a/r/s/u/q]? ", end="", file=out, flush=True)
            try:
                line = inp.readline() if inp is not None else ""
            except KeyboardInterrupt:        # Ctrl-C: as quit (every verdict is in the log already)
                answer = "quit"
                break
            except (ValueError, OSError):    # a closed or unreadable input: as its end
                line = ""
            if not line:
                answer = "eof"
                break
            if not _is_tty(inp):
                print(line.strip(), file=out)   # piped answers shown, so the transcript reads as a dialogue
            answer = _ANSWERS.get(line.strip().lower())
            if answer is None:
                print(f"\n    please answer a, r, s, u or q (not {line.strip()!r})", file=out)
            elif answer == "undo":
                try:
                    undone = session.undo()
                except ReviewError as exc:    # nothing of this reviewer's stands: this unit is asked again
                    print(f"    nothing undone: {exc}", file=out)
                    answer = None
        if answer in ("quit", "eof"):
            print("\n(end of input)" if answer == "eof" else "", file=out)
            break
        if answer == "undo":
            w = undone["withdrawn"]
            print(f"    withdrew your {VERDICT_NOUNS[w['verdict']]} of {w['doc_id']} {w['start']}-{w['end']} for {w['code']} "
                  f"(log line {w['line']}; the undo is line {undone['line']}); that unit again:", file=out)
            again = session.item((w["doc_id"], w["start"], w["end"], w["code"]))
            continue
        try:
            session.decide(item, answer)
        except ReviewError as exc:       # another session on the same log gave the other verdict meanwhile
            print(f"    not recorded: {exc}", file=out)
            continue
        advice = session.stop_advice(item.code)
        print(f"    {_DONE[answer]} · found {session.found(item.code)} for {item.code} · "
              f"{_left(session.estimate_remaining(item.code))}", file=out)
        overall = session.stop_advice()
        if overall.stop and not told_stop:
            print(f"    suggestion: you may stop now — {overall.reason}", file=out)
            told_stop = True
        elif advice.stop:
            print(f"    suggestion: {advice.reason}", file=out)
    _summary(session, out)
    if args.codings_out:
        try:
            path = session.write_codings(args.codings_out, replace=args.force)
        except CodingsFileConflict as exc:   # the same refusal, with the command's ways out rather than the API's
            raise CodingsFileConflict(exc.rows, exc.coders, "give another --codings-out file, or --force to replace "
                                      f"it (every verdict of this review is in the log {args.log})",
                                      path=args.codings_out) from None
        print(f"wrote {path} ({session.found()} accepted coding(s))", file=out)
    return 0
