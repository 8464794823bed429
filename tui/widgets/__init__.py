"""Widgets shared by every pane."""
