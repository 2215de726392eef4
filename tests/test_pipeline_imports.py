"""The import structure: no cycles, and no stage package reaching up into the orchestration.

Read with `ast`, so nothing is imported to check it; an import inside a function counts like
one at the top (a function-local import that dodges a cycle is still the cycle).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "extract", "langid", "filters", "dedup", "recovery", "tokenizer", "shards", "trainer", "demo")
STAGE_PACKAGES = ("extract", "langid", "filters", "dedup", "recovery", "tokenizer", "shards")
# What a stage package may use of pipeline/: the contract, the run folder, its readers and
# writers, stats files, the removal record, the fastText loader, and the config machinery's
# types and errors.
PIPELINE_CORE = {"pipeline", "pipeline.stage", "pipeline.layout", "pipeline.stage_io", "pipeline.stats",
                 "pipeline.removal", "pipeline.fasttext_model", "pipeline.typed_yaml", "pipeline.yaml_source",
                 "pipeline.loguru_setup"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """{module: project modules it imports anywhere in its code}."""
    files = {module_name(f, root): f for p in packages if (root / p).is_dir() for f in (root / p).rglob("*.py")}
    graph = {}
    for name, path in files.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from pipeline import stages` imports the module pipeline.stages when there is one.
                targets = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module for a in node.names]
            else:
                continue
            found |= {t for t in targets if t in files and t != name}
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
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
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_project_has_no_import_cycle():
    assert cycles(import_graph(ROOT, PACKAGES)) == []


def test_stage_packages_use_only_the_core_of_pipeline():
    graph = import_graph(ROOT, PACKAGES)
    wrong = {f"{m} -> {t}" for m, targets in graph.items() if m.split(".")[0] in STAGE_PACKAGES
             for t in targets if t.split(".")[0] == "pipeline" and t not in PIPELINE_CORE}
    assert not wrong, f"a stage package imports the orchestration (CLI, report, executors, table): {sorted(wrong)}"


def test_the_checks_find_a_cycle_and_a_local_import(tmp_path):
    # The checks above can fail: a cycle closed by an import inside a function is found.
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "extract").mkdir()
    (tmp_path / "pipeline" / "__init__.py").write_text("")
    (tmp_path / "extract" / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "report.py").write_text("from extract import stage\n")
    (tmp_path / "extract" / "stage.py").write_text("def summary():\n    from pipeline.report import x\n")
    graph = import_graph(tmp_path, ("pipeline", "extract"))
    assert graph["extract.stage"] == {"pipeline.report"}
    assert cycles(graph) == [["extract.stage", "pipeline.report"]]


def test_tests_are_named_after_the_package_they_test():
    # tests/test_<package>_<module>.py; the end-to-end golden run and the benches' own tests aside.
    names = [p.stem for p in (ROOT / "tests").glob("test_*.py")]
    stray = [n for n in names if n.split("_")[1] not in (*PACKAGES, "golden", "bench")]
    assert not stray, f"name these after their package (test_<package>_...): {stray}"
