#!/usr/bin/env python3
"""Memory benchmark of issue #18: starts the release server as a process and reads RSS,
RssAnon and RssFile from /proc/PID/status at each moment of the issue's table, then runs the
1,000-webhook / 50-plugin scenario (40 Rust, 5 Python, 5 JavaScript plugins, each distinct
bytes: a real component with a custom section appended) under a mixed load, and the idle
figure after the LRU has run.

    python3 host/benches/memory.py --binary target/release/wasmhook [-- EXTRA SERVER FLAGS]

With --breakdown, each moment also splits the anonymous memory by its holder, from
/proc/PID/smaps (contiguous anonymous mappings over 1 GiB: wasmtime's instance pool, plus any
malloc arena mapped next to it, so an upper bound for the pool) and from glibc's own account
(`malloc_stats()` called in the server through gdb, which must be installed): bytes the heap
has from the system and bytes in use by live allocations.

Needs the plugins built by tests/artifacts (target/wasm-plugins). Prints a Markdown table.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(ROOT, "target", "wasm-plugins")
RUST = os.path.join(PLUGINS, "wasm32-wasip2", "release")
GITLAB = os.path.join(PLUGINS, "scripted", "gitlab.wasm")
SENTRY = os.path.join(PLUGINS, "scripted", "sentry.wasm")
TOKEN = "bench-admin-token-0123456789abcdef"
KEY = base64.b64encode(b"wasmhook memory benchmark key!!!").decode()


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile", "RssShmem"):
                out[k] = int(v.split()[0]) / 1024
    return out


def smaps_pool_anon(pid):
    """Anonymous resident MB in contiguous anonymous mappings over 1 GiB (the instance pool)."""
    runs, cur, last_end = [], None, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            first = line.split()[0]
            if "-" in first and not first.endswith(":"):
                start, end = (int(x, 16) for x in first.split("-"))
                anonymous = len(line.split()) < 6
                if anonymous and cur is not None and start == last_end:
                    cur[0] += end - start
                else:
                    cur = [end - start, 0] if anonymous else None
                    if cur is not None:
                        runs.append(cur)
                last_end = end
            elif first == "Anonymous:" and cur is not None:
                cur[1] += int(line.split()[1])
    return sum(anon for size, anon in runs if size > 1 << 30) / 1024


def malloc_stats(pid, log):
    """glibc's (system bytes, in-use bytes) of all arenas and mmapped chunks, in MB."""
    size = os.path.getsize(log)
    subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "call (void)malloc_stats()"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=True)
    with open(log) as f:
        f.seek(size)
        text = f.read()
    total = text.split("Total (incl. mmap):")[-1].split("\n")
    value = lambda key: next(int(l.split("=")[1]) for l in total if l.strip().startswith(key))
    return value("system bytes") / 2**20, value("in use bytes") / 2**20


class Server:
    def __init__(self, binary, data, extra):
        self.binary, self.data, self.extra = binary, data, extra
        self.proc = None

    def start(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        args = [self.binary, "--database", os.path.join(self.data, "db.sqlite"),
                "--cache-dir", os.path.join(self.data, "cache"), "--bootstrap-token", TOKEN,
                "--secret-key", KEY, "--bind", f"127.0.0.1:{self.port}",
                "--rate-limit-per-second", "0"] + self.extra
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.data, "log"), "a"))
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    sys.exit(f"server did not start: see {self.data}/log")
                time.sleep(0.05)
        communities = self.call("GET", "/api/communities")["communities"]
        self.community = next(c["id"] for c in communities if c["name"] == "Default")
        channels = self.call("GET", f"/api/communities/{self.community}/channels")["channels"]
        self.channel = next(c["id"] for c in channels if c["name"] == "general")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)

    def call(self, method, path, body=None, content_type="application/json", auth=True):
        data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("content-type", content_type)
        if auth:
            req.add_header("authorization", f"Bearer {TOKEN}")
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                raw = r.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raise SystemExit(f"{method} {path}: {e.code} {e.read()[:300]!r}")

    def upload(self, wasm, name, version="1.0.0"):
        q = f"/api/communities/{self.community}/plugins?name={name}&version={version}"
        return self.call("POST", q, wasm, "application/wasm")["id"]

    def hook(self, name, plugin_id):
        hook = self.call("POST", f"/api/channels/{self.channel}/webhooks", {"name": name})
        self.call("PATCH", f"/api/webhooks/{hook['id']}", {"plugin_id": plugin_id, "plugin_config": {}})
        return hook["token"]

    def send(self, token, body, headers):
        req = urllib.request.Request(f"{self.base}/api/webhooks/execute/{token}", data=body, method="POST")
        for k, v in headers:
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code


def fixture(kind, case):
    d = os.path.join(ROOT, "tests", "fixtures", kind, case)
    body = open(os.path.join(d, "request.json"), "rb").read()
    headers = [("content-type", "application/json")]
    for line in open(os.path.join(d, "headers.txt")):
        if ":" in line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    return body, headers


def distinct(wasm, i):
    """The component with a custom section appended: legal, and different bytes."""
    name = b"bench"
    payload = bytes([len(name)]) + name + i.to_bytes(4, "little")
    return wasm + bytes([0, len(payload)]) + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "wasmhook"))
    ap.add_argument("--label", default="")
    ap.add_argument("--idle-wait", type=float, default=0, help="seconds to wait for idle unload")
    ap.add_argument("--breakdown", action="store_true",
                    help="split anonymous memory: instance pool, malloc heap system/in use (gdb)")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    gitlab, sentry = open(GITLAB, "rb").read(), open(SENTRY, "rb").read()
    gl_body, gl_headers = fixture("gitlab", "issue-opened")
    se_body, se_headers = fixture("sentry", "issue-created")
    echo = open(os.path.join(RUST, "wasmhook_plugin_echo.wasm"), "rb").read()
    echo_body, echo_headers = b'{"text":"hello"}', [("content-type", "application/json")]
    rows = []
    data = tempfile.mkdtemp(prefix="wasmhook-membench-")
    try:
        s = Server(a.binary, data, a.extra)
        def row(moment):
            st = status(s.proc.pid)
            if a.breakdown:
                st["pool"] = smaps_pool_anon(s.proc.pid)
                st["heap"], st["live"] = malloc_stats(s.proc.pid, os.path.join(data, "log"))
            rows.append((moment, st))
        s.start()
        row("idle server")
        gl = s.upload(gitlab, "gitlab")
        row("after uploading the GitLab (JavaScript) plugin")
        se = s.upload(sentry, "sentry")
        row("after also uploading the Sentry (Python) plugin")
        gl_tok, se_tok = s.hook("gitlab", gl), s.hook("sentry", se)
        s.stop()
        s.start()
        row("restart (compiled cache warm), idle")
        assert s.send(gl_tok, gl_body, gl_headers) < 500
        row("+ first GitLab run")
        assert s.send(se_tok, se_body, se_headers) < 500
        row("+ first Sentry run")
        for i in range(1000):
            (t, b, h) = (gl_tok, gl_body, gl_headers) if i % 2 else (se_tok, se_body, se_headers)
            s.send(t, b, h)
        row("+ 1,000 more webhooks")
        s.stop()

        # The scenario: a fresh server, 50 distinct plugins, 1,000 webhooks, mixed load.
        shutil.rmtree(data)
        os.makedirs(data)
        s = Server(a.binary, data, a.extra)
        s.start()
        kinds = [("rust", echo, echo_body, echo_headers)] * 40 + \
                [("python", sentry, se_body, se_headers)] * 5 + \
                [("js", gitlab, gl_body, gl_headers)] * 5
        plugins = []
        for i, (kind, wasm, body, headers) in enumerate(kinds):
            plugins.append((s.upload(distinct(wasm, i), f"{kind}-{i}"), body, headers))
        row("scenario: 50 plugins uploaded")
        tokens = []
        for i in range(1000):
            pid, body, headers = plugins[i % 50]
            tokens.append((s.hook(f"hook-{i}", pid), body, headers))
        rng = random.Random(18)
        order = [tokens[rng.randrange(1000)] for _ in range(3000)]
        peak = {}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(s.send, *t) for t in order]
            for n, f in enumerate(concurrent.futures.as_completed(futures)):
                f.result()
                if n % 50 == 0:
                    now = status(s.proc.pid)
                    if now["VmRSS"] > peak.get("VmRSS", 0):
                        peak = now
        rows.append(("scenario: peak under mixed load (3,000 requests, 8 at once)", peak))
        row("scenario: after the load")
        if a.idle_wait:
            time.sleep(a.idle_wait)
            row(f"scenario: idle {a.idle_wait:.0f} s later (after the LRU ran)")
        s.stop()
    finally:
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
        shutil.rmtree(data, ignore_errors=True)
    extra = " pool anon MB | malloc heap MB | malloc in use MB |" if a.breakdown else ""
    print(f"\n{a.label} | moment | RSS MB | anonymous MB | file-backed MB |{extra}")
    print("|---|---|---|---|---|" + "---|" * (3 if a.breakdown else 0))
    for moment, st in rows:
        more = ""
        if a.breakdown and "heap" in st:
            more = f" {st['pool']:.0f} | {st['heap']:.0f} | {st['live']:.0f} |"
        elif a.breakdown:
            more = " | | |"
        print(f"| {a.label} | {moment} | {st['VmRSS']:.0f} | {st['RssAnon']:.0f} | {st['RssFile']:.0f} |{more}")


if __name__ == "__main__":
    main()
