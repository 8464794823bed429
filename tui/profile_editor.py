"""The in-app profile editor: one section per service, where the secret lives, and "test connection"."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from tui.http import ServiceError
from tui.profiles import (
    Connection,
    Profile,
    ProfileError,
    ProfileStore,
    SecretUnavailable,
    check_url,
    keyring_available,
)
from tui.services import SERVICES, ServiceKind
from tui.widgets.dialogs import DIALOG_CSS
from tui.widgets.key_footer import KeyFooter

SECRET_PLACES = [("in the profile file (0600)", "file"), ("from an environment variable", "env")]


def secret_places() -> list[tuple[str, str]]:
    return SECRET_PLACES + ([("in the OS keyring", "keyring")] if keyring_available() else [])


class ServiceSection(Vertical):
    DEFAULT_CSS = """
    ServiceSection { height: auto; border: round $primary-darken-1; padding: 0 1; margin-bottom: 1; }
    ServiceSection Horizontal { height: auto; }
    ServiceSection Input { width: 1fr; }
    ServiceSection Select { width: 1fr; }
    ServiceSection .test-result { height: auto; margin-top: 1; }
    ServiceSection .test-result.ok { color: $success; }
    ServiceSection .test-result.failed { color: $error; }
    """

    def __init__(self, service: ServiceKind, connection: Connection | None, profile_name: str):
        super().__init__(id=f"section-{service.kind}")
        self.service = service
        self.connection = connection
        self.profile_name = profile_name
        self.border_title = f"{service.product} · {service.title}"

    def compose(self) -> ComposeResult:
        conn = self.connection
        yield Input(
            conn.url if conn else "",
            placeholder=f"URL, e.g. {self.service.default_url} (blank: no connection)",
            id="url",
            select_on_focus=False,
        )
        with Horizontal():
            yield Input(
                conn.username if conn else "",
                placeholder=self.service.username_label,
                id="username",
                select_on_focus=False,
            )
            secret = conn.secret if conn and conn.secret_source in ("file", "memory") else ""
            hint = (
                "(kept in the keyring; blank keeps it)"
                if conn and conn.secret_source == "keyring"
                else self.service.secret_label
            )
            yield Input(secret, placeholder=hint, password=True, id="secret", select_on_focus=False)
        with Horizontal():
            places = secret_places()
            current = conn.secret_source if conn and conn.secret_source in dict((v, k) for k, v in places) else "file"
            yield Select(places, value=current, allow_blank=False, id="place")
            yield Input(
                conn.secret_env if conn else "",
                placeholder="environment variable name",
                id="env",
                select_on_focus=False,
            )
        with Horizontal():
            yield Button("Test connection", id="test")
        yield Static("", classes="test-result")

    def value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def build(self) -> Connection | None:
        """The connection as typed, or None when the URL is blank; raises ValueError with a readable message."""
        url = self.value("url")
        if not url:
            return None
        try:
            url = check_url(url)
        except ProfileError as exc:
            raise ValueError(f"{self.service.product}: {exc}") from None
        place = self.query_one("#place", Select).value
        conn = Connection(kind=self.service.kind, url=url, username=self.value("username"), secret_source=str(place))
        secret = self.query_one("#secret", Input).value
        if place == "env":
            conn.secret_env = self.value("env")
            if not conn.secret_env:
                raise ValueError(f"{self.service.product}: name the environment variable that holds the secret.")
        elif place == "keyring":
            conn.secret = secret  # stored in the keyring on save; blank keeps what is there
        else:
            conn.secret = secret
        if self.connection is not None:
            conn.options = dict(self.connection.options)
        return conn

    def show_result(self, text: str, ok: bool) -> None:
        result = self.query_one(".test-result", Static)
        result.set_classes(f"test-result {'ok' if ok else 'failed'}")
        result.update(text)

    @on(Button.Pressed, "#test")
    def _test(self, event: Button.Pressed) -> None:
        event.stop()
        try:
            conn = self.build()
        except ValueError as exc:
            self.show_result(str(exc), False)
            return
        if conn is None:
            self.show_result("Enter a URL first.", False)
            return
        self.show_result("Testing…", True)
        self.run_test(conn)

    @work(exclusive=True, group="test-connection")
    async def run_test(self, conn: Connection) -> None:
        # a secret typed in the form is tested as typed; one kept elsewhere is fetched from there
        fetch = conn.secret_source == "env" or (conn.secret_source == "keyring" and not conn.secret)
        client = None
        try:
            secret = conn.resolve_secret(self.profile_name) if fetch else conn.secret
            client = self.service.client_class().from_connection(
                conn, secret, exchange_log=getattr(self.app, "exchange_log", None)
            )
            self.show_result("✔ " + await client.check(), True)
        except ServiceError as exc:
            self.show_result("✖ " + exc.readable, False)
        except SecretUnavailable as exc:
            self.show_result(f"✖ {exc}", False)
        except Exception as exc:  # an unexpected failure is still one readable line
            self.show_result(f"✖ The test could not finish ({exc}).", False)
        finally:
            if client is not None:
                try:
                    await client.aclose()
                except Exception:
                    pass


class ProfileEditor(ModalScreen[Profile | None]):
    DEFAULT_CSS = "ProfileEditor { align: center middle; }\n" + DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, store: ProfileStore, name: str | None = None, *, focus_kind: str | None = None, intro: str = ""):
        super().__init__()
        self.store = store
        self.original_name = name
        self.focus_kind = focus_kind
        self.intro = intro
        self.profile = self._load(name)

    def _load(self, name: str | None) -> Profile:
        if not name:
            return Profile(name="")
        try:
            return self.store.get(name)
        except ProfileError:
            return Profile(name=name)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static("Profile" if self.original_name else "New profile", classes="title")
            if self.intro:
                yield Static(self.intro)
            yield Label("Name", classes="field-label")
            yield Input(self.profile.name or "default", id="profile-name", select_on_focus=False)
            for service in SERVICES.values():
                yield ServiceSection(service, self.profile.connection(service.kind), self.profile.name)
            yield Static(f"Saving writes {self.store.path}", classes="field-label", markup=False)
            yield Static("", classes="error", id="form-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.focus_kind and self.query(f"#section-{self.focus_kind}"):
            section = self.query_one(f"#section-{self.focus_kind}", ServiceSection)
            section.query_one("#url", Input).focus()
            section.scroll_visible(animate=False)
        else:  # the first field: what is typed goes somewhere, and the form does not shift under it
            self.query_one("#profile-name", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        error = self.query_one("#form-error", Static)
        name = self.query_one("#profile-name", Input).value.strip()
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            error.update("Name the profile with letters, digits, - or _.")
            return
        profile = Profile(name=name)
        try:
            for section in self.query(ServiceSection):
                conn = section.build()
                if conn is not None:
                    profile.connections[conn.kind] = conn
            self.store.save(profile)
            if self.original_name and self.original_name != name:
                self.store.remove(self.original_name)
        except (ValueError, ProfileError) as exc:
            error.update(str(exc))
            return
        if profile.secrets_in_file:
            self.app.notify(f"Secrets are stored in {self.store.path} (readable by you only).", severity="warning")
        self.dismiss(profile)
