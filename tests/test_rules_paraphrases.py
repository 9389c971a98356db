"""The bundled codebooks' rules on plain paraphrases of each code's definition.

Each codebook's file ``codebooks/paraphrases/<codebook>.tsv`` holds sentences, one a line
(tab-separated: code, expect, language, text), written from a code's definition, when-to-use
and when-not-to-use the way an interviewee might say it, in English and Japanese. None comes
from a transcript. ``+`` means the rules must give the sentence the code; ``-`` means they must
not (a sense the code's when_not_to_use, or plain everyday usage, keeps out). They are read
with the codebook (``Code.paraphrases``), as the review loop's ranking reads them.

The gold splits measure the rules on interviews; these sentences guard the breadth of each
code's vocabulary, so that a rule narrowed to fit one interview shows up here as a lost
paraphrase.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import hsqual
from hsqual.corpus import Corpus, Document

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = hsqual.load_codebooks(hsqual.bundled_codebooks())


def _rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for code in CODEBOOK.codes:
        for p in code.paraphrases:
            rows.append((f"{code.codebook}:{p.line}", code.id, "+" if p.applies else "-", p.language, p.text))
    return sorted(rows)


ROWS = _rows()


def test_the_paraphrase_files_are_read_line_by_line():
    folder = hsqual.resources.bundled_path("codebooks") / "paraphrases"
    lines = sum(1 for f in folder.glob("*.tsv") for line in f.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#"))
    assert len(ROWS) == lines > 700


@pytest.fixture(scope="module")
def coded() -> dict[str, set[str]]:
    codebook = CODEBOOK
    corpus = Corpus([Document(row_id, text, {"language": language}) for row_id, _, _, language, text in ROWS])
    codings = hsqual.apply_codebook(corpus, codebook, unit="document")
    return codings.groupby("doc_id")["code"].apply(set).to_dict()


def test_every_code_of_the_themes_codebook_has_paraphrases_both_ways_in_both_languages():
    codebook = hsqual.load_codebook(ROOT / "codebooks" / "kurusu2015_themes.yaml")
    leaves = [c for c in codebook.ids if not any(other.startswith(c + ".") for other in codebook.ids)]
    have = {(code, expect, language) for _, code, expect, language, _ in ROWS}
    missing = [(c, lang) for c in leaves for lang in ("en", "ja") if (c, "+", lang) not in have]
    assert not missing, f"codes without a paraphrase the rules must code: {missing}"
    assert {code for _, code, expect, _, _ in ROWS if expect == "-"} >= {
        "understanding.state_security", "understanding.downside_risks", "assist.intervention",
        "japan.natural_disaster", "japan.social_issues", "japan.great_east_japan_earthquake",
    }


@pytest.mark.parametrize(("row_id", "code", "expect", "language", "text"), ROWS, ids=[r[0] for r in ROWS])
def test_paraphrase(coded, row_id, code, expect, language, text):
    got = coded.get(row_id, set())
    if expect == "+":
        assert code in got, f"{code} not given to {text!r} (got {sorted(got)})"
    else:
        assert code not in got, f"{code} given to {text!r}, a sense it must keep out"
