"""The normalised text a /regex/ rule searches, and its maps back to the original offsets."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from hsqual.rules.index import normalize_with_map
from hsqual.tokens import normalize_for_matching, starts_with_mark

# plain, width forms, expanding (…, ①, ㈱, ﬁ, ㍻), marks (combining and spacing), a lone surrogate
ALPHABET = list("ab ｱｶﾞ…①⑩ﾃﾞﾓ㈱ガ\u3099゛ﾞＡ１ﬁ㍻\ud800x。、\n")


def _check_maps(text: str) -> str:
    norm, n2o_start, n2o_end, o2n = normalize_with_map(text)
    n = len(text)
    assert len(o2n) == n + 1 and o2n[0] == 0 and o2n[n] == len(norm)
    assert (o2n[1:] >= o2n[:-1]).all()
    assert len(n2o_start) == len(n2o_end) == len(norm)
    for j in range(len(norm)):  # each normalised character comes from the characters it maps to
        a, b = int(n2o_start[j]), int(n2o_end[j])
        assert 0 <= a < b <= n and o2n[a] <= j < max(o2n[b], o2n[a] + 1)
    return norm


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from([c for c in ALPHABET if not starts_with_mark(c)]), max_size=60))
def test_without_marks_each_character_is_normalised_on_its_own(text):
    norm = _check_maps(text)
    _, n2o_start, _, o2n = normalize_with_map(text)
    t1 = normalize_for_matching(text)
    for i, ch in enumerate(t1):
        piece = norm[o2n[i]:o2n[i + 1]]
        assert piece == unicodedata.normalize("NFKC", ch)
        assert (n2o_start[o2n[i]:o2n[i + 1]] == i).all()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=60))
def test_with_marks_the_maps_stay_consistent(text):
    _check_maps(text)


def test_a_mark_composes_with_the_character_before_it_and_maps_to_both():
    norm, starts, ends, o2n = normalize_with_map("ﾃﾞﾓ…")
    assert norm == "デモ..."
    assert starts.tolist() == [0, 2, 3, 3, 3] and ends.tolist() == [2, 3, 4, 4, 4]
    assert o2n.tolist() == [0, 0, 1, 2, 5]


def test_a_long_text_with_many_expanding_characters():
    text = ("人間の安全保障…①" * 30_000) + "終わり"
    norm, starts, ends, o2n = normalize_with_map(text)
    assert norm == ("人間の安全保障...1" * 30_000) + "終わり"
    assert len(text) > 200_000 and o2n[-1] == len(norm)
    k = norm.index("1")
    assert text[starts[k]:ends[k]] == "①"
