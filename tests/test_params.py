"""Every public function declares its options (hsqual.params) and refuses a wrong call with an
HsqualError naming the option: a wrong type, a value not allowed, options that cannot apply
together."""

from __future__ import annotations

import functools
import inspect

import pytest

import hsqual
from hsqual.errors import Errors, HsqualError, OptionError

# Functions this walk cannot call, each with its reason.
EXEMPT = {
    # its data argument is a ReviewSession, which this walk cannot make from plain values;
    # tests/test_review.py checks its options
    "review_widget",
}
# Classes (Codebook, Corpus, Document, ...) are records: their constructors check their fields;
# this walk covers the functions.


def _functions():
    for name, module in sorted(hsqual._API.items()):
        obj = getattr(hsqual, name)
        if inspect.isfunction(obj):
            yield name


FUNCTIONS = [n for n in _functions() if n not in EXEMPT]


def _spec(name):
    spec = getattr(getattr(hsqual, name), "__hsqual_params__", None)
    assert spec is not None, f"hsqual.{name} declares no parameters (decorate it with hsqual.params.validate_params)"
    return spec


@functools.cache
def _candidates():
    import numpy as np
    import pandas as pd
    codings = hsqual.codings_frame([{"doc_id": "d", "segment_id": 1, "start": 0, "end": 1, "quote": "x",
                                     "code": "a", "coder": "me"}])
    codebook = hsqual.load_codebook(hsqual.bundled_codebooks()[0])
    return [codings, hsqual.Corpus([hsqual.Document("d", "x")]), codebook, "segment", "x", 1, 0.5, True,
            ["x"], {"x": codings}, np.array([0.5]), pd.Series([0.5]), str, "en"]


def _placeholders(spec):
    """Required arguments: for each, the first of a few plain values that its declared type
    and allowed values accept (the call is refused before it reaches them)."""
    args, kwargs = [], {}
    checks = spec.checks()
    for p in spec.signature.parameters.values():
        if p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        check = checks.get(p.name)
        allowed = spec.choices.get(p.name)
        value = next(v for v in _candidates()
                     if (check is None or check[0](v)) and (allowed is None or v in allowed))
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = value
        else:
            args.append(value)
    return args, kwargs


def _call(name, /, **options):
    spec = _spec(name)
    args, kwargs = _placeholders(spec)
    kwargs.update(options)
    with pytest.raises(HsqualError) as err:
        getattr(hsqual, name)(*args, **kwargs)
    return err.value


def test_the_exemptions_are_public_functions():
    assert EXEMPT <= set(hsqual._API)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_option_has_a_declared_type(name):
    spec = _spec(name)
    unchecked = [o for o in spec.options() if o not in spec.checked()]
    assert not unchecked, f"hsqual.{name}: the type of {unchecked} is not declared (annotate it)"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_wrong_type_is_refused_naming_the_option(name):
    spec = _spec(name)
    for option in spec.options():
        err = _call(name, **{option: object()})
        assert isinstance(err, OptionError) and isinstance(err, TypeError)
        assert (err.error_code, err.option) == ("E101", option), str(err)
        assert f"] {name}: {option} must be" in str(err) and "(object)" in str(err)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_value_not_allowed_is_refused(name):
    spec = _spec(name)
    for option, allowed in spec.choices.items():
        err = _call(name, **{option: "no-such-value"} if all(isinstance(a, str) for a in allowed) else
                    {option: 10**9})
        assert (err.error_code, err.option) == ("E102", option), str(err)
        assert repr(allowed[0]) in str(err)
    for option, (lo, hi) in spec.ranges.items():
        bad = lo - 1 if lo is not None else hi + 1
        err = _call(name, **{option: bad})
        assert (err.error_code, err.option) == ("E103", option), str(err)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_options_that_cannot_apply_together_are_refused(name):
    spec = _spec(name)
    codes = {"only_with": "E104", "needs": "E105", "excludes": "E106"}
    for rule in spec.rules:
        options = dict(rule.example)
        if rule.option not in options:
            options[rule.option] = spec.signature.parameters[rule.option].default
        err = _call(name, **options)
        assert (err.error_code, err.option) == (codes[rule.kind], rule.option), str(err)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_unknown_keyword_is_refused_with_the_options_listed(name):
    spec = _spec(name)
    if spec.accepts_any_keyword:
        return
    err = _call(name, colour="red")
    assert (err.error_code, err.option) == ("E107", "colour")
    for option in spec.options():
        assert option in str(err)


def test_the_options_that_did_nothing_are_refused():
    """The options found ignored in issue 12 are each refused where they cannot apply."""
    codings = hsqual.codings_frame([{"doc_id": "d", "segment_id": 1, "start": 0, "end": 1, "quote": "x",
                                     "code": "a", "coder": "me"}])
    cases = [
        (hsqual.cooccurrence, dict(unit="segment", window=3), "window", "unit is 'proximity'"),
        (hsqual.cooccurrence, dict(n_permutations=99), "n_permutations", "test is 'permutation'"),
        (hsqual.cooccurrence, dict(test="fisher", random_state=1), "random_state", "test is 'permutation'"),
        (hsqual.cooccurrence, dict(correction="holm"), "correction", "test is given"),
    ]
    for func, options, option, condition in cases:
        with pytest.raises(OptionError, match=r"\[E104\]") as err:
            func(codings, **options)
        assert err.value.option == option and condition in str(err.value)


def test_the_catalogue_codes_are_unique_and_say_how_to_fix():
    codes = Errors.codes()
    assert codes == sorted(set(codes)) and len(codes) >= 7
    for code in codes:
        text = getattr(Errors, code)
        assert "; " in text, f"{code} does not say how to fix the call: {text}"


def test_the_readme_shows_the_message_a_user_gets():
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## When a call is wrong.*?```\n>>> (.*?)\n(OptionError: .*?)```", readme, flags=re.S)
    call, shown = block.group(1), " ".join(block.group(2).split())
    study = hsqual.studies.kurusu2015.load()
    with pytest.raises(OptionError) as err:
        eval(call, {"hsqual": hsqual, "study": study})
    assert shown == f"OptionError: {err.value}"


def test_the_old_order_of_data_arguments_still_works_with_a_deprecation_warning(tmp_path):
    import zipfile

    corpus = hsqual.Corpus([hsqual.Document("d", "Dignity matters.")])
    codebook = hsqual.load_codebook(hsqual.bundled_codebooks()[0])
    code = codebook.ids[0]
    codings = hsqual.codings_frame([{"doc_id": "d", "segment_id": 1, "start": 0, "end": 7, "quote": "Dignity",
                                     "code": code, "coder": "me"}])
    new = hsqual.export_qdpx(codings, corpus, codebook, tmp_path / "new.qdpx")
    with pytest.warns(DeprecationWarning, match=r"export_qdpx\(corpus, codings, \.\.\.\) is the old order"):
        old = hsqual.export_qdpx(corpus, codings, codebook, tmp_path / "old.qdpx")
    assert zipfile.ZipFile(old).read("project.qde") == zipfile.ZipFile(new).read("project.qde")
    with pytest.warns(DeprecationWarning):
        html = hsqual.show_document(corpus, codings, "d")._repr_html_()
    assert html == hsqual.show_document(codings, corpus, "d")._repr_html_()
    with pytest.raises(OptionError, match=r"\[E101\] export_qdpx: codings must be a DataFrame"):
        hsqual.export_qdpx(corpus, corpus, codebook, tmp_path / "x.qdpx")
