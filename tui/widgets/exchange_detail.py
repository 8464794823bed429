"""How one exchange is drawn: its row in the Exchanges table, and its headers and bodies below it."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

from rich.console import Group, RenderableType
from rich.text import Text

from tui.http import Exchange
from tui.widgets.json_view import highlighted

SERVICE_WIDTH = 8
URL_WIDTH = 90


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def status_text(exchange: Exchange) -> Text:
    if exchange.status is None:
        if exchange.is_message:
            return Text(exchange.method.lower(), style="cyan")
        if not exchange.sent:
            return Text("not sent", style="red")
        return Text("failed" if exchange.error else "…", style="red" if exchange.error else "dim")
    style = "green" if exchange.status < 300 else "yellow" if exchange.status < 400 else "red"
    return Text(str(exchange.status), style=style)


def row_cells(exchange: Exchange) -> tuple[str, str, str, Text, str, str]:
    """time, service, method, status, ms, what (the long one last, so a narrow terminal cuts only it)."""
    what = f"{exchange.note}  {exchange.url}" if exchange.note else exchange.url
    elapsed = f"{exchange.elapsed_ms:.0f}" if exchange.status is not None else ""
    return (
        time.strftime("%H:%M:%S", time.localtime(exchange.started)),
        exchange.service,
        exchange.method,
        status_text(exchange),
        elapsed,
        shorten(what, URL_WIDTH),
    )


def matches(exchange: Exchange, words: str) -> bool:
    """The filter: every word appears somewhere in the row or the bodies (case does not matter)."""
    if not words:
        return True
    haystack = " ".join(
        (exchange.service, exchange.method, exchange.url, exchange.note, exchange.error, str(exchange.status or ""),
         exchange.request_body[:2000], exchange.response_body[:2000])
    ).lower()  # fmt: skip
    return all(word in haystack for word in words.lower().split())


def _content_type(headers: list[tuple[str, str]]) -> str:
    return next((v.lower() for k, v in headers if k.lower() == "content-type"), "")


def body_renderable(body: str, content_type: str) -> RenderableType:
    """JSON pretty-printed and highlighted, a form as its fields (already redacted), anything else as text."""
    stripped = body.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            return highlighted(json.loads(body))
        except (ValueError, RecursionError):
            pass
    if "x-www-form-urlencoded" in content_type:
        pairs = parse_qsl(body, keep_blank_values=True)
        if pairs:
            width = max(len(k) for k, _ in pairs)
            return Text("\n".join(f"{k.ljust(width)} = {v}" for k, v in pairs))
    return Text(body)


def detail(exchange: Exchange) -> RenderableType:
    lines: list[RenderableType] = [Text(f"{exchange.method} {exchange.url}", style="bold")]
    status = exchange.status if exchange.status is not None else "-"
    meta = f"status {status} · {exchange.elapsed_ms:.0f} ms · {exchange.service}"
    if exchange.note:
        meta += f" · {exchange.note}"
    lines.append(Text(meta, style="dim"))
    if exchange.error:
        where = "The request was never sent" if not exchange.sent else "The request got no answer"
        lines.append(Text(f"{where}: {exchange.error}", style="red"))
    for title, headers, body in (
        ("Request", exchange.request_headers, exchange.request_body),
        ("Response", exchange.response_headers, exchange.response_body),
    ):
        if not headers and not body:
            continue
        lines.append(Text(f"\n{title}", style="bold underline"))
        for key, value in headers:
            lines.append(Text.assemble((f"{key}: ", "cyan"), value))
        if body:
            lines.append(Text(""))
            lines.append(body_renderable(body, _content_type(headers)))
    return Group(*lines)
