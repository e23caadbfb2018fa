"""`python -m tests.bench`: build or reuse the demo databases and print the bench table."""

from __future__ import annotations

import argparse
import sys
import time

from tests.bench import accounts, foundation
from tests.bench.datasets import dataset
from tests.bench.harness import print_table


def _progress(label: str):
    last = [-1]

    def report(done: int, total: int) -> bool:
        pct = done * 100 // max(total, 1)
        if pct // 10 != last[0]:
            last[0] = pct // 10
            print(f"  {label}: {pct} %", file=sys.stderr, flush=True)
        return True

    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="comma-separated case counts (default 100000,1000000)",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    rows = []
    small, large = min(sizes), max(sizes)
    print(f"building {small:,} cases (fresh, for the build rate)…", file=sys.stderr)
    ds_small = dataset(small, fresh=True, progress=_progress(f"{small:,}"))
    rows += foundation.build_rows(ds_small)
    ds_large = ds_small
    if large != small:
        print(f"building or reusing {large:,} cases…", file=sys.stderr)
        ds_large = dataset(large, progress=_progress(f"{large:,}"))
        rows += foundation.build_rows(ds_large)
    rows += foundation.open_rows(ds_large)
    rows += foundation.service_insert_rows(ds_small)
    for ds in (ds_small, ds_large) if large != small else (ds_small,):
        rows += foundation.encryption_rows(ds)
    rows += foundation.memory_rows(ds_large)
    rows += accounts.login_rows(ds_small)
    rows += accounts.audit_rows(ds_small)
    rows += accounts.backup_rows(ds_large)
    rows += __import__("tests.bench.desktop", fromlist=["desktop_rows"]).desktop_rows(ds_large)
    rows += __import__("tests.bench.letters", fromlist=["letter_rows"]).letter_rows(ds_small)
    rows += __import__("tests.bench.summary", fromlist=["summary_rows"]).summary_rows(ds_large)
    rows += __import__("tests.bench.stats", fromlist=["stats_rows"]).stats_rows(ds_large)
    rows += __import__("tests.bench.search", fromlist=["bench_rows"]).bench_rows(ds_large)
    print_table(rows)
    print(f"\n(bench took {time.perf_counter() - started:.0f} s; ratios are value ÷ baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
