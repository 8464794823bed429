"""No widget or screen of the Queues pane reuses a name Textual already gives its widgets, screens or DOM nodes.

Textual sets many attributes on every node (`_auto_refresh`, `loading`, `tree`...): a method or attribute of ours
with the same name silently replaces Textual's (or is replaced by it), which breaks things far from the cause.
Every name a class body defines, and every `self.<name> = ...` its methods assign, is checked against what Textual's
bases define on the class and set on a fresh instance; only the overrides Textual means to be overridden are allowed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re

import pytest
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

import tui.services.openiap as openiap_package

# Overridden on purpose: hooks Textual calls, class-level configuration, and our own `focus` that moves the focus
# into the pane (`ServicePane.focus` semantics kept), and the style-change hook that clears a render cache.
INTENDED_OVERRIDES = {
    "BINDINGS",
    "COMMANDS",
    "DEFAULT_CSS",
    "DEFAULT_CLASSES",
    "compose",
    "focus",
    "notify_style_update",
    "render_line",
    "_on_mouse_scroll_down",
    "_on_mouse_scroll_up",
}
HOOK_PATTERN = re.compile(r"^(_?on_|action_|watch_|validate_|compute_|key_|__\w+__$)")


def textual_names() -> set[str]:
    names: set[str] = set()
    for base in (DOMNode, MessagePump, Widget, Screen, ModalScreen):
        names.update(dir(base))
    for instance in (Widget(), Screen(), ModalScreen()):
        names.update(vars(instance))  # attributes Textual's __init__ sets, e.g. `_auto_refresh`
    return names


def our_widget_classes() -> list[type]:
    classes = []
    for info in pkgutil.walk_packages(openiap_package.__path__, openiap_package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, (Widget, Screen)):
                classes.append(cls)
    return classes


def names_defined_by(cls: type) -> set[str]:
    """The class body's own names and the `self.<name>` attributes its methods assign."""
    tree = ast.parse(inspect.getsource(cls))
    node = tree.body[0]
    assert isinstance(node, ast.ClassDef)
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, ast.Assign):
            names.update(t.id for t in item.targets if isinstance(t, ast.Name))
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
    for sub in ast.walk(node):
        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] if isinstance(sub, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                names.add(target.attr)
    return names


CLASSES = our_widget_classes()


def test_the_pane_package_has_widgets_to_check():
    assert {c.__name__ for c in CLASSES} >= {"QueuesPane", "TailView", "TailPanel", "WorkitemsView", "PublishDialog"}


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_no_name_collides_with_textual(cls):
    reserved = textual_names()
    collisions = {
        name
        for name in names_defined_by(cls) & reserved
        if name not in INTENDED_OVERRIDES and not HOOK_PATTERN.match(name)
    }
    assert not collisions, f"{cls.__name__} reuses Textual's {sorted(collisions)}: rename them"
