"""The ``hsqual`` command: one subcommand per module of this package.

Example
-------
>>> from hsqual.resources import bundled_path
>>> main(["validate", str(bundled_path("codebooks") / "three_freedoms.yaml")])  # results on stdout
/.../codebooks/three_freedoms.yaml: ok (codebook 'three_freedoms', 5 codes)
0
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import HsqualError

__all__ = ["main", "build_parser"]

# subcommand modules, in the order `hsqual --help` lists them
COMMANDS = ("reproduce", "code", "review", "validate", "export", "import_", "site")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``hsqual`` command with every subcommand registered."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="hsqual",
        description="Codebook-driven qualitative coding for English and Japanese text.",
    )
    parser.add_argument("--version", action="version", version=f"hsqual {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``hsqual`` command; returns the exit status (0 ok, 1 problems found, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HsqualError as exc:
        print(f"hsqual {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full or read-only disk, a missing permission: one line naming the file
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"hsqual {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
