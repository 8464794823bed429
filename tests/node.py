"""Official Node clients for the tests: an npm package installed once into a directory under the system temp dir
(or the directory an environment variable names) and reused by later runs. A test that needs one is skipped when
node or npm is missing or the install fails (offline)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def npm_package(spec: str, *, dirname: str, env_var: str) -> Path:
    """The node_modules directory holding `spec` ("name@version", scoped names too), installing it if needed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip(f"node and npm are needed for {spec}")
    name = spec.rsplit("@", 1)[0] if spec.count("@") > spec.startswith("@") else spec
    root = Path(os.environ.get(env_var) or Path(tempfile.gettempdir()) / dirname)
    modules = root / "node_modules"
    if not (modules / name / "package.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                ["npm", "install", "--prefix", str(root), "--no-audit", "--no-fund", "--silent", spec],
                check=True,
                capture_output=True,
                timeout=180,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"could not install {spec}: {exc}")
    return modules
