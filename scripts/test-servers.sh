#!/usr/bin/env bash
# Starts and stops the real servers the tests use, on loopback, in a throwaway directory:
#   a PostgreSQL cluster (Debian `postgresql`, run as the `postgres` user) and
#   a SCIM 2.0 server (PyPI `scim2-server`, in a venv, bearer token required), and
#   an HTTP echo server (Tests/Servers/echo_server.py, Python standard library), and
#   an OpenID Connect provider (PyPI `oidc-provider-mock`, in a venv) with the console test's people.
#
#   scripts/test-servers.sh start DIR   # writes DIR/env (export lines) and prints it; DIR must be new or empty
#   scripts/test-servers.sh stop DIR    # stops them all by PID and removes DIR
#
# The tests read OFFBOARD_TEST_PG_URL (a superuser URL), OFFBOARD_TEST_PG_HOST/PORT,
# OFFBOARD_TEST_SCIM_URL / OFFBOARD_TEST_SCIM_TOKEN, OFFBOARD_TEST_HTTP_URL and OFFBOARD_TEST_OIDC_URL from that environment.
set -euo pipefail

# A venv under $XDG_CACHE_HOME/offboard/NAME-venv with COMMAND from PyPI SPEC in it (made on first use); prints its path.
venv_with() {
  local venv="${XDG_CACHE_HOME:-$HOME/.cache}/offboard/$1-venv"
  if [ ! -x "$venv/bin/$2" ]; then
    echo "test-servers: installing $3 into $venv" >&2
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet "$3" >&2
  fi
  echo "$venv"
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "test-servers: need root to run: $*" >&2; exit 1; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$bin" ] || { echo "test-servers: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$bin"
}

as_postgres() { as_root runuser -u postgres -- "$@"; }

start() {
  local dir="$1"
  mkdir -p "$dir"
  chmod 755 "$dir"
  local bin; bin="$(pg_bin)"
  local pg_port; pg_port="$(free_port)"
  local password; password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

  # PostgreSQL: a fresh cluster owned by `postgres`, TCP on 127.0.0.1 only, passwords required over TCP.
  mkdir -p "$dir/pg"
  as_root chown postgres:postgres "$dir/pg"
  printf '%s\n' "$password" > "$dir/pg-password"
  as_root chown postgres:postgres "$dir/pg-password"
  as_postgres "$bin/initdb" -D "$dir/pg/data" -U postgres --pwfile="$dir/pg-password" \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$dir/pg-initdb.log" 2>&1 ||
    { cat "$dir/pg-initdb.log" >&2; exit 1; }
  as_postgres "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w \
    -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
    { cat "$dir/pg/server.log" >&2; exit 1; }

  # SCIM: scim2-server from PyPI in a venv cached under $XDG_CACHE_HOME (created on first use).
  local venv; venv="$(venv_with scim scim2-server 'scim2-server>=0.8,<0.9')"
  local scim_port; scim_port="$(free_port)"
  local token; token="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  # setsid: its own session, so a terminal's Ctrl-C does not reach it before `stop` does.
  setsid "$venv/bin/scim2-server" --hostname 127.0.0.1 --port "$scim_port" --bearer-token "$token" \
    >"$dir/scim.log" 2>&1 < /dev/null &
  echo $! > "$dir/scim.pid"
  local url="http://127.0.0.1:$scim_port"
  for _ in $(seq 1 100); do
    if python3 - "$url/v2/ServiceProviderConfig" <<'EOF' 2>/dev/null; then break; fi
import sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=1).read()
EOF
    kill -0 "$(cat "$dir/scim.pid")" 2>/dev/null || { cat "$dir/scim.log" >&2; exit 1; }
    sleep 0.1
  done

  # A plain HTTP echo server (Python standard library) for the `http` handler.
  local http_port; http_port="$(free_port)"
  setsid python3 "$(dirname "$0")/../Tests/Servers/echo_server.py" "$http_port" >"$dir/http.log" 2>&1 < /dev/null &
  echo $! > "$dir/http.pid"
  for _ in $(seq 1 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $http_port), 1)" 2>/dev/null; then break; fi
    sleep 0.1
  done

  # OpenID Connect: oidc-provider-mock from PyPI in a venv (0.3.4: the newest that installs on Python 3.11), with the
  # console test's people predefined (the browser picks one on the provider's authorization page).
  local oidc_venv; oidc_venv="$(venv_with oidc oidc-provider-mock 'oidc-provider-mock==0.3.4')"
  local oidc_port; oidc_port="$(free_port)"
  setsid "$oidc_venv/bin/oidc-provider-mock" --host 127.0.0.1 --port "$oidc_port" --require-nonce true \
    --user-claims '{"sub": "amy", "name": "Amy Hart", "email": "amy.hart@example.com", "groups": ["offboard-hr", "staff"]}' \
    --user-claims '{"sub": "lee", "name": "Lee Fac", "email": "lee.fac@example.com", "groups": ["offboard-facilities"]}' \
    --user-claims '{"sub": "kim", "name": "Kim Staff", "email": "kim@example.com", "groups": ["staff"]}' \
    --user-claims '{"sub": "dee", "name": "Dee Po", "email": "dee.po@example.com", "groups": ["offboard-dpo", "staff"]}' \
    >"$dir/oidc.log" 2>&1 < /dev/null &
  echo $! > "$dir/oidc.pid"
  for _ in $(seq 1 100); do
    if python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1).read()" \
      "http://127.0.0.1:$oidc_port/.well-known/openid-configuration" 2>/dev/null; then break; fi
    kill -0 "$(cat "$dir/oidc.pid")" 2>/dev/null || { cat "$dir/oidc.log" >&2; exit 1; }
    sleep 0.1
  done

  cat > "$dir/env" <<EOF
export OFFBOARD_TEST_PG_HOST=127.0.0.1
export OFFBOARD_TEST_PG_PORT=$pg_port
export OFFBOARD_TEST_PG_URL=postgres://postgres:$password@127.0.0.1:$pg_port/postgres
export OFFBOARD_TEST_SCIM_URL=$url/v2
export OFFBOARD_TEST_SCIM_TOKEN=$token
export OFFBOARD_TEST_HTTP_URL=http://127.0.0.1:$http_port
export OFFBOARD_TEST_OIDC_URL=http://127.0.0.1:$oidc_port
EOF
  cat "$dir/env"
}

stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  for pidfile in "$dir/scim.pid" "$dir/http.pid" "$dir/oidc.pid"; do
    if [ -f "$pidfile" ]; then kill -TERM "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_postgres "$(pg_bin)/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  as_root rm -rf "$dir"
}

case "${1:-}" in
  start) start "${2:?directory}" ;;
  stop) stop "${2:?directory}" ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
