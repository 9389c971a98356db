"""The options of every public function, declared once and checked before the function runs.

A public function is decorated with :func:`validate_params`, which declares what each argument
may be (as scikit-learn's ``validate_params`` does):

* its **type**, read from the function's annotation (``int``, ``str | None``, ``bool``,
  ``Corpus``, ``pd.DataFrame``, ``Literal["a", "b"]`` ...); ``True`` is not a number here;
* its **allowed values** (``choices=``) and **range** (``ranges=``);
* the **rules between options** (``rules=``): an option that only applies when another has a
  value (:func:`only_with`), one that needs another (:func:`needs`), two that exclude each
  other (:func:`excludes`). An option given where it does nothing is refused, not ignored.

Every refusal is an :class:`hsqual.errors.OptionError` (also a ``ValueError`` and a
``TypeError``) whose message comes from the :class:`hsqual.errors.Errors` catalogue, names the
function and the option, and says how to fix the call. Options are checked before the data
arguments, and an option counts as *given* only when the caller passed it.

The declaration stays on the function as ``func.__hsqual_params__`` (a :class:`ParamSpec`),
which ``tests/test_params.py`` walks to check that every public function refuses what it
declares.

Example
-------
>>> @validate_params(choices={"measure": ("count", "jaccard")}, ranges={"window": (0, None)},
...                  rules=[only_with("window", "unit", ("proximity",), example={"unit": "segment"})])
... def f(codings: list, *, unit: str = "segment", measure: str = "count", window: int = 1) -> int:
...     return window
>>> f([], unit="proximity", window=2)
2
>>> f([], measure="jacard")
Traceback (most recent call last):
...
hsqual.errors.OptionError: [E102] f: measure='jacard' is not one of 'count', 'jaccard'; pass one of those
>>> f([], window=2)
Traceback (most recent call last):
...
hsqual.errors.OptionError: [E104] f: window= has no effect unless unit is 'proximity', so it was refused rather than ignored; drop window=, or change the call so that unit is 'proximity'
"""

from __future__ import annotations

import collections.abc
import functools
import inspect
import os
import reprlib
import sys
import types as pytypes
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from .errors import OptionError

__all__ = ["validate_params", "only_with", "needs", "excludes", "ParamSpec", "Rule", "NOT_NONE"]

#: In :func:`only_with`: the other option must not be ``None``.
NOT_NONE = "not None"


@dataclass(frozen=True)
class Rule:
    """One rule between options; ``example`` is a call's keyword arguments that break it.

    Example
    -------
    >>> needs("rollup", "codebook", "the codebook says whose parent a code is").kind
    'needs'
    """

    kind: str
    option: str
    other: str
    allowed: tuple = ()
    why: str = ""
    example: dict = field(default_factory=dict)

    def condition(self) -> str:
        if self.allowed == (NOT_NONE,):
            return f"{self.other} is given"
        return f"{self.other} is " + " or ".join(repr(v) for v in self.allowed)


def only_with(option: str, other: str, allowed: Sequence | str, *, example: dict) -> Rule:
    """``option`` does something only when ``other`` has one of the ``allowed`` values.

    ``allowed`` may be :data:`NOT_NONE`. ``example`` sets ``other`` to a value where
    ``option`` does nothing (the test gives ``option`` too).

    Example
    -------
    >>> only_with("correction", "test", NOT_NONE, example={"test": None}).condition()
    'test is given'
    """
    values = (allowed,) if isinstance(allowed, str) else tuple(allowed)
    return Rule("only_with", option, other, values, example=dict(example))


def needs(option: str, other: str, why: str, *, example: dict | None = None) -> Rule:
    """When ``option`` is true (or not None), ``other`` must be given.

    Example
    -------
    >>> needs("rollup", "codebook", "the codebook says whose parent a code is").example
    {'rollup': True, 'codebook': None}
    """
    return Rule("needs", option, other, why=why, example=dict(example or {option: True, other: None}))


def excludes(option: str, other: str, why: str, *, example: dict) -> Rule:
    """``option`` and ``other`` cannot both be given.

    Example
    -------
    >>> excludes("a", "b", "they say the same", example={"a": 1, "b": 2}).kind
    'excludes'
    """
    return Rule("excludes", option, other, why=why, example=dict(example))


class _Lazy:
    """A class of hsqual named in an annotation that its module imports only for type checkers,
    looked up when a value is checked (never imported here: a module not yet imported holds
    no instance to check)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def holds(self, value: Any) -> bool:
        found = sys.modules.get(self.module)
        return found is not None and isinstance(value, getattr(found, self.name))

    def __or__(self, other: Any) -> _LazyUnion:
        return _LazyUnion([self, other])

    def __ror__(self, other: Any) -> _LazyUnion:
        return _LazyUnion([other, self])


class _LazyUnion:
    """``A | B`` where one side is a :class:`_Lazy` class."""

    members: list[Any]

    def __init__(self, members: list[Any]) -> None:
        self.members = [m for part in members for m in (part.members if isinstance(part, _LazyUnion) else [part])]

    def __or__(self, other: Any) -> _LazyUnion:
        return _LazyUnion([self, other])

    def __ror__(self, other: Any) -> _LazyUnion:
        return _LazyUnion([other, self])


# names an annotation may use that a module imports only for type checkers
def _annotation_namespace() -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    lazy = {name: _Lazy(f"hsqual.{module}", name) for name, module in (
        ("GoldStandard", "goldstandard"), ("FileState", "writers"), ("Codebook", "codebook"),
        ("Corpus", "corpus"), ("Document", "corpus"))}
    return {**lazy, "pd": pd, "np": np,
            "Path": Path, "PathLike": os.PathLike, "os": os, "Iterable": Iterable, "Sequence": Sequence,
            "Mapping": Mapping, "Callable": Callable, "Literal": Literal, "Any": Any,
            "ArrayLike": Any}


_Check = Callable[[Any], bool]
_F = TypeVar("_F", bound=Callable[..., Any])


def _checker(tp: Any) -> tuple[_Check, str, tuple | None] | None:
    """(predicate, description, literal choices) for an annotation; None when anything goes."""
    if tp is Any or tp is object or tp is inspect.Parameter.empty:
        return None
    if isinstance(tp, _Lazy):
        return tp.holds, f"a {tp.name}", None
    if tp is None or tp is type(None):
        return (lambda v: v is None), "None", None
    origin = typing.get_origin(tp)
    if origin is typing.Union or isinstance(tp, (pytypes.UnionType, _LazyUnion)):
        parts = [_checker(a) for a in (tp.members if isinstance(tp, _LazyUnion) else typing.get_args(tp))]
        if any(p is None for p in parts):
            return None
        preds = [p[0] for p in parts if p]
        choices = tuple(c for p in parts if p and p[2] for c in p[2]) or None
        desc = " or ".join(p[1] for p in parts if p)
        return (lambda v: any(f(v) for f in preds)), desc, choices
    if origin is Literal:
        values = typing.get_args(tp)
        return (lambda v: v in values), "one of " + ", ".join(repr(v) for v in values), values
    if tp is bool:
        import numpy as np
        return (lambda v: isinstance(v, (bool, np.bool_))), "True or False", None
    if tp is int:
        import numpy as np
        return (lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))), \
            "a whole number", None
    if tp is float:
        import numpy as np
        return (lambda v: isinstance(v, (int, float, np.integer, np.floating))
                and not isinstance(v, (bool, np.bool_))), "a number", None
    if tp is str:
        return (lambda v: isinstance(v, str)), "a string", None
    if origin is not None:
        tp = origin
    if tp is collections.abc.Callable:
        return callable, "a function", None
    if isinstance(tp, type):
        name = tp.__name__
        if tp is os.PathLike:
            name = "a path"
        return (lambda v: isinstance(v, tp)), name if name == "a path" else f"a {name}", None
    return None


class ParamSpec:
    """What each argument of one function may be; built by :func:`validate_params`.

    Example
    -------
    >>> @validate_params()
    ... def g(x: int, *, n: int = 1) -> int:
    ...     return x + n
    >>> sorted(g.__hsqual_params__.checked())
    ['n', 'x']
    """

    def __init__(self, func: Callable, choices: Mapping[str, Sequence], ranges: Mapping[str, tuple],
                 rules: Sequence[Rule], types: Mapping[str, tuple[Callable[[Any], bool], str]],
                 swapped: tuple[str, str] | None = None) -> None:
        self.func = func
        self.name = func.__name__
        self.signature = inspect.signature(func)
        self.choices = {k: tuple(v) for k, v in choices.items()}
        self.ranges = dict(ranges)
        self.rules = list(rules)
        self.types = dict(types)
        self.swapped = swapped
        self._checks: dict[str, tuple[_Check, str, tuple | None] | None] | None = None
        params = self.signature.parameters
        for name in [*self.choices, *self.ranges, *self.types, *(n for r in self.rules for n in (r.option, r.other))]:
            if name not in params:
                raise TypeError(f"{self.name}: declared option {name!r} is not a parameter")
        self.accepts_any_keyword = any(p.kind is p.VAR_KEYWORD for p in params.values())

    def checks(self) -> dict[str, tuple[_Check, str, tuple | None] | None]:
        """Each parameter's (predicate, description, choices), resolved on first use."""
        if self._checks is None:
            namespace = {**_annotation_namespace(), **self.func.__globals__}
            out: dict[str, tuple[_Check, str, tuple | None] | None] = {}
            for name, p in self.signature.parameters.items():
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                ann = p.annotation
                if isinstance(ann, str):
                    try:
                        ann = eval(ann, namespace)  # noqa: S307 - the module's own annotation
                    except Exception:  # noqa: BLE001 - a name only a type checker knows
                        ann = Any
                out[name] = (*self.types[name], None) if name in self.types else _checker(ann)
            self._checks = out
        return self._checks

    def checked(self) -> list[str]:
        """The parameters whose type is checked."""
        return [n for n, c in self.checks().items() if c is not None]

    def options(self) -> list[str]:
        """The keyword-only options."""
        return [n for n, p in self.signature.parameters.items() if p.kind is p.KEYWORD_ONLY]

    def reorder(self, args: tuple) -> tuple:
        """``args`` with the two data arguments of an old call form put in today's order.

        Only when both are positional and each fits the other's declared type and not its
        own; a ``DeprecationWarning`` says so.
        """
        if self.swapped is None or len(args) < 2:
            return args
        first, second = self.swapped
        names = list(self.signature.parameters)
        i, j = names.index(first), names.index(second)
        if max(i, j) >= len(args):
            return args
        checks = self.checks()
        ci, cj = checks[first], checks[second]
        if ci is None or cj is None:
            return args
        a, b = args[i], args[j]
        if not ci[0](a) and not cj[0](b) and ci[0](b) and cj[0](a):
            warnings.warn(f"{self.name}({second}, {first}, ...) is the old order of arguments; pass "
                          f"{self.name}({', '.join(names[:max(i, j) + 1])}, ...): data first, codings "
                          "before corpus", DeprecationWarning, stacklevel=3)
            ordered = list(args)
            ordered[i], ordered[j] = b, a
            return tuple(ordered)
        return args

    def check(self, args: tuple, kwargs: dict) -> None:
        """Refuse the call's arguments that break the declaration (an :class:`OptionError`)."""
        params = self.signature.parameters
        if not self.accepts_any_keyword:
            for key in kwargs:
                if key not in params:
                    raise OptionError("E107", option=key, func=self.name,
                                      expected=", ".join(n for n in params if not n.startswith("_")))
        try:
            given = self.signature.bind(*args, **kwargs).arguments
        except TypeError:
            return  # a missing or doubled argument: the call itself reports it
        checks = self.checks()
        names = sorted(given, key=lambda n: params[n].kind is not params[n].KEYWORD_ONLY)
        for name in names:
            value = given[name]
            check = checks.get(name)
            if check is not None and not check[0](value):
                raise OptionError("E101", option=name, func=self.name, value=reprlib.repr(value), expected=check[1],
                                  kind=type(value).__name__)
            allowed = self.choices.get(name)
            if allowed is not None and value is not None and value not in allowed:
                raise OptionError("E102", option=name, func=self.name, value=value,
                                  expected=", ".join(repr(v) for v in allowed))
            if name in self.ranges and value is not None:
                lo, hi = self.ranges[name]
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    expected = (f">= {lo}" if hi is None else f"<= {hi}" if lo is None else f"from {lo} to {hi}")
                    raise OptionError("E103", option=name, func=self.name, value=value, expected=expected)
        for rule in self.rules:
            if rule.option not in given:
                continue
            value = given[rule.option]
            other = given.get(rule.other, params[rule.other].default)
            if rule.kind == "only_with":
                holds = other is not None if rule.allowed == (NOT_NONE,) else other in rule.allowed
                if not holds:
                    raise OptionError("E104", option=rule.option, func=self.name, condition=rule.condition())
            elif rule.kind == "needs":
                if value not in (None, False) and other is None:
                    raise OptionError("E105", option=rule.option, func=self.name, other=rule.other, why=rule.why)
            elif rule.kind == "excludes":
                if value is not None and rule.other in given and other is not None:
                    raise OptionError("E106", option=rule.option, func=self.name, other=rule.other, why=rule.why)


def validate_params(*, choices: Mapping[str, Sequence] | None = None,
                    ranges: Mapping[str, tuple] | None = None,
                    rules: Sequence[Rule] = (),
                    types: Mapping[str, tuple[Callable[[Any], bool], str]] | None = None,
                    swapped: tuple[str, str] | None = None) -> Callable[[_F], _F]:
    """Declare a function's options and refuse calls that break the declaration.

    Parameters
    ----------
    choices : mapping, optional
        Option -> its allowed values (``None`` is always allowed when the type allows it).
    ranges : mapping, optional
        Option -> ``(low, high)``, inclusive; ``None`` for no bound.
    rules : sequence of Rule
        Made by :func:`only_with`, :func:`needs`, :func:`excludes`.
    types : mapping, optional
        Option -> ``(predicate, description)``, for a type an annotation cannot check (an
        object from an optional library).
    swapped : (str, str), optional
        Two data arguments whose order changed: a call that passes them the old way round (each
        fits the other's type) still works, with a ``DeprecationWarning``.

    Returns
    -------
    callable
        A decorator. The decorated function keeps its name, docstring, signature and module
        (its doctests still run) and carries its :class:`ParamSpec` as ``__hsqual_params__``.

    Example
    -------
    >>> @validate_params(ranges={"top": (1, None)})
    ... def h(*, top: int = 5) -> int:
    ...     return top
    >>> h(top=0)
    Traceback (most recent call last):
    ...
    hsqual.errors.OptionError: [E103] h: top must be >= 1, not 0; pass a value in that range
    """

    def decorate(func: _F) -> _F:
        spec = ParamSpec(func, choices or {}, ranges or {}, rules, types or {}, swapped)

        here, warn, warn_explicit = __file__, warnings.warn, warnings.warn_explicit
        catch, simplefilter = warnings.catch_warnings, warnings.simplefilter

        def wrapper(*args, **kwargs):
            args = spec.reorder(args)
            spec.check(args, kwargs)
            # A warning the function aims at its caller (stacklevel=2) would name this wrapper:
            # it is recorded and issued again once the filters are back, from here, so that it
            # names the caller's line; other warnings keep their place.
            caught: list = []
            try:
                with catch(record=True) as caught:
                    simplefilter("always")
                    return func(*args, **kwargs)
            finally:
                for w in caught:
                    if w.filename == here:
                        warn(w.message, w.category, stacklevel=2)
                    else:
                        warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)

        # the wrapper lives in the function's module, so doctest finds the function there
        checked = pytypes.FunctionType(wrapper.__code__, func.__globals__, func.__name__,
                                     None, wrapper.__closure__)
        functools.update_wrapper(checked, func)
        checked.__kwdefaults__ = None
        checked.__hsqual_params__ = spec  # type: ignore[attr-defined]
        return cast(_F, checked)

    return decorate
