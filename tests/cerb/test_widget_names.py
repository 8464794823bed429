"""No widget or screen of the Tickets pane reuses a name Textual already gives widgets, screens and DOM nodes.

A subclass attribute or method named like one of Textual's (`workers`, `loading`, `refresh`, `focus`...) silently
replaces it, and Textual then calls ours where it expects its own. Only the overrides Textual intends are allowed.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import pkgutil
import textwrap

import pytest
from textual.dom import DOMNode

import tui.services.cerb

# names Textual means subclasses to define; handlers and actions are matched by prefix below
INTENDED = {
    "BINDINGS",
    "COMPONENT_CLASSES",
    "DEFAULT_CLASSES",
    "DEFAULT_CSS",
    "compose",
    "on_mount",
    "render_line",
}
INTENDED_PREFIXES = ("action_", "watch_", "validate_", "compute_")


def cerb_widget_classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.iter_modules(tui.services.cerb.__path__, "tui.services.cerb."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                found[cls.__qualname__] = cls
    return list(found.values())


def textual_names(cls: type[DOMNode]) -> set[str]:
    """Every name the Textual classes `cls` derives from define: on the class, or on an instance (set in __init__)."""
    names: set[str] = set()
    for base in cls.__mro__:
        if not base.__module__.startswith("textual."):
            continue
        names.update(dir(base))
        with contextlib.suppress(Exception):  # a base that needs arguments still gives its class-level names
            names.update(vars(base()))
    return names


def assigned_names(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    else:
        return []
    return [element for target in targets for element in (target.elts if isinstance(target, ast.Tuple) else [target])]


def own_names(cls: type[DOMNode]) -> set[str]:
    """What the class body defines: class attributes, methods, nested classes, and the `self.name = ...` of its
    methods. (Read from the source: Textual itself adds attributes to every subclass, which are not ours.)"""
    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    assert isinstance(body, ast.ClassDef)
    names: set[str] = set()
    for statement in body.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        names.update(e.id for e in assigned_names(statement) if isinstance(e, ast.Name))
    for node in ast.walk(body):
        for element in assigned_names(node):
            if (
                isinstance(element, ast.Attribute)
                and isinstance(element.value, ast.Name)
                and element.value.id == "self"
            ):
                names.add(element.attr)
    return {name for name in names if not (name.startswith("__") and name.endswith("__"))}


def test_the_package_has_widgets_to_check():
    names = {cls.__name__ for cls in cerb_widget_classes()}
    assert {"TicketsPane", "TicketEditor", "ConflictDialog", "PickDialog"} <= names


@pytest.mark.parametrize("cls", cerb_widget_classes(), ids=lambda cls: cls.__qualname__)
def test_no_name_collides_with_textual(cls: type[DOMNode]):
    collisions = sorted(
        name
        for name in own_names(cls) & textual_names(cls)
        if name not in INTENDED and not name.startswith(INTENDED_PREFIXES)
    )
    assert collisions == [], f"{cls.__qualname__} redefines Textual's {', '.join(collisions)}"
