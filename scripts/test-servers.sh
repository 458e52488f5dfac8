#!/usr/bin/env bash
# Starts and stops the real servers the tests use, on loopback, in a throwaway directory:
#   a PostgreSQL cluster (Debian `postgresql`, run as the `postgres` user) and
#   a SCIM 2.0 server (PyPI `scim2-server`, in a venv, bearer token required), and
#   an HTTP echo server (Tests/Servers/echo_server.py, Python standard library), and
#   a Microsoft Entra ID token endpoint and Graph (Tests/Servers/graph_server.py, Python standard library), and
#   Okta's Management API (Tests/Servers/okta_server.py, Python standard library), and
#   an OpenID Connect provider (PyPI `oidc-provider-mock`, in a venv) with the console test's people, and
#   an OpenLDAP server (Debian `slapd`, run as `openldap`) with the ppolicy overlay, StartTLS and LDAPS, its own CA, and
#   Samba as an Active Directory domain controller (Debian `samba`), with LDAPS under the same CA.
#
#   scripts/test-servers.sh start DIR   # writes DIR/env (export lines) and prints it; DIR must be new or empty
#   scripts/test-servers.sh stop DIR    # stops them all by PID and removes DIR
#
# The tests read OFFBOARD_TEST_PG_URL (a superuser URL), OFFBOARD_TEST_PG_HOST/PORT,
# OFFBOARD_TEST_SCIM_URL / OFFBOARD_TEST_SCIM_TOKEN, OFFBOARD_TEST_HTTP_URL, OFFBOARD_TEST_OIDC_URL and
# OFFBOARD_TEST_LDAP_* (URL, LDAPS URL, CA file, admin and service account) and OFFBOARD_TEST_AD_* from that environment.
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

# OpenLDAP: slapd in the foreground as `openldap`, on a free loopback port for ldap:// (StartTLS) and one for ldaps://,
# with a CA and a server certificate for 127.0.0.1 made here, and the skeleton in Tests/Servers/ldap/seed.ldif.
start_slapd() {
  local dir="$1" here; here="$(cd "$(dirname "$0")/.." && pwd)/Tests/Servers/ldap"
  [ -x /usr/sbin/slapd ] || { echo "test-servers: slapd is not installed (apt-get install slapd ldap-utils)" >&2; exit 1; }
  local ldap="$dir/ldap"; mkdir -p "$ldap/db"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=offboard test CA" -keyout "$ldap/ca-key.pem" -out "$ldap/ca.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$ldap/server-key.pem" -out "$ldap/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$ldap/server.ext"
  openssl x509 -req -in "$ldap/server.csr" -CA "$ldap/ca.pem" -CAkey "$ldap/ca-key.pem" -CAcreateserial -days 2 \
    -extfile "$ldap/server.ext" -out "$ldap/server.pem" >/dev/null 2>&1
  # A second CA that signed nothing here: trusting it instead is a certificate mismatch.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" -keyout "$ldap/other-ca-key.pem" -out "$ldap/other-ca.pem" >/dev/null 2>&1
  local admin service; admin="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  service="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
  sed -e "s|SCHEMA_DIR|$here|g" -e "s|DIR|$ldap|g" -e "s|ADMIN_PASSWORD|$admin|" "$here/slapd.conf.in" > "$ldap/slapd.conf"
  as_root chown -R openldap:openldap "$ldap"
  local port tls_port; port="$(free_port)"; tls_port="$(free_port)"
  setsid setpriv --reuid=openldap --regid=openldap --init-groups /usr/sbin/slapd -d 0 -f "$ldap/slapd.conf" \
    -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$tls_port/" >"$dir/slapd.log" 2>&1 < /dev/null &
  echo $! > "$dir/slapd.pid"
  for _ in $(seq 1 100); do
    if ldapsearch -x -H "ldap://127.0.0.1:$port" -b "" -s base >/dev/null 2>&1; then break; fi
    kill -0 "$(cat "$dir/slapd.pid")" 2>/dev/null || { cat "$dir/slapd.log" >&2; exit 1; }
    sleep 0.1
  done
  sed -e "s|SERVICE_PASSWORD|$service|" "$here/seed.ldif" |
    ldapadd -x -H "ldap://127.0.0.1:$port" -D "cn=admin,dc=offboard,dc=test" -w "$admin" >"$dir/ldap-seed.log" 2>&1 ||
    { cat "$dir/ldap-seed.log" >&2; exit 1; }
  cat >> "$dir/env" <<EOF
export OFFBOARD_TEST_LDAP_URL=ldap://127.0.0.1:$port
export OFFBOARD_TEST_LDAPS_URL=ldaps://127.0.0.1:$tls_port
export OFFBOARD_TEST_LDAP_CA=$ldap/ca.pem
export OFFBOARD_TEST_LDAP_OTHER_CA=$ldap/other-ca.pem
export OFFBOARD_TEST_LDAP_BASE=dc=offboard,dc=test
export OFFBOARD_TEST_LDAP_ADMIN_DN=cn=admin,dc=offboard,dc=test
export OFFBOARD_TEST_LDAP_ADMIN_PASSWORD=$admin
export OFFBOARD_TEST_LDAP_SERVICE_DN=cn=offboard,ou=services,dc=offboard,dc=test
export OFFBOARD_TEST_LDAP_SERVICE_PASSWORD=$service
EOF
}

# Active Directory: Samba as a domain controller (Debian `samba`, `winbind`), provisioned into DIR/samba and run in the
# foreground as root. It listens on loopback at AD's fixed ports (389, 636 and others), so one runs per machine: when
# samba is not installed, or those ports are taken, it is left out and the AD tests say so.
start_samba() {
  local dir="$1"
  if [ ! -x /usr/sbin/samba ] || ! command -v samba-tool >/dev/null 2>&1; then
    echo "test-servers: samba is not installed; the Active Directory tests will be skipped" >&2; return 0
  fi
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', 636), 1)" 2>/dev/null; then
    echo "test-servers: port 636 is taken (another domain controller?); the Active Directory tests will be skipped" >&2; return 0
  fi
  local samba="$dir/samba" admin; admin="Ad1-$(python3 -c 'import secrets; print(secrets.token_hex(10))')"
  mkdir -p "$samba/tls"
  # Its LDAPS certificate is signed by the test CA slapd's is (start_slapd made it), for 127.0.0.1.
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$samba/tls/key.pem" -out "$samba/tls/server.csr" >/dev/null 2>&1
  openssl x509 -req -in "$samba/tls/server.csr" -CA "$dir/ldap/ca.pem" -CAkey "$dir/ldap/ca-key.pem" -CAcreateserial -days 2 \
    -extfile "$dir/ldap/server.ext" -out "$samba/tls/cert.pem" >/dev/null 2>&1
  chmod 600 "$samba/tls/key.pem"
  samba-tool domain provision --targetdir="$samba" --realm=OFFBOARD.TEST --domain=OFFBOARD --server-role=dc \
    --dns-backend=NONE --adminpass="$admin" --use-rfc2307 --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="tls keyfile=$samba/tls/key.pem" --option="tls certfile=$samba/tls/cert.pem" \
    --option="tls cafile=$dir/ldap/ca.pem" >"$dir/samba-provision.log" 2>&1 ||
    { cat "$dir/samba-provision.log" >&2; exit 1; }
  setsid /usr/sbin/samba -s "$samba/etc/smb.conf" -i -M single >"$dir/samba.log" 2>&1 < /dev/null &
  echo $! > "$dir/samba.pid"
  for _ in $(seq 1 120); do
    if LDAPTLS_CACERT="$dir/ldap/ca.pem" ldapsearch -x -H ldaps://127.0.0.1 -b "" -s base >/dev/null 2>&1; then break; fi
    kill -0 "$(cat "$dir/samba.pid")" 2>/dev/null || { cat "$dir/samba.log" >&2; exit 1; }
    sleep 0.5
  done
  cat >> "$dir/env" <<EOF
export OFFBOARD_TEST_AD_URL=ldaps://127.0.0.1:636
export OFFBOARD_TEST_AD_BASE=DC=offboard,DC=test
export OFFBOARD_TEST_AD_ADMIN_DN=CN=Administrator,CN=Users,DC=offboard,DC=test
export OFFBOARD_TEST_AD_ADMIN_PASSWORD=$admin
EOF
}

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

  # Microsoft Entra ID: the token endpoint and the parts of Graph `entra.disable` uses (Tests/Servers/graph_server.py,
  # Python standard library), with one app whose client secret is valid and one whose secret has expired.
  local graph_port graph_secret; graph_port="$(free_port)"
  graph_secret="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
  setsid python3 "$(dirname "$0")/../Tests/Servers/graph_server.py" "$graph_port" offboard-test-app "$graph_secret" offboard-expired-app \
    >"$dir/graph.log" 2>&1 < /dev/null &
  echo $! > "$dir/graph.pid"
  for _ in $(seq 1 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $graph_port), 1)" 2>/dev/null; then break; fi
    sleep 0.1
  done

  # Okta: the parts of the Management API `okta.deactivate` uses (Tests/Servers/okta_server.py, Python standard library).
  local okta_port okta_token; okta_port="$(free_port)"
  okta_token="$(python3 -c 'import secrets; print(secrets.token_urlsafe(30))')"
  setsid python3 "$(dirname "$0")/../Tests/Servers/okta_server.py" "$okta_port" "$okta_token" >"$dir/okta.log" 2>&1 < /dev/null &
  echo $! > "$dir/okta.pid"
  for _ in $(seq 1 50); do
    if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $okta_port), 1)" 2>/dev/null; then break; fi
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
export OFFBOARD_TEST_GRAPH_URL=http://127.0.0.1:$graph_port
export OFFBOARD_TEST_GRAPH_CLIENT_ID=offboard-test-app
export OFFBOARD_TEST_GRAPH_CLIENT_SECRET=$graph_secret
export OFFBOARD_TEST_GRAPH_EXPIRED_CLIENT_ID=offboard-expired-app
export OFFBOARD_TEST_OKTA_URL=http://127.0.0.1:$okta_port
export OFFBOARD_TEST_OKTA_TOKEN=$okta_token
EOF
  start_slapd "$dir"
  start_samba "$dir"
  cat "$dir/env"
}

stop() {
  local dir="$1"
  [ -d "$dir" ] || return 0
  for pidfile in "$dir/scim.pid" "$dir/http.pid" "$dir/oidc.pid" "$dir/graph.pid" "$dir/okta.pid" "$dir/slapd.pid" "$dir/samba.pid"; do
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
