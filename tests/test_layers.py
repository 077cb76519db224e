"""The package's shape: imports run one way down the layers, no module imports itself back (not even
from inside a function), and gradio is imported only by the UI (never by ganlab/server/)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ganlab"

# Higher numbers may import lower ones (and their own level), never higher ones.
LAYERS = {
    "ganlab.config": 0, "ganlab.backend": 0, "ganlab.images": 0, "ganlab.devices": 0, "ganlab.numbers": 0,
    "ganlab.losses": 1, "ganlab.data": 1, "ganlab.models": 1, "ganlab.checkpoints": 1, "ganlab.sampling": 1,
    "ganlab.export": 1,
    "ganlab.train": 2,
    "ganlab.explore": 3, "ganlab.evaluate": 3,
    "ganlab.server": 4,  # no gradio: the run registry, uploads, the reaper, the classroom's state
    "ganlab.cli": 5, "ganlab.ui": 5, "ganlab.__main__": 6, "ganlab": 6,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: set[str]) -> set[str]:
    """Every ganlab module a file imports, anywhere in it (top level, functions, TYPE_CHECKING)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from ganlab import backend" imports ganlab.backend; "from ganlab.data import X" imports ganlab.data
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                     for a in node.names]
        else:
            continue
        found |= {n for n in names if n in known}
    return found


def layer(name: str) -> int:
    for prefix in sorted(LAYERS, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return LAYERS[prefix]
    raise AssertionError(f"{name} is in no layer: add it to LAYERS")


def test_no_import_cycles_even_inside_functions():
    mods = modules()
    graph = {m: imports(p, set(mods)) - {m} for m, p in mods.items()}
    # a package's __init__ re-exporting its own submodules is not a cycle with them
    graph = {m: {d for d in deps if not m.startswith(d + ".") or d == "ganlab"} for m, deps in graph.items()}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in graph[m]:
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*stack[stack.index(d):], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)


def test_imports_run_down_the_layers():
    mods = modules()
    upward = [f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
              for m, p in mods.items() for d in imports(p, set(mods)) if layer(d) > layer(m)]
    assert not upward, "\n".join(upward)


def test_gradio_only_in_the_ui():
    offenders = []
    for path in [*PACKAGE.rglob("*.py"), ROOT / "app.py"]:
        name = module_name(path) if path.is_relative_to(PACKAGE) else "app"
        if name == "app" or name.startswith("ganlab.ui"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import)
                    else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m.split(".")[0] in ("gradio", "gradio_client") for m in mods):
                offenders.append(name)
    assert not offenders, offenders


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The checks above cannot pass vacuously: an import in a function body is an edge."""
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from ganlab.train.run import TrainingRun\n"
                       "    from ganlab import backend\n", encoding="utf-8")
    assert imports(planted, set(modules())) == {"ganlab.train.run", "ganlab.backend"}
