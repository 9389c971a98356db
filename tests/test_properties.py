"""Property-based tests: readers never fail in unexpected ways, and offsets always slice back."""

from __future__ import annotations

import dataclasses
import string

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hsqual.codebook import Code, Codebook, Example, load_codebook, parse_codebook
from hsqual.codings import CODINGS_COLUMNS, codings_frame
from hsqual.corpus import Corpus, Document
from hsqual.errors import CodebookError, RuleSyntaxError, TranscriptError
from hsqual.export import write_codebook_yaml
from hsqual.refiqda import export_qdpx, import_qdpx

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# text people write: any script, emoji and astral kanji, no control characters
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Co", "Cn"))
_word = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=8)
_line = st.text(alphabet=_chars, min_size=1, max_size=30).map(str.strip).filter(bool)
_para = st.lists(_line, min_size=1, max_size=3).map("\n".join)


@st.composite
def codebooks(draw):
    n = draw(st.integers(1, 6))
    ids: list[str] = []
    codes = []
    for _ in range(n):
        parent = draw(st.sampled_from([None, *ids])) if ids else None
        tail = draw(_word.filter(lambda w: (f"{parent}.{w}" if parent else w) not in ids))
        cid = f"{parent}.{tail}" if parent else tail
        ids.append(cid)
        examples = tuple(Example(draw(_para), draw(_line)) for _ in range(draw(st.integers(1, 3))))
        rules = draw(st.dictionaries(st.sampled_from(["en", "ja"]), st.lists(_line, min_size=1, max_size=2)
                                     .map(tuple), max_size=2))
        codes.append(Code(
            id=cid, label={"en": draw(_line), "ja": draw(_line)},
            definition={"en": draw(_para), **({"ja": draw(_para)} if draw(st.booleans()) else {})},
            when_to_use={"en": draw(_para)}, when_not_to_use={"en": draw(_para)},
            examples=examples, rules=rules, parent=parent,
            color=draw(st.none() | st.from_regex(r"#[0-9a-f]{6}", fullmatch=True)), codebook="random"))
    return Codebook("random", codes, version=draw(_line), title={"en": draw(_line), "ja": draw(_line)},
                    source=draw(_line), description={"en": draw(_para)} if draw(st.booleans()) else {})


def _plain(c: Code) -> Code:
    return dataclasses.replace(c, line=None)


@SETTINGS
@given(cb=codebooks())
def test_random_codebooks_round_trip_through_yaml(tmp_path_factory, cb):
    path = write_codebook_yaml(cb, tmp_path_factory.mktemp("cb") / "random.yaml")
    back = load_codebook(path, check_rules=False)
    assert back.ids == cb.ids
    assert [_plain(c) for c in back.codes] == [_plain(c) for c in cb.codes]
    assert (back.version, dict(back.title), back.source, dict(back.description)) == \
           (cb.version, dict(cb.title), cb.source, dict(cb.description))


_VALID_YAML = """\
id: demo
version: "1.0"
title: {en: Demo, ja: デモ}
source: Kurusu 2015
codes:
  - id: freedoms
    label: {en: Three freedoms, ja: 三つの自由}
    definition: {en: The three freedoms., ja: 三つの自由。}
    when_to_use: {en: Named.}
    when_not_to_use: {en: Not named.}
    examples:
      - quote: freedom from fear and want
        source: Kurusu 2015, §7
    rules:
      en: ['"freedom from fear"', 'NEAR(fear, violen*, 5)']
      ja: ['"恐怖からの自由"']
  - id: freedoms.fear
    parent: freedoms
    label: {en: Fear, ja: 恐怖}
    definition: {en: Violence.}
    when_to_use: {en: Violence is named.}
    when_not_to_use: {en: Economic risk.}
    examples:
      - {quote: fear of violence, source: Interviewee 4}
    color: "#1f77b4"
"""


@st.composite
def corruptions(draw):
    text = _VALID_YAML
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "insert", "replace", "swap_lines", "truncate"]))
        i = draw(st.integers(0, len(text)))
        if op == "delete":
            text = text[:i] + text[i + draw(st.integers(1, 20)):]
        elif op == "insert":
            text = text[:i] + draw(st.text(alphabet=":-[]{}\"'#&*!|>%@` \n\t,?ab1é安\x00\ufeff", max_size=6)) + text[i:]
        elif op == "replace" and i < len(text):
            text = text[:i] + draw(st.sampled_from(list(":-[]{}\"' \n"))) + text[i + 1:]
        elif op == "swap_lines":
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        else:
            text = text[:i]
    return text


@settings(max_examples=100, deadline=None)
@given(text=corruptions())
def test_corrupted_codebooks_raise_codebook_errors_only(text):
    try:
        cb = parse_codebook(text, path="demo.yaml")
    except (CodebookError, RuleSyntaxError) as exc:  # a mangled rule is reported as a rule error
        assert str(exc).startswith("demo.yaml")
    else:
        assert len(cb) >= 1


# ---------------------------------------------------------------------------------------
# The rule parser
# ---------------------------------------------------------------------------------------

_TOKENS = ["fear", "violen*", "*security", '"freedom from fear"', '"恐怖からの自由"', "安全保障", "AND", "OR", "NOT",
           "and", "&", "|", "!", "(", ")", "NEAR(", "SEQ(", ",", "5", "0", "-1", "sentence", ">=", ">", "==",
           "lemma:", "base:", "surface:", "為", "[pos=名詞]", "[pos=", "]", "/fre+dom/", "/[/", "/", "code:",
           "code:freedoms.fear", "meta:sector=NGO", 'meta:title="a b"', "meta:", '"', "\\", "*", "  ", "\t", "🙂",
           "𠮷", "'", ":", "=", "99999999999999999999"]


@settings(max_examples=300, deadline=None)
@given(tokens=st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12),
       joiner=st.sampled_from(["", " ", "  "]), language=st.sampled_from(["en", "ja"]))
def test_rule_parser_gives_a_rule_or_a_syntax_error(tokens, joiner, language):
    from hsqual.rules import Rule, parse_rule

    text = joiner.join(tokens)
    try:
        rule = parse_rule(text, language=language, code="demo.code")
    except RuleSyntaxError as exc:
        assert "demo.code" in str(exc)
    else:
        assert isinstance(rule, Rule)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), language=st.sampled_from(["en", "ja"]))
def test_rule_parser_on_arbitrary_text(text, language):
    from hsqual.rules import Rule, parse_rule

    try:
        assert isinstance(parse_rule(text, language=language), Rule)
    except RuleSyntaxError:
        pass


# ---------------------------------------------------------------------------------------
# Segmentation and cleaning keep offsets into the text
# ---------------------------------------------------------------------------------------

_transcript_piece = st.sampled_from([
    "Interviewer: ", "岡田：", "A: ", "**Q**: ", "\n", "\r\n", "\n\n", "\r\n\r\n", "。", "、", "！", "？", ". ", "? ",
    "Dr. Sato said so. ", "人間の安全保障", "恐怖からの自由", "freedom from fear", "🙂", "𠮷野家", "1. ", "- ", "・",
    "①", "「引用」", "(see p. 3)", "  ", "\t", "e.g. ", "U.S. ", "第3章", "……", "\u3000",
])
_transcripts = st.lists(_transcript_piece, min_size=1, max_size=30).map("".join)


@settings(max_examples=100, deadline=None)
@given(text=_transcripts, unit=st.sampled_from(["turn", "paragraph", "sentence", "item", "document"]),
       language=st.sampled_from(["en", "ja"]))
def test_every_segment_slices_back_out_of_its_text(text, unit, language):
    from hsqual.corpus import Segment
    from hsqual.segment import segment_text

    spans = segment_text(text, unit, language=language)
    last = 0
    for s, e, speaker, kind in spans:
        assert 0 <= s < e <= len(text) and s >= last
        assert text[s:e].strip()
        last = e
    # the corpus checks that each segment's offsets slice its text
    Corpus([Document("d", text)], [Segment("d", i, s, e, text[s:e], who, kind)
                                    for i, (s, e, who, kind) in enumerate(spans, 1)])


_pdf_piece = st.sampled_from([
    "人間の安全保", "障の概念", "\n", "\n\n", "\r\n", " ", "  ", "12\n", "- 3 -\n", "ＧＨＡ", "２０", "日 本 の 外 交",
    "4 月 3 日", "①\nＧ\nＨ\nＡ\nへ\nの\n", "freedom from fe", "ar and want.", "Human secu-", "rity", "。", "、",
    "・", "𠮷", "🙂", "(see p. 3)", "\t", "\u3000"])


@settings(max_examples=100, deadline=None)
@given(text=st.lists(_pdf_piece, min_size=1, max_size=25).map("".join), language=st.sampled_from(["en", "ja"]))
def test_cleaning_offset_map_points_back_into_the_original(text, language):
    from hsqual.clean import clean_text
    from hsqual.segment import segment_text

    result = clean_text(text, language=language)
    raw = [result.to_original(i) for i in range(len(result.text) + 1)]
    assert raw == sorted(raw) and all(0 <= r <= len(text) for r in raw)
    for i, ch in enumerate(result.text):
        r = raw[i]
        # a character is either the raw one at its mapped offset, or the product of a change there
        assert ch == text[r:r + 1] or any(c.start <= r <= c.end for c in result.changes), (i, ch, r)
    for c in result.changes:
        assert 0 <= c.start <= c.end <= len(text)
    # segments of the cleaned text map back to raw spans, in order
    last = 0
    for s, e, _, _ in segment_text(result.text, "sentence", language=language):
        rs, re_ = result.to_original_span(s, e)
        assert last <= rs <= re_ <= len(text)
        last = rs


# ---------------------------------------------------------------------------------------
# Transcript readers
# ---------------------------------------------------------------------------------------

_meta_key = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(
    lambda k: k not in ("id", "language", "file", "speakers", "segments"))
_meta_value = st.one_of(_line, st.integers(-10**6, 10**6), st.booleans(), st.lists(_line, max_size=3))
_body = st.lists(st.one_of(_line, st.sampled_from(["\n", "\r\n", "Q: ", "岡田："])), min_size=1, max_size=8).map(
    "".join).filter(lambda t: t.strip() and not t.startswith(("---", "\n", "\r")))


@SETTINGS
@given(body=_body, meta=st.dictionaries(_meta_key, _meta_value, max_size=4), doc_id=_word)
def test_markdown_transcripts_with_metadata_round_trip(tmp_path_factory, body, meta, doc_id):
    from hsqual.cli.import_ import transcript_markdown
    from hsqual.transcripts import read_transcript
    from hsqual.writers import write_text

    path = write_text(transcript_markdown(Document(doc_id, body, meta)), tmp_path_factory.mktemp("t") / "t.md")
    doc = read_transcript(path)
    assert doc.doc_id == doc_id and doc.text == body
    assert {k: v for k, v in doc.meta.items() if k not in ("language", "file", "encoding")} == meta


_docx_para = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp", "Co", "Cn")),
                     max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paragraphs=st.lists(_docx_para, min_size=1, max_size=6))
def test_docx_paragraphs_round_trip(tmp_path_factory, paragraphs):
    import docx as python_docx

    from hsqual.docx import read_docx

    d = python_docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    path = tmp_path_factory.mktemp("d") / "t.docx"
    d.save(path)
    text, _ = read_docx(path)
    assert text == "\n".join(paragraphs)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=200))
def test_transcript_bytes_decode_or_raise_a_transcript_error(data):
    from hsqual.textio import decode_bytes

    try:
        assert isinstance(decode_bytes(data), str)
    except TranscriptError:
        pass


# ---------------------------------------------------------------------------------------
# REFI-QDA round trip
# ---------------------------------------------------------------------------------------

_unicode_piece = st.sampled_from(["a", "Z", " ", "\r\n", "\n", "\r", "安", "全", "𠮷", "🙂", "👩‍👩‍👧", "é", "e\u0301",
                                  "\t", "\x0c", "\u2028", "ｶ", "、", "。", "<", "&", "\"", "]]>"])
_texts = st.lists(_unicode_piece, min_size=1, max_size=40).map("".join)
_memo = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn"), whitelist_characters="\r\n\t"),
                max_size=20)


@st.composite
def projects(draw):
    n_docs = draw(st.integers(1, 3))
    docs = [Document(f"doc{i}", draw(_texts), {"interviewee": i}) for i in range(n_docs)]
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        d = draw(st.sampled_from(docs))
        s = draw(st.integers(0, len(d.text)))
        e = draw(st.integers(s, len(d.text)))
        rows.append({"doc_id": d.doc_id, "segment_id": draw(st.integers(1, 5)),
                     "code": draw(st.sampled_from(["a", "a.b", "c"])), "start": s, "end": e, "quote": d.text[s:e],
                     "coder": draw(st.sampled_from(["kurusu2015", "sato", "rules"])), "rule": "", "memo": draw(_memo)})
    return Corpus(docs), codings_frame(rows) if rows else codings_frame()


_CB = Codebook("demo", [Code(id="a", label={"en": "A"}, codebook="demo"),
                        Code(id="a.b", label={"en": "B"}, parent="a", codebook="demo"),
                        Code(id="c", label={"en": "C"}, codebook="demo")], title={"en": "Demo"})


@SETTINGS
@given(project=projects())
def test_refiqda_round_trip_on_random_unicode(tmp_path_factory, project):
    corpus, codings = project
    path = export_qdpx(codings, corpus, _CB, tmp_path_factory.mktemp("q") / "p.qdpx")
    corpus2, codings2, _ = import_qdpx(path)
    assert [d.text for d in corpus2] == [d.text for d in corpus]
    # rows come back grouped by document, in corpus order, each document's rows in their order
    order = {d.doc_id: i for i, d in enumerate(corpus)}
    expected = codings.iloc[sorted(range(len(codings)), key=lambda i: order[codings.loc[i, "doc_id"]])]
    assert codings2[CODINGS_COLUMNS].equals(expected[CODINGS_COLUMNS].reset_index(drop=True))
    assert codings2.attrs["refiqda"]["problems"] == []
    if len(codings):
        assert codings2.attrs["refiqda"]["offsets"] == "codepoints"


@settings(max_examples=60, deadline=None)
@given(text=_texts, data=st.data())
def test_utf8_and_utf16_offsets_convert_back_to_code_points(tmp_path_factory, text, data):
    from malicious.crafted import foreign_qdpx

    s = data.draw(st.integers(0, len(text)))
    e = data.draw(st.integers(s, len(text)))
    assume(text[s:e].strip())
    convention = data.draw(st.sampled_from(["utf8", "utf16"]))
    enc = "utf-8" if convention == "utf8" else "utf-16-le"
    width = 1 if convention == "utf8" else 2
    units = (len(text[:s].encode(enc)) // width, len(text[:e].encode(enc)) // width)
    path = tmp_path_factory.mktemp("f") / "f.qdpx"
    path.write_bytes(foreign_qdpx(text, [(*units, None)]))
    _, codings, _ = import_qdpx(path, offsets=convention)
    assert (codings.loc[0, "start"], codings.loc[0, "end"]) == (s, e)
    assert codings.loc[0, "quote"] == text[s:e]
