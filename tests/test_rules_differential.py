"""The rule engine against an independent reference written from the documentation.

``tests/reference_rules.py`` implements the rule language plainly from README "Coding rules",
``docs/architecture.md`` and the docstrings of :mod:`hsqual.rules`, using only public building
blocks (tokens, units, ``re``, NFKC). Two tests hold :func:`hsqual.apply_codebook` to it:

* a table of rules and small texts whose verdicts were worked out by hand, checked against
  both the engine and the reference (so a wrong reference fails too);
* a property test: random rules from the grammar over words of real transcripts, applied by
  sentence and by segment; the same units must fire with the same codes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, field

import pytest

import hsqual
from hsqual.codebook import Code, Codebook
from hsqual.corpus import Corpus, Document, Segment
from hsqual.resources import bundled_path

import reference_rules as R


def _code(cid, lang, *rules):
    return Code(id=cid, label={"en": cid, "ja": cid}, rules={lang: tuple(rules)}, codebook="t")


# =========================================================================================
# Verdicts worked out by hand
# =========================================================================================


@dataclass
class Case:
    lang: str
    rule: str
    text: str
    fires: bool
    why: str
    meta: dict = field(default_factory=dict)
    speaker: str | None = None
    others: dict = field(default_factory=dict)  # other codes of the codebook, for code:
    evidence: list | None = None  # the words that made it fire, as quoted strings


CASES = [
    # --- English terms: lower-cased words, globs over whole tokens, phrases
    Case("en", "empower*", "Empowerment of communities matters.", True, "prefix glob, any case",
         evidence=["Empowerment"]),
    Case("en", "empower*", "The disempowered speak.", False, "a glob is a prefix of the whole token"),
    Case("en", "*ment", "Empowerment matters.", True, "suffix glob"),
    Case("en", "Dignity", "dignity for all", True, "English words are lower-cased"),
    Case("en", '"freedom from fear"', "Freedom from fear is basic.", True, "phrase, any case",
         evidence=["Freedom from fear"]),
    Case("en", '"freedom from fear"', "freedom from want and fear", False, "phrase tokens must be consecutive"),
    Case("en", '"freedom from fear"', "freedom from\nfear", True, "a line break does not break a phrase"),
    Case("en", '"human secur*"', "Human securitization", True, "a glob piece inside quotes"),
    Case("en", "well-being", "their well-being", True, "a hyphenated word is one token"),
    Case("en", "well-being", "being well being", False, "well-being is not 'well being'"),
    Case("en", "surface:US", "help us now", False, "surface: is case-sensitive"),
    Case("en", "surface:US", "the US said", True, "surface: as written"),
    Case("en", '"not"', "it is not enough", True, "a quoted operator word is a word"),
    Case("en", "fear AND or*", "fear of orbits", True, "or* is a glob, not the operator OR"),
    # --- NEAR / SEQ: order and distance edges
    Case("en", "NEAR(fear, violen*, 3)", "violence creates fear", True, "either order, 2 apart"),
    Case("en", "NEAR(fear, violence, 2)", "fear of the violence", False, "3 apart > 2"),
    Case("en", "NEAR(fear, violence, 3)", "fear of the violence", True, "3 apart <= 3"),
    Case("en", "NEAR(fear, violence, 1)", "fear, violence", True, "adjacent words are 1 apart"),
    Case("en", "NEAR(fear, fear, 1)", "only fear here", False, "the two must be different tokens"),
    Case("en", "NEAR(fear, fear, 2)", "fear and fear", True, "two occurrences of one word"),
    Case("en", "SEQ(protect*, civilian*, 3)", "civilians need protection", False, "SEQ keeps the order"),
    Case("en", "SEQ(protect*, civilian*, 3)", "protecting the civilians", True, "first then second, 2 apart"),
    Case("en", "NEAR(fear, want, 5)", "Fear is real. Want is too.", True, "across sentences without ', sentence'"),
    Case("en", "NEAR(fear, want, 5, sentence)", "Fear is real. Want is too.", False, "', sentence' keeps to one"),
    Case("en", "NEAR((fear | threat*), (want | need*), 2)", "threats and needs", True, "groups on both sides"),
    Case("en", 'NEAR(written, "letters but", 5, sentence)', "It is written in letters. But if you ask.", False,
         "the phrase runs over the sentence end: the two are not both in one sentence"),
    Case("en", 'SEQ("letters but", ask, 3, sentence)', "It is written in letters. But if you ask.", False,
         "the same, the phrase first"),
    Case("en", 'NEAR(written, "letters but", 5)', "It is written in letters. But if you ask.", True,
         "without ', sentence' the sentence end does not matter"),
    Case("en", 'NEAR(written, "in letters", 5, sentence)', "It is written in letters. But if you ask.", True,
         "the phrase ends where the sentence ends: both whole in one sentence"),
    Case("en", 'NEAR(ask, ("letters but" | "if you"), 3, sentence)', "It is written in letters. But if you ask.",
         True, "the phrase over the sentence end pairs with nothing, the one inside the sentence does",
         evidence=["if you", "ask"]),
    Case("en", '"letters but" >= 1', "It is written in letters. But if you ask.", True,
         "a phrase itself runs over a sentence end", evidence=["letters. But"]),
    Case("ja", "NEAR(人々, 保護支援, 3, sentence)", "人々の保護\n支援が大切です。", False,
         "保護|支援 runs over the line break that ends the first sentence"),
    Case("ja", "NEAR(人々, 保護支援, 3)", "人々の保護\n支援が大切です。", True, "without ', sentence' it pairs",
         evidence=["人々", "保護\n支援"]),
    Case("ja", "SEQ(人々, 保護支援, 3, sentence)", "人々の保護支援が大切です。", True, "both in one sentence"),
    # --- counts
    Case("en", "security >= 2", "Human security and national security.", True, "two occurrences"),
    Case("en", "security >= 2", "Human security.", False, "one occurrence"),
    Case("en", "security == 1", "Human security.", True, "exactly one"),
    Case("en", "security > 1", "security, security", True, "more than one"),
    Case("en", "fear == 0", "hope", True, "a count of zero holds where the word is absent"),
    # --- Boolean operators, nesting, symbols
    Case("en", "dignity AND NOT (fear OR want)", "dignity without fear", False, "NOT of an OR"),
    Case("en", "dignity AND NOT (fear OR want)", "dignity for all", True, "nothing excluded present",
         evidence=["dignity"]),
    Case("en", "(dignity | freedom) & !(fear & (want | violence))", "freedom from fear", True,
         "fear without want/violence does not exclude"),
    Case("en", "(dignity | freedom) & !(fear & (want | violence))", "freedom from fear and want", False,
         "fear and want exclude"),
    Case("en", "NOT fear", "hope", True, "NOT alone fires, with no evidence", evidence=[]),
    Case("en", "fear and not want or hope", "want and hope", True, "NOT binds tighter than AND, AND than OR"),
    # --- regex over NFKC text
    Case("en", r"/\bUN\b/", "ＵＮ agencies", True, "full-width letters are ASCII for a regex"),
    Case("en", "/human security/i", "HUMAN SECURITY", True, "/i ignores case"),
    Case("en", "/human security/", "HUMAN SECURITY", False, "case matters without /i"),
    # --- meta: and code:
    Case("en", "meta:sector=NGO AND dignity", "dignity", True, "any part of a ;-joined value, any case",
         meta={"sector": "government; ngo"}),
    Case("en", "meta:sector=NGO AND dignity", "dignity", False, "another sector", meta={"sector": "academia"}),
    Case("en", 'meta:speaker="Interviewee 4"', "anything", True, "the unit's speaker", speaker="Interviewee 4"),
    Case("en", 'meta:speaker="Interviewee 4"', "anything", False, "another speaker", speaker="Interviewer"),
    Case("en", "code:fear AND violence", "fear of violence", True, "the other code applies",
         others={"fear": "fear"}),
    Case("en", "code:fear AND violence", "violence alone", False, "the other code does not apply",
         others={"fear": "fear"}),
    # --- Japanese: lemmas, base forms, spelling variants, fields
    Case("ja", "守る", "人権が守られる社会", True, "the lemma of 守ら", evidence=["守ら"]),
    Case("ja", "ため", "平和の為に", True, "ため finds 為 through its lemma"),
    Case("ja", "base:ため", "平和の為に", False, "base: holds to one spelling"),
    Case("ja", "lemma:為", "平和のために", True, "the lemma of ため is 為"),
    Case("ja", "lemma:ため", "平和のために", False, "lemma: compares the lemma, which is 為"),
    Case("ja", "surface:ため", "平和の為に", False, "surface: as written"),
    Case("ja", "コミュニティ", "コミュニティーの力", True, "a spelling variant with the same lemma"),
    Case("ja", "子ども", "子供の権利", True, "子ども finds 子供"),
    # --- compounds MeCab splits, phrases
    Case("ja", "人間の安全保障", "人間の安全保障を重視する", True, "a split compound as a phrase"),
    Case("ja", "人間の安全保障", "人間の安全と保障", False, "its tokens must be consecutive"),
    Case("ja", "生物多様性", "生物多様性の保全", True, "生物|多様|性 as one term"),
    Case("ja", "まで", "日本にたどり着くまでに", True, "MeCab splits まで alone (ま|で); in the text it is one token"),
    Case("ja", "base:まで", "日本にたどり着くまでに", True, "the same with a field"),
    Case("ja", '"人間の安全保障"', "人間の\n安全保障", True, "a line break does not break a phrase"),
    Case("ja", '"ために"', "平和の為に", True,
         "each phrase token is matched as a bare word of its base form, and ため finds 為"),
    Case("ja", '"ため に"', "平和の為に", True, "the same phrase in two pieces"),
    Case("ja", '"いる トピッ*"', "議論されているトピック", True,
         "a glob piece in quotes over whole tokens: トピック starts with トピッ"),
    Case("ja", "という", "平和と言うこと", True,
         "という splits into と|いう, matched as a phrase; いう finds 言う through its lemma"),
    Case("ja", '"人間のための安全"', "人間の為の安全", True,
         "a phrase whose middle token differs in spelling: ため finds 為 through its lemma", evidence=["人間の為の安全"]),
    Case("ja", "人間のための安全", "人間の為の安全", True, "the same, a bare word MeCab splits"),
    Case("ja", "そのために", "其の為に", True, "every token through its lemma: その finds 其の, ため finds 為"),
    Case("ja", '"子どもの権利"', "子供の権利", True, "子ども finds 子供 inside a phrase as it does alone"),
    Case("ja", "という[pos=動詞]", "平和と言うこと", True, "the filter tests the last token, found through its lemma"),
    Case("ja", "という[pos=名詞]", "平和と言うこと", False, "言う is a verb"),
    Case("ja", '"ために" == 2', "平和のために、平和の為に", True, "a phrase found by base forms and through lemmas: two",
         evidence=["ために", "為に"]),
    # --- POS filters, globs
    Case("ja", "守る[pos=名詞]", "人権を守る", False, "守る is a verb"),
    Case("ja", "守る[pos=動詞]", "人権を守る", True, "pos1 prefix"),
    Case("ja", "保護[pos=名詞-普通名詞]", "住民の保護", True, "pos1-pos2 prefix"),
    Case("ja", "タイ*", "タイヤの話", True, "a prefix glob over whole tokens"),
    Case("ja", "*保障", "安全保障", True, "a suffix glob"),
    Case("ja", "安全*", "人間の安全保障", True, "安全 starts with 安全"),
    # --- regex
    Case("ja", "/尊厳を?もって生きる/", "尊厳をもって生きる", True, "optional を present"),
    Case("ja", "/尊厳を?もって生きる/", "尊厳もって生きる", True, "optional を absent"),
    Case("ja", "/尊厳を?もって生きる/", "尊厳と生きる", False, "no match"),
    Case("ja", "/G7/", "Ｇ７サミット", True, "NFKC: Ｇ７ is G7"),
    # --- Boolean operators, symbols, no spaces
    Case("ja", "保護 AND NOT (情報 OR データ)", "住民の保護が課題だ。", True, "保護 without 情報",
         evidence=["保護"]),
    Case("ja", "保護 AND NOT (情報 OR データ)", "個人情報の保護。", False, "情報 excludes"),
    Case("ja", "保護AND情報", "個人情報の保護", True, "AND needs no spaces"),
    Case("ja", "（保護｜支援）＆人々", "人々の支援", True, "full-width parentheses and operators"),
    # --- NEAR / SEQ in Japanese: punctuation is not counted
    Case("ja", "NEAR(人々, 保護, 3)", "保護される人々", True, "保護|さ|れる|人々: 3 apart"),
    Case("ja", "NEAR(人々, 保護, 2)", "保護される人々", False, "3 apart > 2"),
    Case("ja", "NEAR(人々, 保護, 1)", "人々、保護", True, "、 is not a word"),
    Case("ja", "NEAR(4, 1, 1)", "4-1. 目標", True, "- (UniDic 記号) is not a word either"),
    Case("ja", "NEAR(人々, 保護, 1)", "人々①保護", False, "① is a word (名詞-数詞): 2 apart"),
    Case("ja", "SEQ(紛争, 暴力, 3)", "暴力と紛争", False, "the wrong order"),
    Case("ja", "SEQ(紛争, 暴力, 3)", "紛争と暴力", True, "the right order"),
    Case("ja", "恐怖 >= 2", "恐怖と恐怖", True, "two occurrences"),
    Case("ja", "恐怖 >= 2", "恐怖と暴力", False, "one occurrence"),
    Case("ja", "ため >= 2", "平和のため", False, "one token is one occurrence, matched by base form and by lemma"),
    Case("ja", "まとめる == 1", "意見をまとめて説明する", True, "まとめ (lemma 纏める, base まとめる) once"),
    Case("ja", "ため == 1", "平和の為に", True, "為 is found through the lemma only: once"),
    Case("ja", "かける == 1", "時間をかける", True,
         "かける (base かける, lemma 掛ける) is found by its base form only (かける alone has lemma カケル): once"),
    Case("ja", "ため == 2", "平和のため、平和の為に", True, "ため by base form and lemma, 為 by lemma: two",
         evidence=["ため", "為"]),
    Case("ja", "ため > 2", "平和のため、平和の為に", False, "no more than two"),
    Case("ja", "まとめる >= 2", "意見をまとめて説明する", False, "one まとめ is not two"),
]

# Real disagreements where the documentation is clear and the engine is wrong: (rule, text)
# -> why. Each case stays here, marked strict xfail, until the engine is fixed. None stands now.
ENGINE_BUGS: dict[tuple[str, str], str] = {}


def _case_corpus(case: Case) -> Corpus:
    doc = Document("d", case.text, dict(case.meta, language=case.lang))
    return Corpus([doc], [Segment("d", 1, 0, len(case.text), case.text, case.speaker, "turn")])


def _case_codebook(case: Case) -> Codebook:
    return Codebook("t", [_code(cid, case.lang, rule) for cid, rule in case.others.items()]
                    + [_code("t", case.lang, case.rule)])


def _case_id(case: Case) -> str:
    return f"{case.lang}:{case.rule}|{case.text}"


@pytest.mark.parametrize("case", [pytest.param(c, id=_case_id(c)) for c in CASES])
def test_reference_gives_the_hand_worked_verdict(case):
    got = R.reference_codings(_case_corpus(case), _case_codebook(case), unit="segment")
    assert (("d", 0, len(case.text), "t") in got) is case.fires, case.why
    if case.fires and case.evidence is not None:
        spans = R.match(case.rule, case.text, language=case.lang, meta=case.meta, speaker=case.speaker)
        assert [case.text[a:b] for a, b in spans] == case.evidence


def _engine_params():
    for case in CASES:
        reason = ENGINE_BUGS.get((case.rule, case.text))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=_case_id(case), marks=marks)


@pytest.mark.parametrize("case", list(_engine_params()))
def test_engine_gives_the_hand_worked_verdict(case):
    df = hsqual.apply_codebook(_case_corpus(case), _case_codebook(case), unit="segment")
    rows = df[df["code"] == "t"]
    assert (len(rows) == 1) is case.fires, case.why
    if case.fires and case.evidence is not None:
        spans = rows["match_spans"].iloc[0]
        pairs = [tuple(map(int, p.split("-"))) for p in spans.split(";")] if spans else []
        assert [case.text[a:b] for a, b in pairs] == case.evidence


def test_every_kind_of_term_is_in_the_table():
    rules = " ".join(c.rule for c in CASES)
    for needle in ("*", '"', "lemma:", "base:", "surface:", "[pos=", "/", "NEAR(", "SEQ(", ">=", "==", ">",
                   "NOT", "!", "&", "|", "（", "code:", "meta:", ", sentence"):
        assert needle in rules, needle
    assert {c.fires for c in CASES} == {True, False}
    assert {c.lang for c in CASES} == {"en", "ja"}


# =========================================================================================
# Random rules over real transcripts, engine against reference
# =========================================================================================

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_FILES = {"ja": ["ja/essay_diplomacy_human_security.md", "ja/manifesto_foreign_defence.md",
                 "interviews/ja_csr_manager.md", "interviews/ja_refugee_support_worker.md"],
          "en": ["interviews/en_refugee_ngo_worker.md", "interviews/en_aid_agency_officer.md"]}
_CHARS = 1500  # of each document: a few hundred sentences in all
_OPERATOR_RUN = re.compile(r"[A-Za-z0-9]+")


def _corpus() -> Corpus:
    """The first turns of a few real transcripts (speakers and metadata kept)."""
    docs, segs = [], []
    for paths in _FILES.values():
        loaded = hsqual.load_corpus([bundled_path("transcripts") / p for p in paths])
        for doc in loaded.documents:
            kept = [s for s in loaded.segments if s.doc_id == doc.doc_id and s.end <= _CHARS]
            cut = max(s.end for s in kept)
            docs.append(Document(doc.doc_id, doc.text[:cut], dict(doc.meta)))
            segs += kept
    return Corpus(docs, segs)


def _usable(word: str) -> bool:
    """A word a rule can name bare: letters and digits, no operator inside it."""
    return word.isalnum() and not any(m.group().lower() in ("and", "or", "not", "near", "seq", "sentence")
                                      for m in _OPERATOR_RUN.finditer(word))


@pytest.fixture(scope="module")
def material():
    corpus = _corpus()
    out = {"corpus": corpus}
    for lang in ("ja", "en"):
        docs = [d for d in corpus.documents if d.meta["language"] == lang]
        toks = hsqual.tokenize_many([d.text for d in docs], language=lang)
        words = sorted({w for ts in toks for t in ts for w in (t.lemma, t.base, t.surface) if _usable(w)})
        runs = sorted({tuple(t.surface for t in ts[i:i + k]) for ts in toks for k in (2, 3)
                       for i in range(len(ts) - k + 1) if all(_usable(t.surface) for t in ts[i:i + k])})
        texts = [unicodedata.normalize("NFKC", d.text) for d in docs]
        out[lang] = {"words": words, "runs": runs, "texts": texts,
                     "meta": sorted({(c, str(v).split(";")[0].strip()) for d in docs for c, v in d.meta.items()
                                     if c in ("sector", "kind") and str(v).strip() and " " not in str(v).strip()}),
                     "speakers": sorted({s.speaker for s in corpus.segments if s.speaker and " " not in s.speaker
                                         and s.doc_id in {d.doc_id for d in docs}})}
    n_sentences = sum(len(hsqual.segment.units_of_segment(s, "sentence", language=corpus.doc(s.doc_id).meta["language"]))
                      for s in corpus.segments)
    assert 150 <= n_sentences <= 600, n_sentences
    return out


def _wide(word: str) -> str:
    """ASCII letters and digits as their full-width forms (ｆｅａｒ, Ｇ７)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in word)


@st.composite
def _term(draw, m, lang, *, regex=True):
    words, runs = m["words"], m["runs"]
    kind = draw(st.sampled_from(["word", "word", "field", "glob", "suffix", "phrase", "compound", "pos", "regex"]))
    w = draw(st.sampled_from(words))
    if kind != "regex":  # "Matching ignores case and character width" (surface: keeps case)
        w = draw(st.sampled_from([w, w, w.upper(), w.title(), _wide(w)]))
    if kind == "field":
        return draw(st.sampled_from(["lemma:", "base:", "surface:"])) + w
    if kind == "glob" and len(w) > 1:
        return w[:draw(st.integers(1, len(w) - 1))] + "*"
    if kind == "suffix" and len(w) > 1:
        return "*" + w[draw(st.integers(1, len(w) - 1)):]
    if kind == "phrase":
        run = list(draw(st.sampled_from(runs)))
        if draw(st.booleans()) and len(run[-1]) > 1:
            run[-1] = run[-1][:-1] + "*"
        return '"' + " ".join(run) + '"' if (lang == "en" or "*" in run[-1]) else '"' + "".join(run) + '"'
    if kind == "compound" and lang == "ja":
        return "".join(draw(st.sampled_from(runs))[:2])
    if kind == "pos" and lang == "ja":
        return w + draw(st.sampled_from(["[pos=名詞]", "[pos=動詞]", "[pos=名詞-普通名詞]", "[pos=助詞]"]))
    if kind == "regex" and regex:
        text = draw(st.sampled_from(m["texts"]))
        i = draw(st.integers(0, len(text) - 4))
        piece = text[i:i + draw(st.integers(2, 4))]
        if any(c in piece for c in '/"\\') or not piece.strip():
            return w
        pat = re.escape(piece)
        pat = draw(st.sampled_from([pat, pat + "?", "^" + pat, pat + "|" + re.escape(w), f"(?:{pat}).{{0,3}}\\w"]))
        return "/" + pat + "/" + draw(st.sampled_from(["", "", "i"]))
    return w


@st.composite
def _group(draw, m, lang):
    if draw(st.booleans()):
        return draw(_term(m, lang, regex=False))
    return "(" + draw(st.sampled_from([" | ", "|"])).join(
        draw(st.lists(_term(m, lang, regex=False), min_size=2, max_size=3))) + ")"


@st.composite
def _atom(draw, m, lang, depth=0):
    kind = draw(st.sampled_from(["term", "term", "near", "count", "bool", "not"] if depth < 2 else ["term"]))
    if kind == "near":
        tail = draw(st.sampled_from(["", "", ", sentence"]))
        op = draw(st.sampled_from(["NEAR", "SEQ", "near"]))
        return f"{op}({draw(_group(m, lang))}, {draw(_group(m, lang))}, {draw(st.integers(1, 8))}{tail})"
    if kind == "count":
        op = draw(st.sampled_from([">=", ">", "=="]))
        return f"{draw(_term(m, lang))} {op} {draw(st.integers(0, 3))}"
    if kind == "bool":
        op = draw(st.sampled_from(["AND", "OR", "&", "|", "and", "AND NOT", "& !"]))
        return f"({draw(_atom(m, lang, depth + 1))} {op} {draw(_atom(m, lang, depth + 1))})"
    if kind == "not":
        return "NOT " + draw(_atom(m, lang, depth + 1))
    return draw(_term(m, lang))


@st.composite
def _codebook(draw, m, lang):
    codes = [_code(f"c{i}", lang, *draw(st.lists(_atom(m, lang), min_size=1, max_size=2))) for i in range(5)]
    extra = []
    if m[lang]["meta"]:
        col, value = draw(st.sampled_from(m[lang]["meta"]))
        extra.append(f"meta:{col}={value} AND {draw(_atom(m, lang))}")
    if m[lang]["speakers"]:
        extra.append(f"meta:speaker={draw(st.sampled_from(m[lang]['speakers']))} AND {draw(_term(m, lang))}")
    extra.append(f"code:c{draw(st.integers(0, 4))} {draw(st.sampled_from(['AND', 'OR', 'AND NOT']))} "
                 f"{draw(_atom(m, lang))}")
    codes.append(_code("c5", lang, *extra))
    return Codebook("t", codes)


def _engine(corpus, codebook, unit, *, evidence=None):
    df = hsqual.apply_codebook(corpus, codebook, unit=unit)
    keys = list(zip(df["doc_id"], df["start"].astype(int), df["end"].astype(int), df["code"]))
    if evidence is not None:
        evidence.update(zip(keys, df["match_spans"]))
    return set(keys)


def _check(m, lang, codebook, fired, compared):
    corpus = m["corpus"]
    for unit in ("sentence", "segment"):
        ref = R.reference_codings(corpus, codebook, unit=unit)
        want, spans = set(ref), {}
        got = _engine(corpus, codebook, unit, evidence=spans)
        rules = {c.id: c.rules[lang] for c in codebook.codes}
        missing = sorted(want - got)[:5]
        extra = sorted(got - want)[:5]
        fired.update((unit, k[3], str(codebook.codes[int(k[3][1:])].rules[lang])) for k in want)
        assert got == want, (f"unit={unit}: the reference fires and the engine does not: {missing}; "
                             f"the engine fires and the reference does not: {extra}; rules {rules}")
        # the evidence (match_spans: the words that made the code fire), where the reference
        # works it out (rules without regexes and code: terms)
        for key, (_, ev) in ref.items():
            if ev is not None:
                assert spans[key] == ev, (unit, key, rules[key[3]], spans[key], ev)
                compared.append(key)


# Examples per language: 15 keep the test near 10 s. Set HSQUAL_DIFFERENTIAL_EXAMPLES=400 to
# search wider (a few minutes): a wide search is what found the engine bugs that were once listed
# in ENGINE_BUGS (counts of words whose lemma and base form differ, phrases through lemmas).
_EXAMPLES = int(os.environ.get("HSQUAL_DIFFERENTIAL_EXAMPLES", "15"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_random_rules_fire_on_the_same_units_as_the_reference(material, lang):
    """Five random codes and one with meta:, meta:speaker= and code: per example; the same
    (doc_id, unit start, unit end, code) by sentence and by segment, and the same evidence
    where the reference works it out."""
    m = dict(material, **material[lang])

    @seed(12 if lang == "ja" else 10)
    @settings(max_examples=_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_codebook(m, lang))
    def run(codebook):
        _check(material, lang, codebook, fired, compared)

    fired: set = set()
    compared: list = []
    run()
    assert len(compared) >= 200, len(compared)
    # the comparison is not between empty tables: many codes fired, by sentence and by segment
    assert len(fired) >= 40, len(fired)


# phrases and NEAR pairs that run over the end of a sentence (a line break, a blank line)
_SEAMS = {"ja": ("人々の保護\n支援が大切です。人々を保護支援する。",
                 ['NEAR(人々, "保護支援", 3)', "NEAR(人々, 保護支援, 3, sentence)", '"保護支援" >= 1',
                  "SEQ(保護, 支援, 1)", "NEAR((人々|保護支援), 大切, 4)", 'NEAR(人々, ("保護支援"|保護), 3)']),
          "en": ("Freedom from\n\nfear and people. Fear of violence.",
                 ['NEAR("from fear", people, 3)', '"freedom from fear" OR "from fear" >= 1',
                  "SEQ(from, fear, 1, sentence)", 'NEAR((freedom|"from fear"), violence, 9)',
                  'NEAR(freedom, ("from fear"|from), 3)'])}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_matches_across_sentence_ends_agree_with_the_reference(lang):
    text, rules = _SEAMS[lang]
    corpus = Corpus([Document("seam", text, {"language": lang})])
    cb = Codebook("t", [_code(f"c{i}", lang, r) for i, r in enumerate(rules)])
    for unit in ("sentence", "segment"):
        want = set(R.reference_codings(corpus, cb, unit=unit))
        assert _engine(corpus, cb, unit) == want
    # not an empty comparison: the phrase rule fires on the whole text taken as one segment
    assert ("seam", 0, len(text), "c2" if lang == "ja" else "c1") in want
