"""hsqual: codebook-driven qualitative coding for English and Japanese text.

The public API is importable from the top-level package; submodules are loaded on first use,
so ``import hsqual`` stays fast (MeCab, scikit-learn and matplotlib load only when needed).
Type checkers and IDEs see the same names with their signatures: the package is marked typed
(``py.typed``) and imports every public name under ``TYPE_CHECKING``.

Example
-------
>>> import hsqual
>>> study = hsqual.studies.kurusu2015.load()
>>> study.table1()["Interviewee"].iloc[0]
'OKADA Miku*'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# public name -> module that defines it
_API = {
    # errors
    "HsqualError": "errors", "CodebookError": "errors", "RuleSyntaxError": "errors",
    "TranscriptError": "errors", "CodingsError": "errors", "ExchangeError": "errors",
    "StudyError": "errors", "ReviewError": "errors",
    # codebooks
    "Code": "codebook", "Example": "codebook", "Codebook": "codebook",
    "load_codebook": "codebook", "load_codebooks": "codebook", "parse_codebook": "codebook",
    # corpus and transcripts
    "Document": "corpus", "Segment": "corpus", "Corpus": "corpus",
    "load_corpus": "transcripts", "read_transcript": "transcripts", "list_transcripts": "transcripts",
    "read_diet": "diet", "diet_changes": "diet",
    "segment_corpus": "segment", "split_sentences": "segment",
    "split_paragraphs": "segment", "split_turns": "segment", "split_items": "segment",
    "clean_text": "clean",
    "tokenize": "tokens", "tokenize_many": "tokens", "Token": "tokens",
    # codings
    "CODINGS_COLUMNS": "codings", "codings_frame": "codings", "read_codings": "codings",
    "write_codings": "codings", "check_codings": "codings", "add_codings": "codings",
    # automatic coding
    "parse_rule": "rules", "apply_codebook": "apply", "kwic": "concordance",
    "apply_codebook_parallel": "apply", "code_archive": "stream",
    "suggest_codes": "suggest", "accept_suggestions": "suggest", "evaluate_suggestions": "suggest",
    "evaluate_rules": "evaluate", "evaluate_on_gold": "evaluate",
    "rank_units": "ranking", "simulate_review": "ranking", "get_embedder": "embed",
    # the review loop
    "ReviewSession": "review", "read_review_log": "review", "review_widget": "widgets",
    # analysis
    "incidence_matrix": "incidence", "code_frequencies": "frequencies", "crosstab": "crosstabs",
    "cooccurrence": "cooccur", "cooccurrence_passages": "cooccur", "adjust_pvalues": "cooccur",
    "to_matrix": "cooccur",
    "code_by_document": "crosstabs", "code_by_case": "crosstabs",
    "agreement": "reliability", "cohen_kappa": "reliability", "brennan_prediger": "reliability",
    "krippendorff_alpha": "reliability",
    # exchange and output
    "write_table": "writers", "atomic_write": "writers", "read_text": "textio",
    "export_qdc": "refiqda", "import_qdc": "refiqda", "export_qdpx": "refiqda", "import_qdpx": "refiqda",
    "export_tables": "export", "write_workbook": "export", "codebook_to_markdown": "export",
    "codebook_to_html": "export", "write_codebook_document": "export", "write_codebook_yaml": "export",
    "write_cooccurrence_report": "report",
    # reading coded documents
    "show_document": "view", "write_site": "site",
    "bundled_codebooks": "resources", "study_dir": "resources",
    # gold standard
    "load_gold": "goldstandard",
}
_SUBMODULES = ("studies", "figures", "export")

__all__ = sorted(_API) + list(_SUBMODULES)


if TYPE_CHECKING:
    # The public names of _API and _SUBMODULES for type checkers and IDEs; at run time __getattr__
    # imports them on first use. Written from _API by `python tests/test_typing.py`.
    from . import export as export, figures as figures, studies as studies
    from .errors import (
        HsqualError as HsqualError, CodebookError as CodebookError, RuleSyntaxError as RuleSyntaxError,
        TranscriptError as TranscriptError, CodingsError as CodingsError, ExchangeError as ExchangeError,
        StudyError as StudyError, ReviewError as ReviewError,
    )
    from .codebook import (
        Code as Code, Example as Example, Codebook as Codebook, load_codebook as load_codebook,
        load_codebooks as load_codebooks, parse_codebook as parse_codebook,
    )
    from .corpus import Document as Document, Segment as Segment, Corpus as Corpus
    from .transcripts import (
        load_corpus as load_corpus, read_transcript as read_transcript, list_transcripts as list_transcripts,
    )
    from .diet import read_diet as read_diet, diet_changes as diet_changes
    from .segment import (
        segment_corpus as segment_corpus, split_sentences as split_sentences, split_paragraphs as split_paragraphs,
        split_turns as split_turns, split_items as split_items,
    )
    from .clean import clean_text as clean_text
    from .tokens import tokenize as tokenize, tokenize_many as tokenize_many, Token as Token
    from .codings import (
        CODINGS_COLUMNS as CODINGS_COLUMNS, codings_frame as codings_frame, read_codings as read_codings,
        write_codings as write_codings, check_codings as check_codings, add_codings as add_codings,
    )
    from .rules import parse_rule as parse_rule
    from .apply import apply_codebook as apply_codebook, apply_codebook_parallel as apply_codebook_parallel
    from .concordance import kwic as kwic
    from .stream import code_archive as code_archive
    from .suggest import (
        suggest_codes as suggest_codes, accept_suggestions as accept_suggestions,
        evaluate_suggestions as evaluate_suggestions,
    )
    from .evaluate import evaluate_rules as evaluate_rules, evaluate_on_gold as evaluate_on_gold
    from .ranking import rank_units as rank_units, simulate_review as simulate_review
    from .embed import get_embedder as get_embedder
    from .review import ReviewSession as ReviewSession, read_review_log as read_review_log
    from .widgets import review_widget as review_widget
    from .incidence import incidence_matrix as incidence_matrix
    from .frequencies import code_frequencies as code_frequencies
    from .crosstabs import crosstab as crosstab, code_by_document as code_by_document, code_by_case as code_by_case
    from .cooccur import (
        cooccurrence as cooccurrence, cooccurrence_passages as cooccurrence_passages,
        adjust_pvalues as adjust_pvalues, to_matrix as to_matrix,
    )
    from .reliability import (
        agreement as agreement, cohen_kappa as cohen_kappa, brennan_prediger as brennan_prediger,
        krippendorff_alpha as krippendorff_alpha,
    )
    from .writers import write_table as write_table, atomic_write as atomic_write
    from .textio import read_text as read_text
    from .refiqda import (
        export_qdc as export_qdc, import_qdc as import_qdc, export_qdpx as export_qdpx, import_qdpx as import_qdpx,
    )
    from .export import (
        export_tables as export_tables, write_workbook as write_workbook,
        codebook_to_markdown as codebook_to_markdown, codebook_to_html as codebook_to_html,
        write_codebook_document as write_codebook_document, write_codebook_yaml as write_codebook_yaml,
    )
    from .report import write_cooccurrence_report as write_cooccurrence_report
    from .view import show_document as show_document
    from .site import write_site as write_site
    from .resources import bundled_codebooks as bundled_codebooks, study_dir as study_dir
    from .goldstandard import load_gold as load_gold


# `__getattr__` is hidden from type checkers: they read the imports above, so a misspelt
# name is reported as an error instead of being typed as Any.
if not TYPE_CHECKING:
    def __getattr__(name: str):
        if name in _API:
            module = importlib.import_module(f".{_API[name]}", __name__)
            value = getattr(module, name)
            globals()[name] = value
            return value
        if name in _SUBMODULES:
            module = importlib.import_module(f".{name}", __name__)
            globals()[name] = module
            return module
        raise AttributeError(f"module 'hsqual' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
