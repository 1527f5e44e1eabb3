"""The package's shape: imports point one way (docs/development.md), with no cycles, and no stray deferred imports."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keras_gan"

# Lower layers never import higher ones (docs/development.md "Layout").
LAYERS = [
    ("keras_gan.errors", "keras_gan.version"),
    ("keras_gan.paths", "keras_gan.files", "keras_gan.images"),
    ("keras_gan.core",),
    ("keras_gan.evaluation",),
    ("keras_gan.training",),
    ("keras_gan.export",),
    ("keras_gan.demo",),
    ("keras_gan.cli",),
]
# Entry points: thin aliases of the command line, run as scripts, imported by nothing.
ENTRY_POINTS = {
    "keras_gan.__main__",
    "keras_gan.generate",
    "keras_gan.evaluate",
    "keras_gan.serve_demo",
    "keras_gan.export.__main__",
}


def module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path, known):
    """(imported module, line, inside a function) for every import of the package in `path`, at any depth."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names if a.name.startswith("keras_gan"))
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1] + [base]).strip(".")
                if base.startswith("keras_gan"):
                    for alias in child.names:
                        # `from keras_gan.core import losses` imports the module keras_gan.core.losses.
                        name = f"{base}.{alias.name}"
                        found.append((name if name in known else base, child.lineno, in_function))
            visit(child, nested)

    visit(tree, False)
    return found


def layer_of(name):
    for rank, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    return None


def graph():
    known = modules()
    return {name: imports(path, known) for name, path in known.items()}


def find_cycles(edges):
    """Every strongly connected component with more than one module (Tarjan), or a module importing itself."""
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges.get(v, ()):
                cycles.append(sorted(component))

    for v in edges:
        if v not in index:
            connect(v)
    return cycles


def test_find_cycles_finds_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycles():
    edges = {}
    for name, found in graph().items():
        # The facade's lazy API imports on first use; it is the top of the graph.
        edges[name] = {target for target, _, _ in found if target != "keras_gan"}
    assert find_cycles(edges) == []


def test_imports_point_down_the_layers():
    wrong = []
    for name, found in graph().items():
        if name == "keras_gan" or name in ENTRY_POINTS:
            continue
        rank = layer_of(name)
        assert rank is not None, f"{name} belongs to no layer of docs/development.md"
        for target, line, _ in found:
            target_rank = layer_of(target)
            if target in ENTRY_POINTS or target == "keras_gan" or target_rank is None or target_rank > rank:
                wrong.append(f"{name}:{line} imports {target}")
    assert wrong == []


def test_nothing_but_the_entry_points_imports_the_command_line():
    importers = [
        f"{name}:{line}"
        for name, found in graph().items()
        for target, line, _ in found
        if target.startswith("keras_gan.cli") and not name.startswith("keras_gan.cli") and name not in ENTRY_POINTS
    ]
    assert importers == []


def import_block(lines, node):
    """The text of the run of import lines (and comments, blank lines) that ends with `node`."""
    start = node.lineno - 1
    while (
        start > 0
        and lines[start - 1].strip().startswith(("import ", "from ", "#", ")"))
        or (start > 0 and not lines[start - 1].strip())
    ):
        start -= 1
    return " ".join(lines[start : node.end_lineno])


def test_deferred_imports_say_why():
    """An import inside a function is for speed (a fast --help) or for a backend without TensorFlow: "deferred"."""
    unexplained = []
    for name, path in modules().items():
        lines = path.read_text().splitlines()
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and name not in ENTRY_POINTS:
                    if "deferred" not in import_block(lines, node):
                        unexplained.append(f"{name}:{node.lineno}")
    assert unexplained == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_has_a_docstring(name):
    assert ast.get_docstring(ast.parse(modules()[name].read_text())), f"{name} has no module docstring"
