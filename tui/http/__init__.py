"""The shared async client layer: one pooled httpx client per connection, one error family, the exchange log.

Nothing here imports Textual: clients built on this package work from a plain script or a notebook.

- `errors`: `ServiceError` and its family; the only exceptions that leave a client.
- `redact`: secrets masked in headers, bodies, URLs and messages.
- `exchanges`: the exchange log (every request and response, redacted, copyable as curl).
- `tls`: one TLS context per process, built off the path to the first screen.
- `files`: `safe_file_name`, a server-supplied file name made safe to save under.
- `shapes`: `expect`, the check of a reply's shape (msgspec) that turns a surprise into a `ProtocolError`.
- `connection`: `HttpConnection` (retries, error mapping, logging) and `HttpServiceClient`, the clients' base.
"""

from tui.http.connection import (
    DEFAULT_TIMEOUT,
    IDEMPOTENT_METHODS,
    RETRY_STATUSES,
    HttpConnection,
    HttpServiceClient,
    looks_like_html,
)
from tui.http.errors import (
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    ReadOnlyError,
    ServiceError,
    UnavailableError,
    error_for_status,
    one_line,
)
from tui.http.exchanges import PREVIEW_LIMIT, Exchange, ExchangeLog, log_message, preview
from tui.http.files import safe_file_name
from tui.http.redact import (
    REDACTED,
    SECRET_FIELDS,
    SECRET_HEADERS,
    is_secret_field,
    literal_secrets,
    redact_headers,
    redact_text,
    redact_url,
)
from tui.http.shapes import expect
from tui.http.tls import shared_tls_context, warm_up_tls

__all__ = [
    "DEFAULT_TIMEOUT",
    "IDEMPOTENT_METHODS",
    "PREVIEW_LIMIT",
    "REDACTED",
    "RETRY_STATUSES",
    "SECRET_FIELDS",
    "SECRET_HEADERS",
    "AuthError",
    "BadRequestError",
    "ConflictError",
    "Exchange",
    "ExchangeLog",
    "HttpConnection",
    "HttpServiceClient",
    "NotFoundError",
    "ProtocolError",
    "ReadOnlyError",
    "ServiceError",
    "UnavailableError",
    "error_for_status",
    "expect",
    "is_secret_field",
    "literal_secrets",
    "log_message",
    "looks_like_html",
    "one_line",
    "preview",
    "redact_headers",
    "redact_text",
    "redact_url",
    "safe_file_name",
    "shared_tls_context",
    "warm_up_tls",
]
