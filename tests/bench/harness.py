"""Bench plumbing: timing with medians, peak memory of a child process, the printed table.

Every row has a figure and a baseline measured in the same run on the same machine, so
noise between machines cancels out in the ratio. Nothing here asserts on time.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    """One line of the bench table."""

    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float | None
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline


def timed(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> list[float]:
    """Run `fn` `warmup + repeat` times; return the `repeat` durations in seconds."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def median(values: list[float]) -> float:
    """The median of some durations."""
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank) of some durations."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def child_peak_rss_mib(code: str, env: dict | None = None) -> tuple[float, dict]:
    """Run Python `code` in a child; return its peak RSS in MiB and the JSON it printed last."""
    wrapper = (
        code
        + "\nimport json as _j, re as _re\n"
        # VmHWM is this process's own peak (ru_maxrss can carry the parent's over exec).
        + "_st = open('/proc/self/status').read()\n"
        + "_peak = int(_re.search(r'VmHWM:\\s+(\\d+)', _st).group(1))\n"
        + "print(_j.dumps({'__rss_kib': _peak, **globals().get('RESULT', {})}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench child failed:\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return data.pop("__rss_kib") / 1024, data


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value < 100 else f"{value:.0f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if unit in ("cases/s", "rows/s"):
        return f"{value:,.0f} {unit}"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:.3g} {unit}"


def print_table(rows: list[Row], out=sys.stdout) -> None:
    """Print the rows as a Markdown table (figure, baseline, ratio, target, note)."""
    header = ("figure", "value", "baseline (same run)", "baseline value", "ratio", "target", "note")
    lines = [header]
    for r in rows:
        ratio = r.ratio
        lines.append(
            (
                r.name,
                _fmt(r.value, r.unit),
                r.baseline_name,
                _fmt(r.baseline, r.unit),
                f"{ratio:.2f}×" if ratio is not None else "—",
                r.target,
                r.note,
            )
        )
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        cells = (str(c).ljust(w) for c, w in zip(line, widths, strict=True))
        print("| " + " | ".join(cells) + " |", file=out)
        if n == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
