#!/usr/bin/env python3
"""The command line's compiled-component cache (issue #15): times `wasmhook plugin check` of
the Python Sentry plugin with an empty cache (it compiles) and again (it loads the compiled file),
against a floor measured in the same run: `wasmhook plugin check` of the tiny Rust noop plugin
from a warm cache (starting the process and the engine, loading a ~70 KB component).

    python3 host/benches/cli_cache.py --binary target/release/wasmhook [--runs 5]

Needs the plugins built by tests/artifacts (target/wasm-plugins): `cargo test --workspace
--locked --no-run` builds them. Each run uses a fresh cache directory; prints a Markdown table
of the medians and the ratios.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, "target", "wasm-plugins")
SENTRY = os.path.join(PLUGINS, "scripted", "sentry.wasm")
NOOP = os.path.join(PLUGINS, "wasm32-wasip2", "release", "wasmhook_plugin_noop.wasm")


def check(binary, wasm, cache):
    """Seconds one `plugin check` takes, and what it said about the cache."""
    started = time.perf_counter()
    done = subprocess.run(
        [binary, "plugin", "check", wasm, "--cache-dir", cache, "--verbose"],
        capture_output=True,
        text=True,
        env={**os.environ, "WASMHOOK_LOG": "warn"},
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"plugin check {wasm} failed: {done.stderr}")
    return seconds, done.stderr.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "wasmhook"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for path in (args.binary, SENTRY, NOOP):
        if not os.path.isfile(path):
            sys.exit(f"missing {path}: build it first (see this script's help)")
    first, second, floor = [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="wasmhook-cli-cache-") as cache:
            seconds, said = check(args.binary, SENTRY, cache)
            assert "compiled" in said, said
            first.append(seconds)
            seconds, said = check(args.binary, SENTRY, cache)
            assert "loaded from cache" in said, said
            second.append(seconds)
            check(args.binary, NOOP, cache)
            seconds, said = check(args.binary, NOOP, cache)
            assert "loaded from cache" in said, said
            floor.append(seconds)
    first_s, second_s, floor_s = (statistics.median(x) for x in (first, second, floor))
    print(f"Sentry component: {os.path.getsize(SENTRY) / 1e6:.1f} MB; {args.runs} runs, medians")
    print()
    print("| `plugin check` | time | / floor |")
    print("|---|---|---|")
    print(f"| floor: Rust noop, cached | {floor_s * 1000:.0f} ms | 1.0 |")
    print(f"| Python Sentry, first (compiles) | {first_s * 1000:.0f} ms | {first_s / floor_s:.1f} |")
    print(f"| Python Sentry, second (cached) | {second_s * 1000:.0f} ms | {second_s / floor_s:.1f} |")
    print()
    print(f"first / second: {first_s / second_s:.0f}x")


if __name__ == "__main__":
    main()
