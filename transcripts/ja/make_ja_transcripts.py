"""Build the bundled Japanese transcripts from the source documents.

Usage::

    python transcripts/ja/make_ja_transcripts.py [SEEDS_FOLDER]

``SEEDS_FOLDER`` defaults to ``sources/`` beside this script: copies of the project's source
documents, kept in the repository so the build can be checked anywhere. Each source text is
cleaned with :func:`hsqual.clean.clean_text` (the default Japanese steps) and written here as
``<name>.md`` (a YAML front-matter header, then the cleaned text) with its list of changes
as ``<name>.changes.csv`` (offsets into the source text). The output depends only on the
source files and the cleaning code, so running it twice writes the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from hsqual.clean import clean_text
from hsqual.textio import read_text
from hsqual.writers import write_table, write_text

HERE = Path(__file__).resolve().parent
DEFAULT_SEEDS = HERE / "sources"

# name -> (seed file, title as printed in the text, kind, what the source is)
SOURCES = {
    "essay_diplomacy_human_security": (
        "000_31a3e1c2a5eacb0a.txt",
        "今、日本に求められる外交力とは―「人間の安全保障」に基づいた積極的な国際貢献―",
        "essay",
        "an essay on the diplomatic power Japan needs, built on human security; text extracted from a PDF",
    ),
    "manifesto_foreign_defence": (
        "001_74243e8895363746.txt",
        "外交・防衛",
        "manifesto",
        "a party manifesto chapter on foreign policy and defence, with citizens' change proposals; web text",
    ),
    "global_health_strategy_followup": (
        "002_ea450387ee99ea53.txt",
        "グローバルヘルス戦略フォローアップ",
        "policy_table",
        "a government follow-up table of the Global Health Strategy (items, measures, ministries); "
        "text extracted from a PDF table",
    ),
}


def build(seeds: Path, out: Path = HERE) -> list[Path]:
    """Clean every source and write ``<name>.md`` and ``<name>.changes.csv`` into ``out``."""
    written = []
    for name, (seed, title, kind, what) in SOURCES.items():
        raw = read_text(seeds / seed)
        result = clean_text(raw, language="ja")
        if title.replace("―", "") not in result.text.replace("\n", "").replace("―", ""):
            raise SystemExit(f"{seed}: the title {title!r} is not in the cleaned text")
        header = {
            "id": name,
            "title": title,
            "language": "ja",
            "kind": kind,
            "source": f"{seed}: {what}",
            "cleaned": True,
            "changes": len(result.changes),
        }
        front = yaml.safe_dump(header, allow_unicode=True, sort_keys=False, width=1000)
        written.append(write_text(f"---\n{front}---\n{result.text}", out / f"{name}.md"))
        written.append(write_table(result.changes_frame(), out / f"{name}.changes.csv"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="?", type=Path, default=DEFAULT_SEEDS,
                        help=f"folder holding the source files (default: {DEFAULT_SEEDS})")
    args = parser.parse_args(argv)
    if not args.seeds.is_dir():
        parser.error(f"{args.seeds}: no such folder")
    for path in build(args.seeds):
        print(path.relative_to(HERE.parents[1]) if path.is_relative_to(HERE.parents[1]) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
