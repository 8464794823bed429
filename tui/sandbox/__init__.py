"""The embedded sandbox: a faithful server for every service on one loopback port, backed by SQLite.

`host.Sandbox` runs them; `<kind>/server.py` holds one service's routes, `<kind>/store.py` its SQLite store and
`<kind>/seed.py` its demo content. Nothing here imports Textual or a pane: only the CLI and the tests use it.
"""

from tui.sandbox.host import Sandbox, SandboxContext, ServiceSandbox

__all__ = ["Sandbox", "SandboxContext", "ServiceSandbox"]
