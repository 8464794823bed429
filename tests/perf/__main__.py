"""Run every benchmark: `python -m tests.perf [name ...]` (names: the bench_*.py modules without the prefix)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import tests.perf as perf
from tests.perf.common import RESULTS


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(Path(perf.__file__).parent)]) if m.name.startswith("bench_")
    )
    wanted = [f"bench_{n}" for n in argv] or names
    failed = 0
    for name in wanted:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"tests.perf.{name}")
        try:
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"!! {name} failed: {type(exc).__name__}: {exc}", flush=True)
    print(f"== {len(RESULTS)} figures")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
