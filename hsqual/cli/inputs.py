"""The inputs several subcommands share: one definition of ``--codebook``, ``--corpus`` and
``--codings``, and one way to load them.

Example
-------
>>> import argparse
>>> p = argparse.ArgumentParser()
>>> add_inputs(p, codebook="optional", corpus="required", codings="required")
>>> args = p.parse_args(["--corpus", "t/", "--codings", "c.csv"])
>>> args.codebook, args.corpus, args.codings
(None, ['t/'], 'c.csv')
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ..errors import ArgumentError

if TYPE_CHECKING:
    import pandas as pd

    from ..codebook import Codebook
    from ..corpus import Corpus

__all__ = ["add_inputs", "load_inputs"]

_NEEDS = ("required", "optional", None)


def add_inputs(parser: argparse.ArgumentParser, *, codebook: str | None = None, corpus: str | None = None,
               codings: str | None = None, codebook_help: str = "") -> None:
    """Add ``--codebook``/``-c``, ``--corpus`` and ``--codings``, each ``"required"``,
    ``"optional"`` or left out (``None``).

    Example
    -------
    >>> p = argparse.ArgumentParser()
    >>> add_inputs(p, codebook="required")
    >>> p.parse_args(["-c", "a.yaml", "-c", "b.yaml"]).codebook
    ['a.yaml', 'b.yaml']
    """
    for need in (codebook, corpus, codings):
        if need not in _NEEDS:
            raise ArgumentError(f"add_inputs: expected one of {_NEEDS}, not {need!r}")
    if codebook:
        parser.add_argument("--codebook", "-c", action="append", required=codebook == "required", metavar="PATH",
                            help="codebook YAML file or folder (repeat for several" + (f"; {codebook_help})"
                                                                                      if codebook_help else ")"))
    if corpus:
        parser.add_argument("--corpus", action="append", required=corpus == "required", metavar="PATH",
                            help="transcript files or folders (repeat for several)")
    if codings:
        parser.add_argument("--codings", required=codings == "required", metavar="FILE",
                            help="a codings table (.csv)")


def load_inputs(args: argparse.Namespace) -> tuple[Codebook | None, Corpus | None, pd.DataFrame | None]:
    """``(codebook, corpus, codings)`` read from the arguments ``add_inputs`` added; ``None``
    for one not given.

    Example
    -------
    >>> load_inputs(argparse.Namespace(codebook=None, corpus=None, codings=None))
    (None, None, None)
    """
    codebook = corpus = codings = None
    if getattr(args, "codebook", None):
        from ..codebook import load_codebooks

        codebook = load_codebooks(args.codebook)
    if getattr(args, "corpus", None):
        from ..transcripts import load_corpus

        corpus = load_corpus(args.corpus)
    if getattr(args, "codings", None):
        from ..codings import read_codings

        codings = read_codings(args.codings)
    return codebook, corpus, codings
