"""Run the benchmarks, each in a process of its own: `python -m tests.perf [name ...]` (names: the bench_*.py modules
without the prefix). Prints each benchmark's figures as they come, then one table of them all."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import tests.perf as perf
from tests.perf.common import ROOT, Result

TIMEOUT = float(os.environ.get("PERF_TIMEOUT", "300"))  # seconds per benchmark


def run(name: str) -> tuple[list[Result], str]:
    """The figures of one benchmark module, run in a fresh interpreter (its memory and imports are its own)."""
    results: list[Result] = []
    process = subprocess.Popen(
        [sys.executable, "-m", f"tests.perf.{name}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    tail: list[str] = []
    watchdog = threading.Timer(TIMEOUT, process.kill)
    watchdog.start()
    for line in process.stdout:
        if line.startswith("PERF "):
            results.append(Result(**json.loads(line[5:])))
        else:
            print(f"  {line}", end="", flush=True)
            tail = [*tail[-15:], line]
    code = process.wait()
    if not watchdog.is_alive():
        return results, f"stopped after {TIMEOUT:.0f} s"
    watchdog.cancel()
    return results, "" if code == 0 else f"exit {code}: {''.join(tail[-3:]).strip()}"


def table(results: list[Result]) -> str:
    lines = [
        f"{'figure':<74} {'value':>12} {'reference':>12} {'ratio':>6}  {'target':<10} met",
        "-" * 124,
    ]
    for r in results:
        ref = f"{r.reference:.1f}" if r.reference is not None else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        met = {None: "", True: "yes", False: "NO"}[r.met]
        lines.append(f"{r.figure[:74]:<74} {r.value:>9.1f} {r.unit:<2} {ref:>12} {ratio:>6}  {r.target[:10]:<10} {met}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(perf.__file__).parent)]) if m.name.startswith("bench_")
    )
    wanted = [f"bench_{n}" for n in argv] or names
    everything: list[Result] = []
    failed: list[str] = []
    started = time.perf_counter()
    for name in wanted:
        print(f"== {name}", flush=True)
        results, problem = run(name)
        everything += results
        if problem:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"!! {name} failed: {problem}", flush=True)
    load = os.getloadavg()
    print(f"\n== {len(everything)} figures in {time.perf_counter() - started:.0f} s on {os.cpu_count()} cores")
    print(f"   (load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; medians of interleaved runs)")
    print(table(everything))
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
