"""What every benchmark prints: figure, median and spread, the reference measured in the same run, ratio, target.

Absolute times drift on shared machines; read the ratio against a reference measured in the same run, interleaved
with the figure (reference, subject, reference, subject, ...) so that a burst of load hits both alike. Each benchmark
module runs in its own process (`python -m tests.perf` starts one per module), so memory figures are its own.

A figure is printed for people and, on a `PERF {json}` line, for the runner's summary table.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS: list[Result] = []


@dataclass
class Result:
    figure: str
    value: float  # the median of `samples` when there are samples
    unit: str
    reference: float | None = None
    reference_name: str = ""
    target: str = ""  # "<= 1.5x", "< 100 MB", or words when the figure is context only
    limit: float | None = None  # the target as a number: a ratio when `reference` is set, else a value
    absolute: bool = False  # the limit is on the value even though a reference is shown (memory)
    samples: list[float] = field(default_factory=list)
    reference_samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.value / self.reference

    @property
    def met(self) -> bool | None:
        if self.limit is None:
            return None
        measured = self.ratio if self.reference is not None and not self.absolute else self.value
        return measured is not None and measured <= self.limit

    def line(self) -> str:
        ref = "-"
        if self.reference is not None:
            ref = f"{self.reference:.1f} {self.unit}{spread(self.reference_samples)} ({self.reference_name})"
        ratio = f"{self.ratio:.2f}x" if self.ratio is not None else "-"
        verdict = {None: "", True: "  met", False: "  NOT MET"}[self.met]
        return (
            f"{self.figure}\n    {self.value:.1f} {self.unit}{spread(self.samples)}   ref {ref}   ratio {ratio}"
            f"   target {self.target}{verdict}"
        )


def spread(samples: Sequence[float]) -> str:
    """Median's company: the range and how wide it is relative to the median (the machine's noise)."""
    if len(samples) < 2:
        return ""
    median = statistics.median(samples)
    width = (max(samples) - min(samples)) / median * 100 if median else 0.0
    return f" [{min(samples):.0f}-{max(samples):.0f}, ±{width / 2:.0f}%, n={len(samples)}]"


def report(
    figure: str,
    value: float | Sequence[float],
    unit: str,
    *,
    reference: float | Sequence[float] | None = None,
    reference_name: str = "",
    target: str = "",
    limit: float | None = None,
    absolute: bool = False,
) -> Result:
    samples = [float(v) for v in value] if isinstance(value, Sequence) else []
    ref_samples = [float(v) for v in reference] if isinstance(reference, Sequence) else []
    result = Result(
        figure,
        statistics.median(samples) if samples else float(value),  # type: ignore[arg-type]
        unit,
        statistics.median(ref_samples) if ref_samples else reference,  # type: ignore[arg-type]
        reference_name,
        target,
        limit,
        absolute,
        samples,
        ref_samples,
    )
    RESULTS.append(result)
    print(result.line(), flush=True)
    print("PERF " + json.dumps(asdict(result)), flush=True)
    return result


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each run once per round, in turn (the first round is a warm-up, not counted)."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(rounds + 1):
        for name, run in runs.items():
            value = run()
            if round_:
                samples[name].append(value)
    return samples


def median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def isolate_home(prefix: str) -> Path:
    """A throw-away home for profiles, drafts and data, so a benchmark never reads or writes the user's."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix=prefix))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = str(home / var.lower())
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SANDBOX_SCRIPT = """
import json, sys
from pathlib import Path
from tui.sandbox import Sandbox
Sandbox(data_dir=Path(sys.argv[1]), port=int(sys.argv[2]), kinds=sys.argv[3].split(","),
        scale=json.loads(sys.argv[4])).serve_forever()
"""


class SandboxProcess:
    """The sandbox in its own process, as a real server would be: its CPU and memory are not the app's."""

    def __init__(self, data: Path, kinds: list[str], scale: dict[str, int] | None = None):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-c", SANDBOX_SCRIPT, str(data), str(self.port), ",".join(kinds), json.dumps(scale or {})],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # drain its stderr so a chatty server never blocks on a full pipe
        self._stderr: list[bytes] = []
        threading.Thread(target=lambda: self._stderr.extend(self.process.stderr or []), daemon=True).start()

    def wait_listening(self, timeout: float = 300.0) -> SandboxProcess:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox stopped: {b''.join(self._stderr).decode()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("the sandbox did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self) -> SandboxProcess:
        return self.wait_listening()

    def __exit__(self, *exc: object) -> None:
        self.stop()
