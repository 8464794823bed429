"""The shape of the MAX modules: no import cycles, and widgets that never shadow what Textual already names."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.dom import DOMNode

import tui.sandbox.max
import tui.services.max
from tui.services.max.models import Activity, Person
from tui.services.max.stream_view import ActivityStream

PACKAGES = [tui.services.max, tui.sandbox.max]


def module_imports(path: Path, package: str) -> set[str]:
    """Every module of the package `path` imports, anywhere: top level, function bodies, under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found.update(n for n in names if n.startswith(package + ".") and n != package + ".__init__")
    return found


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_no_import_cycles(package):
    folder = Path(package.__file__).parent
    modules = {f"{package.__name__}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    graph = {name: module_imports(path, package.__name__) & modules.keys() for name, path in modules.items()}

    def cycle_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, nxt]
                if nxt not in path:
                    stack.append((nxt, [*path, nxt]))
        return None

    cycles = [c for c in map(cycle_from, sorted(graph)) if c]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


# Names a widget or screen subclass is meant to define over Textual's: the documented extension points.
INTENDED_OVERRIDES = {
    "BINDINGS",
    "COMMANDS",
    "COMPONENT_CLASSES",
    "CSS",
    "DEFAULT_CLASSES",
    "DEFAULT_CSS",
    "compose",
    "render_line",
    "render_lines",
    "focus",  # the pane hands the focus to its stream
    "can_focus",
}
INTENDED_PREFIXES = ("action_", "watch_", "compute_", "validate_", "on_", "_on_")
# Textual attributes a subclass is meant to set (a ScrollView says how tall its content is this way)
INTENDED_ASSIGNMENTS = {"virtual_size"}


def textual_classes() -> list[type[DOMNode]]:
    classes: list[type[DOMNode]] = []
    for info in pkgutil.iter_modules(tui.services.max.__path__):
        module = importlib.import_module(f"tui.services.max.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, DOMNode):
                classes.append(cls)
    return classes


def own_names(cls: type) -> set[str]:
    """What the class body defines (methods, properties, class attributes) and the attributes its methods assign on
    `self`. Read from the source, so what Textual's metaclass adds to every subclass does not count."""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef)
    names: set[str] = set()
    for node in body.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    for node in ast.walk(body):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                if target.attr not in INTENDED_ASSIGNMENTS:
                    names.add(target.attr)
    return {n for n in names if not (n.startswith("__") and n.endswith("__"))}


def test_widgets_do_not_shadow_textual_names():
    classes = textual_classes()
    assert classes, "no widget or screen classes found"
    clashes = []
    for cls in classes:
        textual_names = set()
        for base in cls.__mro__[1:]:
            if base.__module__.startswith("textual."):
                textual_names.update(vars(base))
        for name in sorted(own_names(cls) & textual_names):
            if name not in INTENDED_OVERRIDES and not name.startswith(INTENDED_PREFIXES):
                clashes.append(f"{cls.__name__}.{name}")
    assert not clashes, f"names Textual already uses: {clashes}"


def activity(n: int) -> Activity:
    return Activity(id=f"{n:024x}", actor=Person("alice", "Alice"), content=f"post {n}", published=None)


class StreamApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ActivityStream(id="stream")


async def test_stream_remove_is_textuals_and_drop_activity_deletes_one():
    app = StreamApp()
    async with app.run_test() as pilot:
        stream = app.query_one(ActivityStream)
        stream.set_entries([activity(3), activity(2), activity(1)])
        stream.drop_activity(activity(2).id)
        assert [a.id for a in stream.entries] == [activity(3).id, activity(1).id]
        assert activity(2).id not in stream.ids
        await stream.remove()  # Textual's Widget.remove(): the widget leaves the DOM
        await pilot.pause()
        assert not app.query(ActivityStream)
