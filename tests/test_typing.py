"""Users' type checkers see the public API: ``py.typed``, the ``TYPE_CHECKING`` imports and mypy.

``hsqual/__init__.py`` loads the public names lazily through ``__getattr__``, which a type checker
cannot follow; so it also imports every name of ``_API`` under ``if TYPE_CHECKING:``. This file
keeps that block in step with ``_API`` and writes it: after adding or moving a public name in
``_API``, run ``python tests/test_typing.py`` to rewrite the block.

The mypy checks run mypy as a user would, on a small script outside the project, and on the
package itself with the ``[tool.mypy]`` configuration of ``pyproject.toml``.
"""

from __future__ import annotations

import ast
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
INIT = ROOT / "hsqual" / "__init__.py"
WIDTH = 116


def _module_assignment(tree: ast.Module, name: str) -> object:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{INIT}: no assignment to {name}")


def _type_checking_if(tree: ast.Module) -> ast.If:
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            return node
    raise AssertionError(f"{INIT}: no top-level `if TYPE_CHECKING:` block")


def _import_lines(module: str, names: list[str]) -> list[str]:
    head = f"    from {module} import "
    aliases = [f"{n} as {n}" for n in names]
    one_line = head + ", ".join(aliases)
    if len(one_line) <= WIDTH:
        return [one_line]
    lines, current = [head + "("], "       "
    for alias in aliases:
        if len(current) + len(alias) + 2 > WIDTH:
            lines.append(current.rstrip())
            current = "       "
        current += f" {alias},"
    lines.append(current)
    lines.append("    )")
    return lines


def type_checking_block(api: dict[str, str], submodules: list[str]) -> str:
    """The ``if TYPE_CHECKING:`` block that imports every name of ``api`` from its module."""
    lines = [
        "if TYPE_CHECKING:",
        "    # The public names of _API and _SUBMODULES for type checkers and IDEs; at run time __getattr__",
        "    # imports them on first use. Written from _API by `python tests/test_typing.py`.",
    ]
    lines += _import_lines(".", sorted(submodules))
    by_module: dict[str, list[str]] = {}
    for name, module in api.items():
        by_module.setdefault(module, []).append(name)
    for module, names in by_module.items():
        lines += _import_lines(f".{module}", names)
    return "\n".join(lines)


def _expected_block(source: str) -> str:
    tree = ast.parse(source)
    return type_checking_block(_module_assignment(tree, "_API"), list(_module_assignment(tree, "_SUBMODULES")))


def rewrite_init() -> None:
    """Replace the ``TYPE_CHECKING`` block of ``hsqual/__init__.py`` by the one written from ``_API``."""
    source = INIT.read_text(encoding="utf-8")
    block = _type_checking_if(ast.parse(source))
    lines = source.splitlines()
    lines[block.lineno - 1:block.end_lineno] = _expected_block(source).splitlines()
    INIT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_type_checking_block_names_the_objects_of_api():
    """Each name of _API is imported under TYPE_CHECKING from its _API module, as an explicit re-export."""
    source = INIT.read_text(encoding="utf-8")
    tree = ast.parse(source)
    api = _module_assignment(tree, "_API")
    submodules = _module_assignment(tree, "_SUBMODULES")
    imported: dict[str, str] = {}
    for node in _type_checking_if(tree).body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1, ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{ast.unparse(node)}: write `{alias.name} as {alias.name}`"
            assert alias.name not in imported, f"{alias.name} imported twice"
            imported[alias.name] = node.module or ""  # `from . import figures`: the submodule itself
    expected = {**api, **{m: "" for m in submodules}}
    advice = ("the TYPE_CHECKING block of hsqual/__init__.py and _API differ; run `python tests/test_typing.py` "
              "to write it from _API:\n" + _expected_block(source))
    assert imported == expected, advice


def test_type_checking_block_is_written_from_api():
    source = INIT.read_text(encoding="utf-8")
    block = _type_checking_if(ast.parse(source))
    written = "\n".join(source.splitlines()[block.lineno - 1:block.end_lineno])
    assert written == _expected_block(source), "run `python tests/test_typing.py` to rewrite the block"


def test_import_loads_no_submodule_and_no_heavy_dependency():
    """The TYPE_CHECKING imports cost nothing at run time: `import hsqual` imports no submodule."""
    code = ("import sys, hsqual; print(' '.join(sorted(m for m in sys.modules if m.startswith('hsqual.') or "
            "m.split('.')[0] in ('fugashi', 'sklearn', 'matplotlib', 'scipy', 'networkx', 'lxml'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == []


def test_py_typed_marks_the_package():
    assert (ROOT / "hsqual" / "py.typed").is_file()


def test_public_functions_are_fully_annotated():
    """Every parameter and the return of every public function is annotated, so misuse is caught."""
    import hsqual

    missing = []
    for name in sorted(hsqual._API):
        obj = getattr(hsqual, name)
        if not inspect.isfunction(obj):
            continue
        sig = inspect.signature(obj)
        missing += [f"{name}({p.name})" for p in sig.parameters.values() if p.annotation is inspect.Parameter.empty]
        if sig.return_annotation is inspect.Signature.empty:
            missing.append(f"{name} -> ?")
    assert missing == []


# --- mypy -------------------------------------------------------------------------------------

USER_SCRIPT = '''
import hsqual
import hsqual.concordance  # the module of the concordance does not hide the function

codebook = hsqual.load_codebook("codebooks/three_freedoms.yaml")
corpus = hsqual.load_corpus("transcripts/kurusu2015", unit="paragraph")
codings = hsqual.apply_codebook(corpus, codebook, unit="sentence", speakers=["A"])
reveal_type(hsqual.apply_codebook)
reveal_type(corpus)
reveal_type(hsqual.studies.kurusu2015.load().codebook)
reveal_type(hsqual.kwic)
'''

MISUSE_SCRIPT = '''
import hsqual

corpus = hsqual.load_corpus("transcripts/kurusu2015")
hsqual.apply_codebook(corpus, "codebooks/three_freedoms.yaml")
hsqual.apply_codebook(corpus, hsqual.load_codebook("codebooks/three_freedoms.yaml"), units="sentence")
hsqual.apply_codebok(corpus)
'''


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory):
    """One mypy cache per set of options (a run with other options would overwrite it)."""
    root = tmp_path_factory.mktemp("mypy_cache")
    return lambda options: root / (options or "default")


def _mypy(args: list[str], *, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    # The hsqual under test comes first on the path, as an installed package would be.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    env.pop("MYPYPATH", None)
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-color-output",
                           "--no-error-summary", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("flags", [[], ["--strict"]], ids=["default", "strict"])
def test_a_user_script_sees_the_signatures(tmp_path, mypy_cache, flags):
    script = tmp_path / "analysis.py"
    script.write_text(textwrap.dedent(USER_SCRIPT), encoding="utf-8")
    run = _mypy([*flags, "analysis.py"], cwd=tmp_path, cache=mypy_cache("".join(flags)))
    lines = run.stdout.splitlines()
    errors = [line for line in lines if ": error:" in line]
    assert run.returncode == 0 and not errors, run.stdout + run.stderr
    revealed = [line.split("Revealed type is ", 1)[1] for line in lines if "Revealed type is" in line]
    assert revealed[0].startswith('"def (corpus: hsqual.corpus.Corpus, codebook: hsqual.codebook.Codebook, *, unit: '
                                  'str =, language: str | None ='), revealed[0]
    assert "speakers: str | typing.Iterable[str] | None =" in revealed[0]
    assert revealed[1] == '"hsqual.corpus.Corpus"'
    assert revealed[2] == '"hsqual.codebook.Codebook"'
    assert revealed[3].startswith('"def (corpus: hsqual.corpus.Corpus, pattern_or_code: str,'), revealed[3]


def test_misuse_is_flagged(tmp_path, mypy_cache):
    script = tmp_path / "analysis.py"
    script.write_text(textwrap.dedent(MISUSE_SCRIPT), encoding="utf-8")
    run = _mypy(["analysis.py"], cwd=tmp_path, cache=mypy_cache(""))
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert run.returncode == 1, run.stdout + run.stderr
    expected = [  # line, the start of mypy's message, its error code
        ('analysis.py:5: error: Argument 2 to "apply_codebook" has incompatible type "str"; expected "Codebook"',
         "[arg-type]"),
        ('analysis.py:6: error: Unexpected keyword argument "units" for "apply_codebook"', "[call-arg]"),
        ('analysis.py:7: error: Module has no attribute "apply_codebok"', "[attr-defined]"),
    ]
    assert len(errors) == len(expected), run.stdout
    for line, (start, code) in zip(errors, expected):
        assert line.startswith(start) and line.endswith(code), (line, start, code)


def test_mypy_passes_on_the_package(mypy_cache):
    """The package checked with the [tool.mypy] configuration of pyproject.toml."""
    run = _mypy(["--config-file", str(ROOT / "pyproject.toml")], cwd=ROOT, cache=mypy_cache("pyproject"))
    assert run.returncode == 0, run.stdout + run.stderr
    # an entry of [tool.mypy] overrides for a module renamed or removed is reported, not kept
    assert "unused section" not in run.stdout, run.stdout


if __name__ == "__main__":
    rewrite_init()
    print(f"wrote the TYPE_CHECKING block of {INIT}")
