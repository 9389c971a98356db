"""``hsqual import``: read a REFI-QDA project (``.qdpx``) or codebook (``.qdc``) into hsqual files.

Example
-------
>>> import argparse
>>> sub = argparse.ArgumentParser(prog="hsqual").add_subparsers()
>>> p = add_parser(sub)
>>> args = p.parse_args(["study.qdpx", "--out", "imported/"])
>>> args.file, args.out, args.offsets
('study.qdpx', 'imported/', 'auto')
>>> safe_filename("../../etc/passwd"), safe_filename("インタビュー 01")
('etc_passwd', 'インタビュー_01')
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from ..errors import ArgumentError

__all__ = ["add_parser", "run", "safe_filename", "transcript_markdown"]

_EPILOG = """\
examples:
  hsqual import study.qdpx --out imported/
  hsqual import nvivo_codebook.qdc --out imported/
  hsqual import maxqda_project.qdpx --out imported/ --offsets utf8

Writes, inside --out:
  codebooks/<id>.yaml     the codebook(s); codes from another tool get TODO placeholders where
                          hsqual needs text the file does not hold (definition, examples, ...)
  transcripts/<doc>.md    one transcript per text source, metadata and segments as front matter
  codings.csv             the codings, offsets in characters (code points)
Selection offsets are converted from the convention the file used (--offsets, else detected from
the file's quotes, selections on word and line boundaries, and the tool that wrote it; when these
cannot tell, the tied conventions are listed and the exit status is 1: choose with --offsets).
An existing file in --out is never overwritten unless --force is given. The files are written
into a folder beside --out and moved into it only when all are complete, so a failure (a full
disk) leaves --out as it was.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``import`` subcommand."""
    from ..refiqda import OFFSET_CONVENTIONS

    p = subparsers.add_parser(
        "import",
        help="import a REFI-QDA project (.qdpx) or codebook (.qdc)",
        description="Read a REFI-QDA file written by NVivo, ATLAS.ti, MAXQDA, QualCoder, ... and write "
                    "hsqual's codebook YAML, Markdown transcripts and codings table.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="a .qdpx or .qdc file")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="folder to write into (created if missing)")
    p.add_argument("--offsets", choices=("auto", *OFFSET_CONVENTIONS), default="auto",
                   help="how the file counts selection positions (default: detect)")
    p.add_argument("--force", action="store_true", help="overwrite files already in --out")
    p.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    p.set_defaults(func=run)
    return p


def safe_filename(name: str) -> str:
    """A file name from a document id: letters (any script), digits, ``_``, ``-``, ``.``; no path.

    Example
    -------
    >>> safe_filename("K001"), safe_filename("  ")
    ('K001', 'document')
    """
    s = re.sub(r"[^\w.-]+", "_", str(name), flags=re.UNICODE).strip("._")
    return s[:100] or "document"


def transcript_markdown(doc, *, segments=None) -> str:
    """A document as Markdown with YAML front matter (``id``, its metadata, its segments), text as it is.

    The front matter is what :func:`hsqual.transcripts.read_transcript` reads; a ``language``
    other than ``en``/``ja`` is kept as ``source_language``, a metadata key ``segments`` as
    ``source_segments``. ``segments`` (the document's :class:`~hsqual.corpus.Segment` records)
    are listed under ``segments:`` as ``[segment_id, kind, start, end, speaker]``, offsets into
    the text, so that :func:`hsqual.transcripts.load_corpus` reads back the very segments the
    codings' ``segment_id`` refers to.

    Example
    -------
    >>> from hsqual.corpus import Document, Segment
    >>> doc = Document("int04", "A: 尊厳。自由。", {"language": "ja", "interviewee": 4})
    >>> print(transcript_markdown(doc, segments=[Segment("int04", 1, 3, 6, "尊厳。", "A", "sentence"),
    ...                                          Segment("int04", 2, 6, 9, "自由。", "A", "sentence")]))
    ---
    id: int04
    language: ja
    interviewee: 4
    segments:
    - [1, sentence, 3, 6, A]
    - [2, sentence, 6, 9, A]
    ---
    A: 尊厳。自由。
    """
    from ..yamlio import dump_yaml

    if segments is not None:
        segments = list(segments)
        for seg in segments:
            if seg.doc_id != doc.doc_id or doc.text[seg.start:seg.end] != seg.text:
                raise ArgumentError(f"transcript_markdown: segment {seg.segment_id} of {seg.doc_id!r} "
                                 f"({seg.start}-{seg.end}) is not a span of document {doc.doc_id!r}")
    meta = {"id": doc.doc_id}
    for k, v in doc.meta.items():
        if k in ("id", "file"):
            continue
        if k == "language" and v not in ("en", "ja"):
            k = "source_language"
        elif k == "segments":
            k = "source_segments"
        meta[k] = v
    front = dump_yaml(meta, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    if segments is not None:
        rows = [[s.segment_id, s.kind, s.start, s.end, s.speaker] for s in segments]
        front += dump_yaml({"segments": rows}, allow_unicode=True, sort_keys=False,
                                default_flow_style=None, width=1000)
    return f"---\n{front}---\n{doc.text}"


def _check_groups_kept(codebook, written, src) -> None:
    """Say so when the codebook YAML written lacks the code groups the file gave (never drop silently)."""
    grouped = {c.id: c.groups for c in codebook.codes if c.groups}
    if not grouped:
        return
    from ..codebook import load_codebooks

    back = load_codebooks(written)
    lost = [cid for cid, groups in grouped.items() if cid in back and back[cid].groups != groups]
    if lost:
        names = sorted({g for cid in lost for g in grouped[cid]})
        print(f"{src}: warning: the code groups of {len(lost)} code(s) ({', '.join(names[:5])}"
              f"{', ...' if len(names) > 5 else ''}) are not in the codebook YAML written; they are in the "
              "codebook read from the file", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run ``hsqual import``; returns the exit status (1 when selections did not fit)."""
    from ..codings import write_codings
    from ..export import write_codebooks_yaml
    from ..writers import write_text

    from ..writers import check_output_path, staged_folder

    src = Path(args.file)
    out = Path(args.out)
    suffix = src.suffix.lower()
    if suffix not in (".qdpx", ".qdc"):
        print(f"hsqual import: error: {src}: expected a .qdpx or .qdc file", file=sys.stderr)
        return 2
    check_output_path(out, folder=True)  # a folder that can be written, before reading the file
    corpus = codings = None
    if suffix == ".qdc":
        from ..refiqda import import_qdc

        codebook = import_qdc(src)
    else:
        from ..refiqda import import_qdpx

        corpus, codings, codebook = import_qdpx(src, offsets=args.offsets)
    from ..paraphrases import paraphrases_path

    books = [out / "codebooks" / f"{p.id}.yaml" for p in (codebook.parts or (codebook,))]
    # each codebook's paraphrase file goes with it (written, or an old one removed)
    targets = books + [paraphrases_path(b) for b in books]
    transcripts: list[tuple[object, Path]] = []
    segments: dict[str, list] = {}
    if corpus is not None:
        for seg in corpus.segments:
            segments.setdefault(seg.doc_id, []).append(seg)
        targets.append(out / "codings.csv")
        names: set[str] = set()
        for doc in corpus.documents:
            base = safe_filename(doc.doc_id)
            name, n = base, 2
            while name.lower() in names:
                name, n = f"{base}_{n}", n + 1
            names.add(name.lower())
            transcripts.append((doc, out / "transcripts" / f"{name}.md"))
        targets.extend(t for _, t in transcripts)
    existing = [t for t in targets if t.exists()]
    if existing and not args.force:
        print(f"hsqual import: error: {existing[0]} exists ({len(existing)} file(s) would be overwritten); "
              "refusing to overwrite (give --force, or another --out)", file=sys.stderr)
        return 1
    todo = sum(1 for c in codebook.codes if not c.examples or "en" not in c.definition)
    said: list[str] = []
    # everything is written into a folder beside --out and moved into it only when complete:
    # a full disk or an error half-way leaves --out as it was; without --force, a file that
    # appeared in --out meanwhile is never replaced
    with staged_folder(out, replace=bool(args.force)) as work:
        written = list(write_codebooks_yaml(codebook, work / "codebooks", fill_missing=True))
        for path in written:
            said.append(f"wrote {out / path.relative_to(work)}")
            if paraphrases_path(path).is_file():
                said.append(f"wrote {out / paraphrases_path(path).relative_to(work)}")
        _check_groups_kept(codebook, written, src)
        if corpus is not None:
            iterator = transcripts
            if len(transcripts) > 20 and not args.no_progress and sys.stderr.isatty():
                from tqdm import tqdm

                iterator = tqdm(transcripts, file=sys.stderr, unit="doc", desc="transcripts")
            for doc, target in iterator:
                if not doc.text.strip():
                    print(f"{src}: source {doc.doc_id!r} has no text; {target.name} holds only its front matter",
                          file=sys.stderr)
                write_text(transcript_markdown(doc, segments=segments.get(doc.doc_id, [])),
                           work / target.relative_to(out))
            write_codings(codings, work / "codings.csv")
    for book, part in zip(books, codebook.parts or (codebook,)):
        old = paraphrases_path(book)
        if not any(c.paraphrases for c in part.codes) and old.is_file():  # --force: it belonged to the old codebook
            old.unlink()
            said.append(f"removed {old} (the imported codebook {part.id!r} has no paraphrases)")
    for line in said:
        print(line)
    if todo:
        print(f"note: {todo} code(s) lack a definition or examples; the YAML holds TODO placeholders to fill in",
              file=sys.stderr)
    status = 0
    if corpus is not None:
        print(f"wrote {len(transcripts)} transcripts to {out / 'transcripts'}")
        report = codings.attrs.get("refiqda", {})
        how = report.get("offset_evidence") or ""
        print(f"wrote {out / 'codings.csv'} ({len(codings)} codings; offsets counted as {report.get('offsets')}"
              + (f", by {how}" if how and not report.get("offsets_tied") else "") + ")")
        for skipped in report.get("skipped_sources", []):
            print(f"{src}: skipped {skipped} (hsqual reads text sources only)", file=sys.stderr)
        for problem in report.get("problems", []):
            print(f"{src}: {problem}")
            status = 1
    return status
