"""The public API: every advertised name exists, and every public function documents an example."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import hsqual


@pytest.mark.parametrize("name", sorted(hsqual._API))
def test_every_public_name_resolves(name):
    """`hsqual.X` is the object its module defines, with a public name of its own."""
    module = importlib.import_module(f"hsqual.{hsqual._API[name]}")
    obj = getattr(hsqual, name)
    assert obj is getattr(module, name)
    assert name in module.__all__
    if inspect.isfunction(obj) or inspect.isclass(obj):
        assert obj.__name__ == name
        assert obj.__module__.startswith("hsqual.")


def _public_modules():
    for info in pkgutil.walk_packages(hsqual.__path__, "hsqual."):
        if ".bundled" in info.name or info.name.endswith("__main__"):
            continue
        if info.name == "hsqual.cli" or info.name.startswith("hsqual.cli."):
            continue  # the command documents itself through --help, tested in the CLI tests
        yield info.name


@pytest.mark.parametrize("module_name", sorted(_public_modules()))
def test_public_functions_have_docstrings_with_an_example(module_name):
    module = importlib.import_module(module_name)
    missing = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if getattr(obj, "__module__", module_name) != module_name:
            continue  # re-exported from elsewhere; checked there
        doc = inspect.getdoc(obj) or ""
        if "Example" not in doc or ">>>" not in doc:
            missing.append(name)
    assert not missing, f"{module_name}: no docstring example for {missing}"


def test_import_is_light():
    """Importing hsqual must not load MeCab, scikit-learn or matplotlib."""
    import subprocess
    import sys

    code = ("import sys, hsqual; heavy = [m for m in ('fugashi', 'sklearn', 'matplotlib') if m in sys.modules];"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
