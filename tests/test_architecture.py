"""The project's import graph: no circle between modules, and the apps in one direction only
(docs/architecture.md). Every import counts, including those inside functions and under
TYPE_CHECKING: a circle hidden in a function is still a circle for the next engineer.

Built with `ast` from the source files, so it needs no database and runs in a fraction of a second.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The apps from the bottom layer up. An app may import only from apps below it (and itself);
# nothing imports the top ones. The same table is drawn in docs/architecture.md.
LAYERS = ["accounts", "pathway", "consent", "interop", "dashboard", "demo", "config"]

APP_MODULE_LIMIT = 600  # lines; migrations excepted (design.md section 3)
WORKFLOW_LIMIT = 400


def project_files() -> dict[str, Path]:
    """Module name -> file, for every module of the apps (not tests, not migrations)."""
    modules = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def imported_modules(tree: ast.AST, module: str, known: set[str], is_package: bool) -> set[str]:
    """The project modules a module imports, anywhere in its body."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import mod` imports the submodule when there is one, else a name of pkg.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for name in names:
            # The longest known module that the name is, or is inside.
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    files = project_files()
    known = set(files)
    return {
        module: imported_modules(ast.parse(path.read_text()), module, known, path.name == "__init__.py")
        for module, path in files.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def app_of(module: str) -> str:
    return module.split(".")[0]


def app_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = {app: set() for app in LAYERS}
    for module, targets in graph.items():
        for target in targets:
            if app_of(target) != app_of(module):
                apps[app_of(module)].add(app_of(target))
    return apps


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Imports from a lower app into a higher one, as 'module -> module'."""
    rank = {app: i for i, app in enumerate(LAYERS)}
    return sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        for target in targets
        if rank[app_of(target)] > rank[app_of(module)]
    )


# --- the project ----------------------------------------------------------------------------------


def test_the_graph_sees_the_project():
    graph = import_graph()
    assert "pathway.workflow" in graph
    # Inside-function imports are seen too (the consent app registers its facts in ready()).
    assert "pathway.core.providers" in graph["consent.apps"]
    assert "pathway.procedure.gates" in graph["pathway.workflow"]


def test_no_import_circle_between_modules():
    assert cycles(import_graph()) == []


def test_no_import_circle_between_apps():
    assert cycles(app_graph(import_graph())) == []


def test_apps_import_only_downwards():
    assert upward_imports(import_graph()) == []


STAGE_PACKAGES = [
    "referral",
    "suitability",
    "mri",
    "pre_assessment",
    "procedure",
    "complications",
    "recovery",
    "follow_up",
]


def test_pathway_core_imports_no_stage():
    """pathway.core is what every stage builds on; it names no stage package."""
    stage_imports = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if module.startswith("pathway.core")
        for target in targets
        if target.split(".")[1:2] and target.split(".")[1] in STAGE_PACKAGES
    )
    assert stage_imports == []


def test_inside_pathway_nothing_imports_the_models_gathering_module():
    """pathway.models imports every stage's models; a module of pathway importing it would depend
    on every stage (and close a circle from a stage's models)."""
    graph = import_graph()
    importers = sorted(m for m, targets in graph.items() if app_of(m) == "pathway" and "pathway.models" in targets)
    assert importers == []


def test_no_application_module_over_600_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in project_files().values()
        if (lines := len(path.read_text().splitlines())) > APP_MODULE_LIMIT
    }
    assert too_long == {}


def test_workflow_reads_in_under_400_lines():
    assert len((ROOT / "pathway" / "workflow.py").read_text().splitlines()) < WORKFLOW_LIMIT


def test_clinical_apps_hold_no_demo_code():
    demo_importers = sorted(
        module
        for module, targets in import_graph().items()
        if app_of(module) != "demo" and any(app_of(target) == "demo" for target in targets)
    )
    assert demo_importers == []
    strays = [
        str(p.relative_to(ROOT))
        for app in ("pathway", "consent", "interop", "dashboard")
        for p in (ROOT / app).rglob("*demo*")
    ]
    assert strays == []


# --- the checker itself: it fails on a circle -----------------------------------------------------


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b"}, "b": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_cycles_finds_every_circle(graph, expected):
    assert sorted(cycles(graph)) == expected


def test_a_function_level_import_makes_a_circle(tmp_path):
    """The same parsing as the project's: an import inside a function closes a circle."""
    known = {"app.a", "app.b"}
    a = ast.parse("from app.b import thing\n")
    b = ast.parse("def f():\n    from app import a\n    return a\n")
    graph = {
        "app.a": imported_modules(a, "app.a", known, False),
        "app.b": imported_modules(b, "app.b", known, False),
    }
    assert cycles(graph) == [["app.a", "app.b"]]


def test_an_upward_import_is_reported():
    graph = {"pathway.workflow": {"consent.selectors"}, "consent.selectors": set()}
    assert upward_imports(graph) == ["pathway.workflow -> consent.selectors"]
