"""Activity content as readable text: HTML turned into markdown-ish text, markdown into Rich `Text`, #hashtags lit.

MAX content is whatever the posting client sent: plain text, simple HTML or markdown. The stream needs thousands of
these rendered fast, so inline markdown is converted here straight to a `Text` (Rich's full `Markdown` renderer is
used for the one activity opened in the reader). Uses Rich only, never Textual.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.style import Style
from rich.text import Text

from tui.http import one_line
from tui.services.max.models import Activity, Comment, Conversation, Message

HASHTAG_STYLE = Style(color="magenta", bold=True)
LINK_STYLE = Style(color="cyan", underline=True)
CODE_STYLE = Style(color="yellow")
HASHTAG_PATTERN = r"(?<![\w&])#\w+"
HTML_HINT = re.compile(r"<(p|br|b|i|a|strong|em|ul|ol|li|div|span|h[1-6]|code|pre|blockquote)\b", re.IGNORECASE)

# --------------------------------------------------------------------------------------------------------------------
# HTML -> markdown-ish text
# --------------------------------------------------------------------------------------------------------------------


class _HtmlToMarkdown(HTMLParser):
    """Keeps the text and the little structure that matters (paragraphs, lists, emphasis, links); drops the rest."""

    BLOCKS: ClassVar[set[str]] = {
        "p",
        "div",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "tr",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
            if tag.startswith("h") and len(tag) == 2:
                self.out.append("#" * int(tag[1]) + " ")
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))
            self.out.append("[")
        elif tag == "img":
            alt = dict(attrs).get("alt") or "image"
            self.out.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "code":
            self.out.append("`")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            self.out.append(f"]({href})" if href else "]")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_markdown(html: str) -> str:
    parser = _HtmlToMarkdown()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def as_markdown(content: str) -> str:
    """Content normalised to markdown: HTML converted, markdown and plain text kept as they are."""
    return html_to_markdown(content) if HTML_HINT.search(content) else html.unescape(content).strip()


# --------------------------------------------------------------------------------------------------------------------
# markdown -> Text (inline subset, fast)
# --------------------------------------------------------------------------------------------------------------------

INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\((?P<url>[^)\s]+)\))"
    r"|(?P<bold>\*\*[^*\n]+\*\*|__[^_\n]+__)"
    r"|(?P<em>(?<![\w*])\*[^*\n]+\*(?![\w*])|(?<!\w)_[^_\n]+_(?!\w))"
)


def _inline(line: str, text: Text, base: Style | None = None) -> None:
    pos = 0
    for match in INLINE.finditer(line):
        text.append(line[pos : match.start()], base)
        if match.group("code"):
            text.append(match.group("code")[1:-1], CODE_STYLE)
        elif match.group("link"):
            url = match.group("url")
            text.append(match.group("label"), LINK_STYLE + Style(link=url))
        elif match.group("bold"):
            text.append(match.group("bold")[2:-2], Style(bold=True) + (base or Style()))
        else:
            text.append(match.group("em")[1:-1], Style(italic=True) + (base or Style()))
        pos = match.end()
    text.append(line[pos:], base)


def markdown_text(markdown: str) -> Text:
    """A Text of the markdown: headings bold, list items bulleted, quotes dimmed, inline styles applied."""
    text = Text()
    blank = False
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if not line.strip():
            if text and not blank:
                text.append("\n")
            blank = True
            continue
        if text and not text.plain.endswith("\n"):
            text.append("\n")
        blank = False
        heading = re.match(r"^(#{1,6})\s+(.*)", line)
        bullet = re.match(r"^\s*[-*+]\s+(.*)", line)
        numbered = re.match(r"^\s*(\d+)[.)]\s+(.*)", line)
        if heading:
            _inline(heading.group(2), text, Style(bold=True))
        elif bullet:
            text.append("  • ")
            _inline(bullet.group(1), text)
        elif numbered:
            text.append(f"  {numbered.group(1)}. ")
            _inline(numbered.group(2), text)
        elif line.startswith(">"):
            _inline(line.lstrip("> "), text, Style(dim=True, italic=True))
        else:
            _inline(line, text)
    text.rstrip()
    highlight_hashtags(text)
    return text


def highlight_hashtags(text: Text) -> Text:
    text.highlight_regex(HASHTAG_PATTERN, HASHTAG_STYLE)
    return text


def content_text(content: str) -> Text:
    """What the stream shows for an activity's content."""
    return markdown_text(as_markdown(content))


# --------------------------------------------------------------------------------------------------------------------
# Times
# --------------------------------------------------------------------------------------------------------------------


def relative_time(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return "some time ago"
    now = now or datetime.now(UTC)
    seconds = int((now - when).total_seconds())
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = round(seconds / 86400)
    if days < 7:
        return "yesterday" if days == 1 else f"{days} days ago"
    if when.year == now.year:
        return when.strftime("%d %b")
    return when.strftime("%d %b %Y")


# --------------------------------------------------------------------------------------------------------------------
# The reader and the pane's header line
# --------------------------------------------------------------------------------------------------------------------


def reader_title(a: Activity) -> Text:
    """Who, when and where, for the reader's title line."""
    title = Text()
    title.append(f"{a.actor.name} (@{a.actor.username})")
    title.append(f" · {relative_time(a.published)}")
    if a.published:
        title.append(f" · {a.published.astimezone().strftime('%Y-%m-%d %H:%M')}")
    if a.contexts:
        title.append(" · in " + ", ".join(c.name for c in a.contexts))
    return title


def reader_body(a: Activity) -> RenderableType:
    """The whole content, through Rich's full markdown renderer, with its hashtags under it."""
    if not a.hashtags:
        return Markdown(as_markdown(a.content))
    tags = Text("Hashtags: " + " ".join(f"#{t}" for t in a.hashtags), style=Style(dim=True))
    highlight_hashtags(tags)
    return Group(Markdown(as_markdown(a.content), hyperlinks=True), tags)


def likes_line(a: Activity) -> Text:
    likes = Text()
    likes.append(f"♥ {a.likes_count} ", Style(color="red", bold=True) if a.liked else None)
    names = ", ".join(p.name for p in a.likes[:8]) + (" and others" if len(a.likes) > 8 else "")
    likes.append(f"like{'s' if a.likes_count != 1 else ''}" + (f": {names}" if names else ""))
    if a.liked:
        likes.append("  (you like this; l to unlike)")
    if a.favorited:
        likes.append("   ★ one of your favorites (f to unmark)", Style(color="yellow"))
    return likes


def comment_renderable(comment: Comment) -> Group:
    head = Text()
    head.append(comment.actor.name, Style(bold=True))
    head.append(f"  @{comment.actor.username} · {relative_time(comment.published)}", Style(dim=True))
    return Group(head, content_text(comment.content), Text(""))


def conversation_row(conversation: Conversation, width: int = 200) -> Text:
    """One line of the conversations list: unread count, name, the last message, when."""
    row = Text(no_wrap=True, overflow="ellipsis")
    unread = conversation.unread or 0
    row.append(
        f" {unread:>2} new " if unread else "       ",
        Style(bold=True, color="black", bgcolor="yellow") if unread else None,
    )
    row.append(" ")
    row.append(conversation.name, Style(bold=bool(unread)))
    if conversation.group:
        row.append(f" ({len(conversation.participants)})", Style(dim=True))
    if conversation.last_message:
        row.append("  " + one_line(as_markdown(conversation.last_message), 80), Style(dim=True))
    if conversation.last_published is not None:
        row.append(f" · {relative_time(conversation.last_published)}", Style(dim=True))
    row.truncate(width, overflow="ellipsis")
    return row


def message_renderable(message: Message, mine: bool) -> Group:
    """A message in a conversation: who and when, then the text; my own messages named "You"."""
    head = Text()
    head.append("You" if mine else message.actor.name, Style(bold=True, color="green" if mine else None))
    head.append(f" · {relative_time(message.published)}", Style(dim=True))
    return Group(head, content_text(message.content), Text(""))


@dataclass(frozen=True)
class HeaderState:
    """What the pane's one header line says."""

    title: str
    pending: int = 0  # new activities announced, not shown yet
    total: int | None = None  # activities in the view, once counted
    loaded: int | None = None  # activities in the window, once the first page is in
    at_end: bool = False
    loading_older: bool = False


def header_line(state: HeaderState) -> Text:
    header = Text()
    if state.pending:
        header.append(f" ● {state.pending} new — press n to show ", Style(bold=True, color="black", bgcolor="yellow"))
        header.append("  ")
    header.append(state.title, Style(bold=True))
    if state.total is not None:
        header.append(f"  ·  {state.total:,} activities", Style(dim=True))
    if state.loaded is not None:
        header.append(f"  ·  {state.loaded} loaded", Style(dim=True))
        if state.at_end:
            header.append(" (all)", Style(dim=True))
    if state.loading_older:
        header.append("  ·  loading older…", Style(dim=True))
    header.append("   t timeline · u person · x context · h hashtag · F favorites", Style(dim=True))
    return header


def tail_line(*, at_end: bool, loading_older: bool) -> str:
    """What the stream says under its oldest activity."""
    if at_end:
        return "— the beginning of this stream —"
    return "loading older…" if loading_older else "scroll on for older activities"
