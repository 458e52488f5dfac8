#!/usr/bin/env bash
# schemathesis (PyPI) against a running `offboard serve`, once with a token of every role: no 5xx, no response
# that breaks openapi.yaml (status, content type, schema), and the other checks schemathesis runs by default.
# positive_data_acceptance is left out: a leaver record that fits the schema ({"inputs": {…}} is any object) but not
# the playbook's inputs is rightly refused with 422 naming each field, and the document cannot list every playbook's inputs.
# The HR webhook route is reached too: a bearer-scheme mapping (st-hook) whose secret is the hr token, so the hr pass
# posts verified deliveries (202, or 409 for a body sent before) and every other pass is refused (401).
# Usage: scripts/schemathesis.sh [MAX_EXAMPLES]   (needs a built .build/debug/offboard)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-${OFFBOARD_SCHEMATHESIS_EXAMPLES:-40}}"
binary="${OFFBOARD_BINARY:-.build/debug/offboard}"
work="$(mktemp -d /tmp/offboard-schemathesis.XXXXXX)"
export OFFBOARD_DB="$work/runs.sqlite" OFFBOARD_WORKFLOWS="$PWD/Workflows"
declare -A tokens
for role in hr operator task:it-service-desk auditor admin; do
  tokens[$role]="$("$binary" token create --role "$role" --name "st-${role//:/-}" 2>/dev/null)"
done
mkdir "$work/hooks"
cat >"$work/hooks/st-hook.hook.yaml" <<'YAML'
hook: st-hook
verify: { scheme: bearer, secret: "${secret:ST_HOOK}" }
employee: event.employee_id
leaver:
  when: event.status == 'terminated'
  playbook: standard-leaver
  effective: event.last_day
  inputs:
    employee_id: "{{ event.employee_id }}"
    full_name: "{{ event.name }}"
    email: "{{ event.email }}"
    leave_at: "{{ event.last_day }}T17:00:00Z"
YAML
# Every generated case for the webhook names that source, so it gets past 404 (the config file is schemathesis 4's).
cat >"$work/schemathesis.toml" <<'TOML'
[[operations]]
include-operation-id = "receiveHook"
parameters = { "path.source" = "st-hook" }

[[operations]]
include-operation-id = "getHookEvent"
parameters = { "path.source" = "st-hook" }
TOML
OFFBOARD_SECRET_ST_HOOK="${tokens[hr]}" "$binary" serve --port 0 --hooks "$work/hooks" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  port="$(sed -n 's/.*serving http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.log")"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log" >&2; echo "schemathesis: offboard serve did not start" >&2; exit 1; }
# A run that exists, so the routes that read one are reached past 404 (the stateful phase follows links from it).
curl -fsS -o /dev/null -H "Authorization: Bearer ${tokens[operator]}" -H 'Content-Type: application/json' \
  -d "{\"playbook\": \"standard-leaver\", \"inputs\": $(cat Workflows/samples/jryan.json)}" "http://127.0.0.1:$port/v1/runs"
status=0
for role in "${!tokens[@]}"; do
  echo "==> schemathesis as $role ($examples examples per operation)" >&2
  if ! schemathesis --config-file "$work/schemathesis.toml" run openapi.yaml --url "http://127.0.0.1:$port" -H "Authorization: Bearer ${tokens[$role]}" \
      --max-examples "$examples" --exclude-checks positive_data_acceptance --no-color >"$work/$role.out" 2>&1; then
    cat "$work/$role.out" >&2
    status=1
  else
    grep -E "generated|passed" "$work/$role.out" | tail -1 >&2
  fi
done
if grep -E " error |Traceback|fatal" "$work/serve.log" >&2; then status=1; fi
exit $status
