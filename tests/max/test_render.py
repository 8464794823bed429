"""Content rendering: HTML and markdown become readable text, hashtags stand out, times read naturally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.services.max.render import HASHTAG_STYLE, as_markdown, content_text, relative_time


def styles_of(text, word: str):
    start = text.plain.index(word)
    return [span.style for span in text.spans if span.start <= start < span.end]


def test_html_becomes_markdown_with_links_and_paragraphs():
    html = (
        "<p><b>Heads up:</b> build &amp; deploy</p><ul><li>one</li><li>two</li></ul>"
        '<p>See <a href="http://w">the wiki</a><script>x()</script></p>'
    )
    md = as_markdown(html)
    assert md.startswith("**Heads up:** build & deploy")
    assert "- one" in md and "- two" in md and "[the wiki](http://w)" in md and "x()" not in md


def test_markdown_renders_inline_styles_bullets_and_hashtags():
    text = content_text("**Bold** and *soft* with `code`\n\n- item #release\n\n[docs](http://d) #Coffee")
    plain = text.plain
    assert "**" not in plain and "`" not in plain and "[docs]" not in plain
    assert "• item #release" in plain
    assert any(getattr(s, "bold", False) for s in styles_of(text, "Bold"))
    assert any(getattr(s, "italic", False) for s in styles_of(text, "soft"))
    assert HASHTAG_STYLE in styles_of(text, "#release") and HASHTAG_STYLE in styles_of(text, "#Coffee")
    assert any(getattr(s, "link", None) == "http://d" and s.underline for s in styles_of(text, "docs"))


def test_plain_text_with_entities_and_underscores_stays_readable():
    text = content_text("fish &amp; chips for snake_case_people, 5 * 3")
    assert text.plain == "fish & chips for snake_case_people, 5 * 3"


def test_relative_times():
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert relative_time(now - timedelta(seconds=10), now) == "just now"
    assert relative_time(now - timedelta(minutes=5), now) == "5 min ago"
    assert relative_time(now - timedelta(hours=3), now) == "3 h ago"
    assert relative_time(now - timedelta(days=1), now) == "yesterday"
    assert relative_time(now - timedelta(days=30), now) == "23 Oct"
    assert relative_time(None, now) == "some time ago"
