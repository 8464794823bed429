"""`safe_file_name`: a file name a server supplied, reduced to a base name that is safe to save under."""

from __future__ import annotations

import pytest

from tui.http import safe_file_name


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../.bashrc", "bashrc"),
        ("..", "fallback.bin"),
        (".", "fallback.bin"),
        ("/etc/passwd", "passwd"),
        ("reports/", "fallback.bin"),
        ("C:\\Users\\me\\evil.exe", "evil.exe"),
        ("a\x00b\x1b[31mc\n.txt", "ab[31mc.txt"),  # no NUL, escape nor newline: nothing that redraws the terminal
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override hides the real extension
        ("notes..txt", "notes.txt"),
        ("..\u2028../x", "x"),
        ("   ", "fallback.bin"),
        ("", "fallback.bin"),
        ("what?.txt", "what_.txt"),
        ("Résumé 2024.pdf", "Résumé 2024.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_a_server_supplied_name_becomes_a_safe_base_name(name, safe):
    assert safe_file_name(name, "fallback.bin") == safe


def test_the_fallback_is_made_safe_too_and_the_result_is_never_empty():
    assert safe_file_name("..", "../doc-name") == "doc-name"
    assert safe_file_name("", safe_file_name("/", "second")) == "second"  # a chain of candidates
    assert safe_file_name("..", "") == "file"
