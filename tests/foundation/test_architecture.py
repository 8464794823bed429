"""The architecture rules that a reader should be able to trust without reading every file."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
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
    *("on_mount", "on_unmount", "on_show", "on_hide", "on_resize", "on_focus", "on_blur", "on_click", "on_key"),
    *("on_mouse_scroll_up", "on_mouse_scroll_down", "on_mouse_move", "on_enter", "on_leave", "on_paste"),
    *("on_button_pressed", "on_input_submitted", "on_input_changed", "on_descendant_focus", "on_descendant_blur"),
    *("get_system_commands", "watch_scroll_y", "watch_scroll_x", "bindings_changed", "check_action"),
    *("_handle_exception", "title", "sub_title", "focus", "notify_style_update"),
}
# Deliberate overrides of private Textual parts, the reason Textual is pinned exactly (see pyproject.toml).
DELIBERATE = {"DocumentTree": {"_build", "_toggle_node", "_tree_lines_cached", "get_label_width"}}
_SELF_ASSIGNED = re.compile(r"self\.(\w+)\s*(?::[^=\n]+)?=[^=]")


def _names_set_by(cls: type) -> set[str]:
    """Attributes a class defines, plus those its methods assign on `self` (Textual keeps much state that way)."""
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        source = ""
    return set(vars(cls)) | set(_SELF_ASSIGNED.findall(source))


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
            textual_bases = [b for b in cls.__mro__ if b.__module__.startswith("textual.")]
            textual_names = set().union(*(_names_set_by(b) for b in textual_bases))
            # what Textual's metaclass and __init_subclass__ set on every subclass by themselves
            automatic = set(vars(type("Probe", (textual_bases[0],), {})))
            ours = set(vars(cls)) - automatic - INTENDED_OVERRIDES - DELIBERATE.get(cls_name, set())
            clashes += [
                f"{module_name}.{cls_name}.{name}"
                for name in sorted(ours & textual_names)
                if not name.startswith(("__", "action_", "watch_", "validate_", "compute_", "_on_", "_watch_"))
            ]
    assert clashes == [], "\n".join(clashes)


@pytest.mark.parametrize("name", ["tree", "remove", "loading", "_auto_refresh", "is_on_screen"])
def test_the_known_clashes_are_textual_names(name):
    """The check above catches these names (found in this code base once); it fails if Textual stops using one."""
    from textual.widget import Widget

    assert name in set().union(*(_names_set_by(b) for b in Widget.__mro__ if b.__module__.startswith("textual.")))
