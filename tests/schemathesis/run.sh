#!/usr/bin/env bash
# Runs schemathesis against a real server and its served OpenAPI document: every response must
# be no 5xx, have a documented status and content type, and conform to its schema.
#
# Starts the debug build (`target/debug/wasmhook serve`, built by `cargo test`) on a free port
# with a fresh SQLite database in a temporary directory, waits for /readyz, seeds webhooks and a
# message and points the path parameters at them (--config-file), runs schemathesis, and stops
# the server.
#
# Options (kept here and named in .ci/test):
#   --checks not_a_server_error,status_code_conformance,content_type_conformance,
#            response_schema_conformance
#   --phases examples,coverage,fuzzing   (no stateful phase: the document declares no links)
#   --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" per operation, --seed 1 (reproducible),
#   --workers 1 (several workers hit a CPython 3.11 `ast.parse` race inside hypothesis),
#   --request-timeout 10
#   -H "Authorization: Bearer <the bootstrap admin's token>": every operation runs as admin
#   --exclude-path /api/ws and /api/channels/{id}/events: a WebSocket upgrade and an endless
#     event stream, which an HTTP fuzzer cannot read to the end (tests/it/live.rs covers them)
#   --rate-limit-per-second 0 on the server: the fuzzer's bursts would otherwise meet 429s.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN="${WASMHOOK_BIN:-target/debug/wasmhook}"
[ -x "$BIN" ] || { echo "schemathesis: $BIN is missing; run cargo build first" >&2; exit 1; }

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
TOKEN="schemathesis-admin-token-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
SERVER_PID=""

cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

WASMHOOK_LOG="${WASMHOOK_LOG:-warn}" "$BIN" serve \
  --bind "127.0.0.1:$PORT" \
  --public-url "$BASE" \
  --database "$WORK/wasmhook.db" \
  --cache-dir "$WORK/cache" \
  --bootstrap-token "$TOKEN" \
  --rate-limit-per-second 0 \
  >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

ready=""
for _ in $(seq 1 300); do
  if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "schemathesis: the server did not become ready" >&2
  cat "$WORK/server.log" >&2
  exit 1
fi

# Seed: the bootstrap made community "Default" and channel "general"; add two webhooks, one
# for the management operations (which may delete it) and one whose id and token the execute
# and foreign-format operations use, and a message it posted. Fixing these path parameters
# (the config file below) lets the fuzzer reach past the 404 of a random id.
BASE="$BASE" TOKEN="$TOKEN" python3 - "$WORK/schemathesis.toml" <<'PY'
import json, os, sys, urllib.request

base, token = os.environ["BASE"], os.environ["TOKEN"]

def call(method, path, body=None, auth=True):
    req = urllib.request.Request(base + path, method=method)
    if auth:
        req.add_header("Authorization", "Bearer " + token)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data) as resp:
        return json.load(resp)

community = call("GET", "/api/communities")["communities"][0]["id"]
channel = call("GET", f"/api/communities/{community}/channels")["channels"][0]["id"]
spare = call("POST", "/api/communities", {"name": "members"})["id"]
managed = call("POST", f"/api/channels/{channel}/webhooks", {"name": "managed"})["id"]
hook = call("POST", f"/api/channels/{channel}/webhooks", {"name": "execute"})
message = call("POST", f"/api/webhooks/execute/{hook['token']}", {"content": "seed"}, auth=False)
hex_id = hook["id"].replace("-", "")
# A webhook with the built-in GitHub plugin, for the plugin paths and the delivery log: one
# delivery the plugin ignores (a ping without an event it renders).
plugins = call("GET", f"/api/communities/{community}/plugins")["plugins"]
github = next(p["id"] for p in plugins if p["builtin"] and p["name"] == "github")
plugged = call("POST", f"/api/channels/{channel}/webhooks", {"name": "plugin"})
call("PATCH", f"/api/webhooks/{plugged['id']}", {"plugin_id": github})
req = urllib.request.Request(base + f"/api/webhooks/execute/{plugged['token']}/github", method="POST",
                             data=b'{"zen": "seed"}', headers={"Content-Type": "application/json",
                                                               "X-GitHub-Event": "ping"})
with urllib.request.urlopen(req) as resp:
    delivery = json.load(resp)["delivery_id"]

def entry(regex, **params):
    fields = ", ".join(f'"path.{k}" = "{v}"' for k, v in params.items())
    return f"[[operations]]\ninclude-path-regex = '{regex}'\nparameters = {{ {fields} }}\n"

config = "".join([
    # Adding members may demote the caller: that runs in a community of its own.
    entry(r"^/api/communities/\{id\}(?!/members$)", id=community),
    entry(r"^/api/communities/\{id\}/members$", id=spare),
    entry(r"^/api/channels/\{id\}", id=channel),
    entry(r"^/api/webhooks/\{id\}(/regenerate|/test|/deliveries|/dry-run)?$", id=managed),
    entry(r"^/api/webhooks/\{id\}/\{token\}/messages/", id=hook["id"], token=hook["token"],
          message_id=message["message_id"]),
    entry(r"^/api/webhooks/\{id\}/\{token\}(/github|/slack)?$", id=hook["id"], token=hook["token"]),
    entry(r"^/api/webhooks/execute/\{token\}$", token=hook["token"]),
    entry(r"^/api/v1/hooks/\{token\}$", token=hook["token"]),
    entry(r"^/webhooks/\{webhook_id\}/\{token\}$", webhook_id=hook["id"], token=hook["token"]),
    entry(r"^/api/webhooks/execute/\{token\}/\{suffix\}$", token=plugged["token"]),
    entry(r"^/api/v1/hooks/\{token\}/\{suffix\}$", token=plugged["token"]),
    entry(r"^/webhooks/\{webhook_id\}/\{token\}/\{suffix\}$", webhook_id=plugged["id"],
          token=plugged["token"]),
    entry(r"^/api/deliveries/\{id\}", id=delivery),
    entry(r"^/api/(slack|teams)/\{token\}$", token=hook["token"]),
    entry(r"^/hooks/\{token\}$", token=hook["token"]),
    entry(r"^/hooks/\{id\}/\{token\}$", id=hex_id, token=hook["token"]),
])
with open(sys.argv[1], "w") as f:
    f.write(config)
PY

status=0
schemathesis --config-file "$WORK/schemathesis.toml" run "$BASE/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
  --seed 1 \
  --workers 1 \
  --request-timeout 10 \
  --exclude-path /api/ws \
  --exclude-path '/api/channels/{id}/events' \
  -H "Authorization: Bearer $TOKEN" \
  --report junit --report-dir "${SCHEMATHESIS_REPORT_DIR:-$WORK/report}" \
  || status=$?

if [ "$status" -ne 0 ]; then
  echo "schemathesis: failures above; server log follows" >&2
  tail -n 50 "$WORK/server.log" >&2
fi
exit "$status"
