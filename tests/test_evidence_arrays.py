"""Evidence gathered for many units at once is the evidence found unit by unit.

:func:`hsqual.rules.match.evidence_in_units` and :func:`merge_span_arrays` give
:func:`hsqual.apply_codebook` the evidence of a rule in all the units where it fires; here each
is held to the unit-by-unit :func:`evaluate` / :func:`merge_spans`, for every rule of the
bundled codebooks over the bundled transcripts, and for random spans.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hsqual.apply import compile_codebook, units_of
from hsqual.codebook import load_codebooks
from hsqual.resources import bundled_codebooks, bundled_path
from hsqual.rules.index import DocIndex, compile_terms
from hsqual.rules.match import (UnitSet, evaluate, evidence_in_units, merge_span_arrays, merge_spans,
                                possible_mask)
from hsqual.transcripts import load_corpus


@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 12)), max_size=8), min_size=1, max_size=6))
def test_merge_span_arrays_merges_as_merge_spans_does_in_each_unit(per_unit):
    # unit k covers characters [100 k, 100 k + 50): its spans lie inside it
    units, starts, ends, expected = [], [], [], []
    for k, spans in enumerate(per_unit):
        spans = [(100 * k + a, 100 * k + min(a + n, 50)) for a, n in spans]
        for a, b in spans:
            units.append(k)
            starts.append(a)
            ends.append(b)
        expected.extend((k, a, b) for a, b in merge_spans(spans))
    order = np.random.default_rng(len(units)).permutation(len(units))  # any order in
    u, a, b = (np.asarray(x, dtype=np.int64)[order] for x in (units, starts, ends))
    got = list(zip(*(x.tolist() for x in merge_span_arrays(u, a, b))))
    assert got == expected


@given(st.lists(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 12)), max_size=8), min_size=2, max_size=6))
def test_merge_span_arrays_merges_each_unit_on_its_own_wherever_the_units_lie(per_unit):
    # unit k covers characters [100 (n - k), 100 (n - k) + 50): the later units lie earlier in
    # the text, so a unit's spans may start before an earlier unit's end
    n = len(per_unit)
    units, starts, ends, expected = [], [], [], []
    for k, spans in enumerate(per_unit):
        spans = [(100 * (n - k) + a, 100 * (n - k) + min(a + m, 50)) for a, m in spans]
        for a, b in spans:
            units.append(k)
            starts.append(a)
            ends.append(b)
        expected.extend((k, a, b) for a, b in merge_spans(spans))
    got = list(zip(*(x.tolist() for x in merge_span_arrays(*(np.asarray(x, dtype=np.int64)
                                                            for x in (units, starts, ends))))))
    assert got == expected


@pytest.mark.parametrize("folder,lang", [("interviews", "en"), ("ja", "ja")])
def test_evidence_in_units_is_the_unit_by_unit_evidence_of_every_bundled_rule(folder, lang):
    corpus = load_corpus(bundled_path("transcripts") / folder)
    compiled = compile_codebook(load_codebooks(bundled_codebooks()))
    compile_terms(compiled.terms_for(lang), lang)
    docs = [d for d in corpus.documents if d.language == lang]
    assert docs
    checked = 0
    for doc in docs:
        units = units_of(corpus, doc, "sentence", lang)
        U = UnitSet(DocIndex(doc.text, lang), units.starts, units.ends, meta=doc.meta, speakers=units.speakers)
        for code_id, rules in compiled.codes_for(lang):
            masks = []
            for rule in rules:
                mask = possible_mask(rule.root, U)
                masks.append(mask)
                ku = np.flatnonzero(mask)
                u, a, b = merge_span_arrays(*evidence_in_units(rule.root, U, ku))
                got = {k: [] for k in ku.tolist()}
                for k, s, e in zip(u.tolist(), a.tolist(), b.tolist()):
                    got[k].append((s, e))
                want = {k: merge_spans(evaluate(rule.root, U, k)) for k in ku.tolist()}
                assert got == want, (doc.doc_id, code_id, rule.text)
                checked += len(ku)
            fired = np.logical_or.reduce(masks)
            U.set_code(code_id, fired, {k: merge_spans(s for m, r in zip(masks, rules) if m[k]
                                                       for s in evaluate(r.root, U, k))
                                        for k in np.flatnonzero(fired).tolist()})
    assert checked > 20  # the rules fired on these transcripts, so something was compared
