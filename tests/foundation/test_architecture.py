"""The architecture rules that a reader should be able to trust without reading every file."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tui

PACKAGE = Path(tui.__file__).parent
LIMIT = 500

CLIENT_MODULES = [
    "tui.http",
    "tui.profiles",
    "tui.drafts",
    "tui.contract",
    "tui.services",
    "tui.services.nuxeo.client",
    "tui.services.cerb.client",
    "tui.services.max.client",
    "tui.services.openiap.client",
]


def test_client_code_runs_without_textual():
    """Design rule 1, checked the way a script would meet it: import every client, then look for Textual."""
    code = f"import sys\nfor name in {CLIENT_MODULES!r}: __import__(name)\nprint('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


def test_the_sandbox_runs_without_textual():
    code = (
        "import sys, tui.sandbox.host as h\n"
        "for m in h.SANDBOXES.values(): __import__(m)\n"
        "print('textual' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "False"


def test_no_hand_written_module_is_over_500_lines():
    too_long = {
        str(path.relative_to(PACKAGE.parent)): n
        for path in PACKAGE.rglob("*.py")
        if not path.name.endswith("_pb2.py") and (n := len(path.read_text().splitlines())) > LIMIT
    }
    assert too_long == {}


def _textual_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(PACKAGE)], prefix="tui."):
        if info.name.startswith("tui.sandbox"):
            continue
        spec = importlib.util.find_spec(info.name)
        if spec is not None and spec.origin and "textual" in Path(spec.origin).read_text():
            names.append(info.name)
    return names


# Names Textual asks subclasses to define or override.
INTENDED_OVERRIDES = {
    *("BINDINGS", "COMPONENT_CLASSES", "DEFAULT_CSS", "DEFAULT_CLASSES", "CSS", "CSS_PATH", "COMMANDS", "TITLE"),
    *("SUB_TITLE", "AUTO_FOCUS", "HELP", "ALLOW_MAXIMIZE", "can_focus", "can_focus_children"),
    *("compose", "render", "render_line", "render_lines", "get_content_width", "get_content_height"),
    *("get_system_commands", "bindings_changed", "check_action", "notify_style_update", "focus"),
    *("_handle_exception", "title", "sub_title"),
}
# Textual attributes meant to be set from outside Textual (assigning them is using Textual, not shadowing it).
SETTABLE = {
    *("border_title", "border_subtitle", "tooltip", "virtual_size", "display", "disabled"),
    *("cursor_line", "highlighted"),  # a Tree's and an OptionList's cursor
}
HOOKS = ("__", "on_", "_on_", "key_", "action_", "watch_", "_watch_", "validate_", "compute_")
# Deliberate overrides of private Textual parts, the reason Textual is pinned exactly (see pyproject.toml).
DELIBERATE = {
    # `process_label` is one Textual documents as meant to be overridden; `_invalidate` is batched while a page goes in
    "DocumentTree": {"_build", "_toggle_node", "_tree_lines_cached", "get_label_width", "process_label", "_invalidate"},
    "KeyFooter": {"_bindings_ready"},  # marks the footer ready to rebuild once start-up's bindings settle
}


def _textual_names(cls: type | None = None) -> set[str]:
    """Every name Textual defines for `cls` (a widget, screen or app of ours; any of them when None): on its
    Textual base classes, and on a fresh instance (attributes such as `_auto_refresh` are set in `__init__`)."""
    from textual.app import App
    from textual.screen import ModalScreen, Screen
    from textual.widget import Widget

    bases = [
        b for b in (cls.__mro__ if cls else (Widget, Screen, ModalScreen, App)) if b.__module__.startswith("textual.")
    ]
    names: set[str] = set().union(*(dir(b) for b in bases))
    for kind in (ModalScreen, Screen, Widget):
        if cls is None or issubclass(cls, kind):
            names.update(_instance_names(kind))
    return names


@functools.cache
def _instance_names(kind: type) -> frozenset[str]:
    return frozenset(vars(kind()))


def _names_defined_by(cls: type) -> tuple[set[str], set[str]]:
    """(names the class body defines, attributes its methods assign on `self`)."""
    node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(node, ast.ClassDef)
    body: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body.add(item.name)
        elif isinstance(item, ast.Assign):
            body.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            body.add(item.target.id)
    assigned = {
        target.attr
        for sub in ast.walk(node)
        for target in (
            sub.targets if isinstance(sub, ast.Assign) else [sub.target] if isinstance(sub, ast.AnnAssign) else []
        )
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }
    return body, assigned


def test_no_widget_redefines_a_name_textual_uses():
    """`tree`, `remove`, `loading`, `_auto_refresh`, `is_on_screen`…: redefining one silently breaks Textual."""
    from textual.app import App
    from textual.dom import DOMNode

    clashes = []
    for module_name in _textual_modules():
        module = importlib.import_module(module_name)
        for cls_name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module_name or not issubclass(cls, DOMNode | App):
                continue
            body, assigned = _names_defined_by(cls)
            allowed = INTENDED_OVERRIDES | DELIBERATE.get(cls_name, set())
            ours = (body - allowed) | (assigned - allowed - SETTABLE)
            reserved = _textual_names(cls)
            clashes += [f"{module_name}.{cls_name}.{n}" for n in sorted(ours & reserved) if not n.startswith(HOOKS)]
    assert clashes == [], "\n".join(clashes)


@pytest.mark.parametrize("name", ["tree", "remove", "loading", "_auto_refresh", "is_on_screen"])
def test_the_known_clashes_are_textual_names(name):
    """The check above catches these names (found in this code base once); it fails if Textual stops using one."""

    assert name in _textual_names()
