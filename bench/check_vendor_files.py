"""Import every REFI-QDA file (.qdpx, .qdc) under the given folders and report how it went.

For each project: the tool that wrote it, the offset convention found and on what evidence
(or the conventions left tied), codings, selections whose quote (when the file gives one)
equals the text at the converted offsets, selection ends on word or line boundaries, schema
problems and import problems. For each codebook: codes, code groups, schema problems. Run it
on vendor exports kept outside the repository:

    .venv/bin/python bench/check_vendor_files.py ~/refi-samples/ [--schema-dir DIR]

Exit status 1 when a file cannot be imported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hsqual.errors import HsqualError
from hsqual.refiqda import import_qdc, import_qdpx, schema_errors


def check_project(path: Path, schema_dir) -> list[str]:
    corpus, codings, cb = import_qdpx(path)
    r = codings.attrs["refiqda"]
    conv = r["offsets"]
    sc = r["offset_scores"].get(conv, {})
    n = len(codings)
    outside = sum(1 for row in codings.itertuples()  # kept with the file's numbers (see problems)
                  if not 0 <= row.start <= row.end <= len(corpus.doc(row.doc_id).text))
    schema = schema_errors(path, schema_dir=schema_dir)
    lines = [f"  origin: {r['origin'] or '(none)'}; namespace {r['namespace']}",
             f"  convention: {conv}" + (f" (TIED with {', '.join(t for t in r['offsets_tied'] if t != conv)})"
                                         if r["offsets_tied"] else "") + f"; evidence: {r['offset_evidence']}",
             f"  documents: {len(corpus)}; codes: {len(cb)}; codings: {n}; outside their text: {outside}",
             f"  selections with a quote in the file: {r['quoted_selections']}; matching it: "
             f"{sc.get('matched_quotes', 'n/a')}; ends on word/line boundaries: {sc.get('boundaries', 'n/a')} of "
             f"{2 * sc.get('selections', 0)}",
             f"  schema problems: {len(schema)}" + (f" (first: {schema[0]})" if schema else ""),
             f"  import problems: {len(r['problems'])}"]
    lines += [f"    - {m}" for m in r["problems"][:5]]
    return lines


def check_codebook(path: Path, schema_dir) -> list[str]:
    cb = import_qdc(path)
    groups = sorted({g for c in cb.codes for g in c.groups})
    schema = schema_errors(path, schema_dir=schema_dir)
    return [f"  codes: {len(cb)}; code groups: {len(groups)} {groups[:5]}",
            f"  schema problems: {len(schema)}" + (f" (first: {schema[0]})" if schema else "")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", metavar="DIR")
    ap.add_argument("--schema-dir", default=None, help="official REFI-QDA schemas to validate against")
    args = ap.parse_args(argv)
    files = sorted({f for d in args.folders for f in Path(d).rglob("*")
                    if f.is_file() and f.suffix.lower() in (".qdpx", ".qdc")})
    failed = 0
    for f in files:
        print(f)
        try:
            lines = (check_project if f.suffix.lower() == ".qdpx" else check_codebook)(f, args.schema_dir)
        except HsqualError as exc:
            failed += 1
            lines = [f"  CANNOT IMPORT: {exc}"]
        print("\n".join(lines))
    print(f"{len(files)} file(s), {failed} could not be imported")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
