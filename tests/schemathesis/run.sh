#!/usr/bin/env bash
# Runs schemathesis against a real server and its served OpenAPI document: every response must
# be no 5xx, have a documented status and content type, and conform to its schema.
#
# Starts the debug build (`target/debug/wasmhook serve`, built by `cargo test`) on a free port
# with a fresh SQLite database in a temporary directory, waits for /readyz, creates a webhook
# so the database holds one of each resource, runs schemathesis, and stops the server.
#
# Options (kept here and named in .ci/test):
#   --checks not_a_server_error,status_code_conformance,content_type_conformance,
#            response_schema_conformance
#   --phases examples,coverage,fuzzing   (no stateful phase: the document declares no links)
#   --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" per operation, --seed 1 (reproducible),
#   --workers 2, --request-timeout 10
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

# Seed: the bootstrap made community "Default" and channel "general"; add a webhook.
auth=(-H "Authorization: Bearer $TOKEN")
community="$(curl -fsS "${auth[@]}" "$BASE/api/communities" | python3 -c 'import json,sys; print(json.load(sys.stdin)["communities"][0]["id"])')"
channel="$(curl -fsS "${auth[@]}" "$BASE/api/communities/$community/channels" | python3 -c 'import json,sys; print(json.load(sys.stdin)["channels"][0]["id"])')"
curl -fsS "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"schemathesis"}' \
  "$BASE/api/channels/$channel/webhooks" >/dev/null

status=0
schemathesis run "$BASE/api/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-25}" \
  --seed 1 \
  --workers 2 \
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
