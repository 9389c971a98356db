"""The coding-rule language: a parser with caret messages, and compiled matchers.

A code carries, per language, a list of rules; the code applies to a unit (a sentence, a
segment, a document) when any of its rules matches the unit. A rule is a small boolean
expression over words, in the spirit of KH Coder's coding rules and quanteda's dictionaries,
without their traps: operators need no spaces around them, a phrase is written in quotes (and
a Japanese compound that MeCab splits is matched as a phrase even without them), and a glob
matches whole tokens.

Grammar (operators are case-insensitive words or symbols; spaces are optional)::

    rule   := or
    or     := and (("OR" | "|") and)*
    and    := not (("AND" | "&") not)*
    not    := ("NOT" | "!") not | atom
    atom   := "(" rule ")" | NEAR(group, group, N[, sentence]) | SEQ(group, group, N[, sentence])
            | term [(">=" | ">" | "==") N]
    group  := term | "(" term ("|" term)* ")"
    term   := WORD | WORD* | *WORD | "quoted phrase" | lemma:WORD | base:WORD | surface:WORD
            | WORD[pos=名詞] | /regex/ | code:CODE_ID | meta:COLUMN=VALUE

What a term matches
-------------------
``WORD``
    Japanese: a token whose UniDic lemma (``守る`` matches ``守られる``; ``為`` matches
    ``ため``) or written base form (orthBase: ``ため`` matches ``ため``) is the word, or whose
    lemma is the word's own lemma, so that spelling variants meet (``コミュニティ`` matches
    ``コミュニティー``, ``子ども`` matches ``子供``, ``ため`` matches ``為``; use ``base:`` or
    ``surface:`` to hold to one spelling).
    English: a token whose lower-cased form is the word. Matching ignores case and character
    width (both sides are NFKC-normalised and case-folded).
    A word the tokenizer would split into several tokens (``生物多様性``, ``人間の安全保障``,
    ``well-being``) is matched as the phrase of those tokens, as if it were quoted.
``"quoted phrase"``
    The phrase is tokenised with the same tokenizer and matches those tokens in a row; each
    token is matched as a bare word of its written base form (``"守られる"`` matches
    ``守られた`` too, since ``れる`` and ``れ`` share a base form). Line breaks and spaces between
    tokens of the text do not break a phrase. Inside quotes, a space-separated piece with
    ``*`` at an end is a glob (``"human secur*"``); ``\\"`` is a literal quote.
``WORD*`` / ``*WORD``
    A glob over whole tokens: the lemma, base form or surface of one token starts (ends) with
    WORD. In Japanese a glob is a prefix over *whole tokens*, not over characters of the
    running text: ``タイ*`` matches ``タイ`` and ``タイヤ`` and ``タイミング``, but ``人間の安全*``
    matches ``人間 の 安全`` followed by a token starting with ``安全``. Prefer exact lemmas in
    Japanese; use a glob when you mean it.
``lemma:WORD`` / ``base:WORD`` / ``surface:WORD``
    One field only. ``surface:`` compares the word as written in the text (after width
    normalisation) and is case-sensitive: ``surface:US`` does not match "us".
``WORD[pos=名詞]``
    Only tokens whose UniDic part of speech starts with the value (``名詞``, ``動詞``,
    ``名詞-固有名詞``). Japanese only: English tokens carry no part of speech.
``/regex/`` (``/regex/i`` ignores case)
    A regular expression searched in the unit's NFKC-normalised text (full-width letters and
    digits become ASCII); the evidence offsets point back into the original text. It runs on
    RE2 (see :func:`compile_regex`), which matches in time linear in the text whatever the
    pattern, so no rule can hang a run: Python's syntax is kept (``\\w``, ``\\d``, ``\\s``
    mean Unicode letters, digits and spaces, as in Python, so ``\\w+`` matches ``人間``), but
    lookaround (``(?=``, ``(?<=``, ...) and backreferences (``\\1``) are refused, ``\\b`` is a
    boundary of ASCII words (for English; Japanese text has no word boundaries to mark) and
    ``$`` is the very end of the unit. A pattern that can match the empty string (``/x*/``)
    is refused too: it would code every unit.
``code:CODE_ID``
    Another code of the same codebook applied (by its rules) to the same unit. Codes are
    evaluated in dependency order; a cycle of references is an error.
``meta:COLUMN=VALUE``
    The document's metadata column equals VALUE (case-insensitive; a ``;``-separated value
    matches any of its parts). ``meta:speaker=`` reads the speaker of the unit's segment.
    Quote a value with spaces: ``meta:speaker="Interviewee 4"``.

Counts and proximity
--------------------
``term >= 2`` (also ``>`` and ``==``) counts the term's occurrences in the unit.
``NEAR(a, b, N)`` holds when an occurrence of ``a`` and one of ``b`` stand within N words of
each other, in either order (adjacent words are 1 apart; punctuation is not counted; the two
must be different tokens). ``SEQ(a, b, N)`` also asks that ``a`` come first. Add
``, sentence`` to require both in one sentence, each whole (a phrase that runs over a
sentence end is in no one sentence). ``a`` and ``b`` may be groups:
``NEAR((fear | threat*), violen*, 5)``.

``NOT x`` matches a unit without ``x`` and contributes no evidence: ``保護 AND NOT 情報``
matches a sentence that speaks of 保護 and not of 情報, with 保護 as its evidence.
``AND``/``OR``/``NOT`` are operators wherever they stand as a separate run of Latin letters
(``保護AND情報`` works); to match the English word "not", quote it: ``"not"``.

Example
-------
>>> rule = parse_rule("保護 AND NOT 情報", language="ja")
>>> rule.match("住民の保護が課題だ。")
[(3, 5)]
>>> rule.match("個人情報の保護。") is None
True
>>> parse_rule('NEAR(fear, violen*, 5', language="en", code="freedoms.fear",
...            path="codebooks/x.yaml", line=42)
Traceback (most recent call last):
...
hsqual.errors.RuleSyntaxError: codebooks/x.yaml:42: code 'freedoms.fear': rule syntax error: expected ')' to close NEAR(
  NEAR(fear, violen*, 5
                       ^
"""

from .syntax import (LANGUAGES, MAX_DEPTH, And, CodeRef, Count, Meta, Near, Node, Not, Or, Regex, Term,
                     caret_error)
from .index import DocIndex, JoinedIndex
from .match import UnitSet, evaluate, evidence, merge_spans, possible_mask, unit_mask
from .rule import Rule, check_codebook_rules, code_order, dependency_order, parse_codebook_rules, parse_rule

__all__ = [
    "LANGUAGES",
    "MAX_DEPTH",
    "Rule",
    "parse_rule",
    "check_codebook_rules",
    "code_order",
    "merge_spans",
]
