"""The package's modules import cleanly in any order, and none imports another's private name."""

from __future__ import annotations

import ast
import pathlib
import random
import subprocess
import sys

import hsqual

PACKAGE = pathlib.Path(hsqual.__file__).parent

# Files exempt from the private-import scan (none: the rule engine's modules share public names).
EXEMPT: set[str] = set()


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_every_module_imports_in_a_fresh_interpreter_in_any_order():
    modules = [m for m in _modules() if not m.endswith("__main__")]
    assert "hsqual.refiqda.qdpx" in modules and "hsqual.cooccur" in modules
    for seed in (0, 1, 2):
        order = modules[:]
        random.Random(seed).shuffle(order)
        code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
        run = subprocess.run([sys.executable, "-c", code, *order], capture_output=True, text=True)
        assert run.returncode == 0, f"import order (seed {seed}) fails:\n{run.stderr[-2000:]}"


def _private_imports(path: pathlib.Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level == 0 and not (node.module or "").startswith("hsqual"):
                continue  # another library's names are its business
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: "
                                 f"from {'.' * node.level}{node.module or ''} import {alias.name}")
    return found


def test_no_module_imports_a_private_name_of_another():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in EXEMPT:
            continue
        found += _private_imports(path)
    assert not found, "private names imported across modules:\n" + "\n".join(found)


def test_the_scan_finds_a_private_import(tmp_path):
    p = tmp_path / "m.py"
    p.write_text("from .incidence import _secret, public\nfrom os import _exit\n", encoding="utf-8")
    assert [line.split(": ", 1)[1] for line in _private_imports_at(p)] == ["from .incidence import _secret"]


def _private_imports_at(path):
    global PACKAGE
    saved, PACKAGE = PACKAGE, path.parent.parent
    try:
        return _private_imports(path)
    finally:
        PACKAGE = saved


def test_no_module_shares_the_name_of_a_public_function():
    """`import hsqual.<module>` can never shadow `hsqual.<function>`: no module is named like a
    public function (the package needs no trick to keep its names)."""
    import importlib
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(hsqual.__path__)}
    clash = sorted(set(hsqual._API) & modules)
    assert clash == []
    for name, module in hsqual._API.items():
        assert getattr(hsqual, name) is getattr(importlib.import_module(f"hsqual.{module}"), name), name


def _relative_imports() -> dict[str, set[str]]:
    """module -> the hsqual modules it imports, at module level or inside functions."""
    root = pathlib.Path(hsqual.__file__).parent
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                for candidate in [target] + [f"{target}.{a.name}" for a in node.names]:
                    if candidate in modules and candidate != name:
                        graph[name].add(candidate)
    graph["hsqual"] = set()  # the package imports its modules lazily, on first use of a name
    return graph


def test_no_import_cycle_even_inside_functions():
    graph = _relative_imports()
    cycles = []
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []
    assert "hsqual.site" in graph["hsqual.cli.reproduce"]   # imported inside a function: the scan sees it
