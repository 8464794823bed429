"""What every benchmark prints: figure, value, reference measured in the same run, ratio, and the target.

Absolute times drift on shared machines; the ratio against a reference taken in the same process is what to read.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

RESULTS: list[Result] = []


@dataclass
class Result:
    figure: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    target: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.value / self.reference

    def line(self) -> str:
        ref = f"{self.reference:10.1f} {self.unit:<3} ({self.reference_name})" if self.reference is not None else "-"
        ratio = f"{self.ratio:5.2f}x" if self.ratio is not None else "    -"
        return (
            f"{self.figure:<52} {self.value:10.1f} {self.unit:<3} ref {ref:<40} ratio {ratio}   target: {self.target}"
        )


def report(
    figure: str, value: float, unit: str, *, reference: float | None = None, reference_name: str = "", target: str = ""
) -> Result:
    result = Result(figure, value, unit, reference, reference_name, target)
    RESULTS.append(result)
    print(result.line(), flush=True)
    return result


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
