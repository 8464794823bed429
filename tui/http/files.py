"""File names a server supplies, made safe to save under on this computer.

A download's name comes from the server (an attachment's or a blob's name): it may hold a path (`../../.bashrc`,
`C:\\Users\\me\\evil.exe`), control characters that redraw the terminal, a right-to-left override that hides the real
extension, or nothing at all. `safe_file_name` keeps a plain base name, or the caller's fallback.
"""

from __future__ import annotations

import re
import unicodedata

MAX_FILE_NAME = 200  # characters; file systems allow 255 bytes, and a name may need a suffix (" (2)", ".part")
MAX_EXTENSION = 20
LAST_RESORT = "file"  # when even the fallback has nothing safe in it
_UNPORTABLE = re.compile(r'[<>:"|?*]')  # refused by some file systems (Windows, SMB shares)
_SEPARATORS = re.compile(r"[/\\]")


def _cleaned(name: str) -> str:
    # control (C*) and separator (Z*) characters go, except the plain space: this removes NUL, ESC, newlines and the
    # invisible bidirectional overrides
    text = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    text = _SEPARATORS.split(text)[-1]  # the last path segment only, whichever system's separator it uses
    # no `..` anywhere, and no leading dot (a hidden file) nor trailing dot or space (Windows drops them)
    text = re.sub(r"\.{2,}", ".", _UNPORTABLE.sub("_", text)).strip(" .")
    if len(text) > MAX_FILE_NAME:  # shortened, keeping a (short) extension
        stem, dot, ext = text.rpartition(".")
        ext = ext[:MAX_EXTENSION] if dot and stem else ""
        text = text[: MAX_FILE_NAME - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return text


def safe_file_name(name: str, fallback: str) -> str:
    """`name` (supplied by a server) reduced to a safe base name: its last path segment, no `..`, no separators, no
    control or invisible characters, no leading dot, at most `MAX_FILE_NAME` characters. When nothing is left, the
    fallback made safe the same way (so it may be another server-supplied name); never empty."""
    return _cleaned(name) or _cleaned(fallback) or LAST_RESORT
