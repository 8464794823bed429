"""No widget or screen of the Documents pane reuses a name Textual already gives its widgets, screens or DOM nodes."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap

import textual.dom
import textual.message_pump
import textual.screen
import textual.widget

import tui.services.nuxeo as package

# Names Textual means subclasses to define (handlers, actions, watchers, CSS, bindings, composition, rendering).
INTENDED_OVERRIDES = {
    "BINDINGS",
    "COMMANDS",
    "COMPONENT_CLASSES",
    "DEFAULT_CLASSES",
    "DEFAULT_CSS",
    "compose",
    "render",
    "render_line",
}
INTENDED_PREFIXES = ("on_", "action_", "watch_", "validate_", "compute_", "_on_", "_watch_")
# Deliberate, documented replacements of a stock widget's internals, class by class.
INTENDED_BY_CLASS = {
    # the lean rebuild of the tree's lines, and the state the stock `Tree._build` sets too
    "DocumentTree": {"_build", "get_label_width", "_toggle_node", "cursor_line", "virtual_size"},
}
TEXTUAL_BASES = (textual.widget.Widget, textual.screen.Screen, textual.dom.DOMNode, textual.message_pump.MessagePump)


def textual_names(cls: type) -> set[str]:
    """Every name the Textual classes among `cls`'s bases define (the four named ones and stock widgets like Tree)."""
    names: set[str] = set()
    for base in cls.__mro__[1:]:
        if base.__module__.startswith("textual.") or base in TEXTUAL_BASES:
            names.update(vars(base))
            names.update(getattr(base, "__annotations__", {}))
    return names


def own_names(cls: type) -> set[str]:
    """Names in the class body, plus attributes its methods assign on self (`self.x = ...`); not the ones Textual's
    machinery adds to every subclass (binding and CSS caches)."""
    automatic = set(vars(type("Probe", (cls.__mro__[1],), {})))
    names = {n for n in vars(cls) if not (n.startswith("__") and n.endswith("__")) and n not in automatic}
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            for item in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(item, ast.Attribute) and isinstance(item.value, ast.Name) and item.value.id == "self":
                    names.add(item.attr)
    return names


def nuxeo_dom_classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, textual.message_pump.MessagePump):
                found.append(cls)
    return found


def test_there_are_classes_to_check():
    names = {cls.__name__ for cls in nuxeo_dom_classes()}
    assert {"DocumentsPane", "DocumentTree", "DocumentDetails", "SearchDialog", "EditDocumentDialog"} <= names


def test_no_widget_or_screen_shadows_a_textual_name():
    clashes = []
    for cls in nuxeo_dom_classes():
        allowed = INTENDED_OVERRIDES | INTENDED_BY_CLASS.get(cls.__name__, set())
        for name in sorted(own_names(cls) & textual_names(cls)):
            if name in allowed or name.startswith(INTENDED_PREFIXES):
                continue
            clashes.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert clashes == []


def test_documents_pane_keeps_textuals_tree():
    """`Widget.tree` is Textual's view of the DOM; the pane's document tree has a name of its own."""
    from tui.services.nuxeo.pane import DocumentsPane

    assert "tree" not in vars(DocumentsPane)
    assert vars(DocumentsPane).get("document_tree") is not None
