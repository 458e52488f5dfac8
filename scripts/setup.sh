#!/usr/bin/env bash
# Installs what building and testing offboard needs on a Debian machine, when it is missing:
# libyaml-dev (through pkg-config) for the CYAML system library, libsqlite3-dev for GRDB, and Python's jsonschema for the
# test that checks shipped playbooks against the published JSON Schema. Safe to run repeatedly.
set -euo pipefail

if [ -d /opt/swift/usr/bin ] && ! command -v swift >/dev/null 2>&1; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null 2>&1 || { echo "setup: a Swift 6 toolchain is needed (swift not found)" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup: need root to run: $*" >&2; exit 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists yaml-0.1; then
  echo "setup: installing libyaml-dev and pkg-config" >&2
  apt_install pkg-config libyaml-dev
fi

# GRDB (the embedded run store) links the system SQLite through a system-library target.
if ! pkg-config --exists sqlite3; then
  echo "setup: installing libsqlite3-dev" >&2
  apt_install libsqlite3-dev
fi

# The ldap.* handlers link the system's OpenLDAP client library through the CLDAP system-library target.
if ! pkg-config --exists ldap; then
  echo "setup: installing libldap-dev" >&2
  apt_install libldap-dev
fi

if [ "${OFFBOARD_SETUP_TESTS:-0}" = "1" ]; then
  if ! python3 -c "import jsonschema" >/dev/null 2>&1; then
    echo "setup: installing Python jsonschema" >&2
    python3 -m pip install --quiet jsonschema 2>/dev/null || apt_install python3-jsonschema
  fi
  if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "setup: installing systemd (systemd-analyze checks the shipped unit)" >&2
    apt_install systemd
  fi
  if ! command -v schemathesis >/dev/null 2>&1; then
    echo "setup: installing schemathesis (PyPI), for the API contract run" >&2
    python3 -m pip install --quiet schemathesis
  fi
  # The console's browser test: Debian's Chromium, driven by Playwright from PyPI (its own browser download is not
  # used; it drives the system browser).
  # The LDAP handlers' tests: OpenLDAP's server (run unprivileged by scripts/test-servers.sh) and its command-line tools.
  if [ ! -x /usr/sbin/slapd ] || ! command -v ldapsearch >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    echo "setup: installing slapd, ldap-utils and openssl (the test directory's certificates)" >&2
    apt_install slapd ldap-utils openssl
  fi
  # The Active Directory flavour's tests: Samba as a domain controller (winbind is what its DC process starts).
  if [ ! -x /usr/sbin/samba ] || [ ! -x /usr/sbin/winbindd ]; then
    echo "setup: installing samba and winbind" >&2
    apt_install samba winbind
  fi
  if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing chromium" >&2
    apt_install chromium
  fi
  if ! python3 -c "import playwright" >/dev/null 2>&1; then
    echo "setup: installing playwright (PyPI), for the console's browser test" >&2
    python3 -m pip install --quiet 'playwright==1.65.2'
  fi
  # Prometheus's own checker of the /metrics exposition (promtool check metrics), run on a real scrape.
  if ! command -v promtool >/dev/null 2>&1; then
    echo "setup: installing prometheus (for promtool)" >&2
    apt_install --no-install-recommends prometheus
  fi
  # Real servers for the handler tests (scripts/test-servers.sh): PostgreSQL, and a venv for scim2-server.
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "setup: installing postgresql" >&2
    apt_install postgresql
  fi
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    echo "setup: installing python3-venv" >&2
    apt_install python3-venv
  fi
fi
