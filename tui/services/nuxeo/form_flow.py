"""How every form of the Documents pane meets a failure: show the form, try what was asked, and when that fails show
the form again with what was typed and one sentence saying why, until it works or the user gives up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tui.http import ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.widgets.dialogs import Field, FormDialog
from tui.widgets.pane import ServicePane

T = TypeVar("T")


class RetryForm(FormDialog):
    """A form shown again after a failed attempt: the reason is on its error line (plain text, in the error colour)."""

    def __init__(self, title: str, fields: list[Field], *, submit: str, note: str, error: str):
        super().__init__(title, fields, submit=submit, note=note)
        self.error = error

    def on_mount(self) -> None:  # Textual also runs FormDialog's (focus on the first field)
        if self.error:
            self.show_error(self.error)


class TryAgain(Exception):
    """Raised by an attempt when what was typed will not do: the form comes back with this message (or none)."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


async def ask_until_done(
    pane: ServicePane[NuxeoClient],
    title: str,
    fields: list[Field],
    attempt: Callable[[dict[str, str]], Awaitable[T | None]],
    *,
    doing: str,
    submit: str = "OK",
    note: str = "",
) -> T | None:
    """Ask with a form, then `attempt(values)`; its result, or None when the user cancels or the attempt answers None
    (it decided there is nothing to do). `doing` completes "Could not …" in the error shown on the form.

    Must run in a worker (it waits for the dialogs)."""
    error = ""
    while True:
        form = RetryForm(title, fields, submit=submit, note=note, error=error)
        answer = await pane.app.push_screen_wait(form)
        if answer is None:
            return None
        values = {name: "" if value is None else str(value) for name, value in answer.items()}
        for field in fields:  # the form comes back as it was left
            field.value = values.get(field.name, field.value)
        try:
            return await attempt(values)
        except TryAgain as exc:
            error = exc.message
        except ServiceError as exc:
            error = f"Could not {doing}: {exc.readable}"
        except OSError as exc:
            error = f"Could not {doing}: {exc.strerror or exc}."
        except Exception as exc:  # a bug: the notification names it, the form stays readable
            pane.report(exc, doing)
            error = f"Could not {doing}."
