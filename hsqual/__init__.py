"""hsqual: codebook-driven qualitative coding for English and Japanese text.

The public API is importable from the top-level package; submodules are loaded on first use,
so ``import hsqual`` stays fast (MeCab, scikit-learn and matplotlib load only when needed).

Example
-------
>>> import hsqual
>>> study = hsqual.studies.kurusu2015.load()
>>> study.table1()["Interviewee"].iloc[0]
'OKADA Miku*'
"""

from __future__ import annotations

import importlib
import sys
import types

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
    "segment_corpus": "segment", "split_sentences": "segment",
    "split_paragraphs": "segment", "split_turns": "segment", "split_items": "segment",
    "clean_text": "clean",
    "tokenize": "tokenize", "tokenize_many": "tokenize", "Token": "tokenize",
    # codings
    "CODINGS_COLUMNS": "codings", "codings_frame": "codings", "read_codings": "codings",
    "write_codings": "codings", "check_codings": "codings", "add_codings": "codings",
    # automatic coding
    "parse_rule": "rules", "apply_codebook": "apply", "kwic": "kwic",
    "suggest_codes": "suggest", "accept_suggestions": "suggest", "evaluate_suggestions": "suggest",
    "evaluate_rules": "evaluate",
    "rank_units": "ranking", "simulate_review": "ranking", "get_embedder": "embed",
    # the review loop
    "ReviewSession": "review", "read_review_log": "review", "review_widget": "review_widget",
    # analysis
    "incidence_matrix": "incidence", "code_frequencies": "frequencies", "crosstab": "crosstab",
    "cooccurrence": "cooccurrence", "cooccurrence_passages": "cooccurrence", "adjust_pvalues": "cooccurrence",
    "code_by_document": "crosstab", "code_by_case": "crosstab",
    "agreement": "agreement", "cohen_kappa": "agreement", "brennan_prediger": "agreement",
    "krippendorff_alpha": "agreement",
    # exchange and output
    "write_table": "writers", "atomic_write": "writers", "read_text": "textio",
    "export_qdc": "refiqda", "import_qdc": "refiqda", "export_qdpx": "refiqda", "import_qdpx": "refiqda",
    "export_tables": "export", "write_workbook": "export", "codebook_to_markdown": "export",
    "codebook_to_html": "export", "write_codebook_document": "export", "write_codebook_yaml": "export",
    "write_cooccurrence_report": "report",
    "bundled_codebooks": "resources", "study_dir": "resources",
    # gold standard
    "load_gold": "goldstandard",
}
_SUBMODULES = ("studies", "figures", "export")

__all__ = sorted(_API) + list(_SUBMODULES)


class _Package(types.ModuleType):
    """The package module: a public function keeps its name when its module is imported.

    ``hsqual.cooccurrence``, ``hsqual.agreement``, ``hsqual.crosstab``, ``hsqual.kwic`` and
    ``hsqual.tokenize`` are functions defined in modules of the same name. Python's import
    system rebinds a package attribute to a submodule whenever that submodule is imported; here
    such a rebinding of a public function's name is ignored, so ``hsqual.kwic(...)`` always
    calls the function. The module stays available as ``sys.modules["hsqual.kwic"]`` and
    through ``from hsqual.kwic import ...``.
    """

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _API.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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


def __dir__():
    return sorted(set(globals()) | set(__all__))
