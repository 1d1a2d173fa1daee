#!/usr/bin/env bash
# The whole test suite: lint and types, then pytest on SQLite and on PostgreSQL.
# KANMIN_REQUIRE_POSTGRES=1 (set by .ci/run) turns a missing PostgreSQL into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PATH="$PWD/$BIN:$PATH"

section() { printf '\n==== %s ====\n' "$*"; }

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  section "Installing Chromium for the browser tests (Debian package)"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
}

ensure_postgres() {
  # Prints the database URL to use, or nothing when no PostgreSQL is installed.
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "postgres://postgres@127.0.0.1:5432/kanmin"; return
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    done
    for _ in $(seq 1 30); do
      if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
        echo "postgres://postgres@127.0.0.1:5432/kanmin"; return
      fi
      sleep 1
    done
  fi
}

ensure_mosquitto() {
  # The disaster app's tests use a real MQTT broker on localhost:1883, started here like
  # PostgreSQL (installed from Debian's package where it is missing).
  if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then return; fi
  if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
    section "Installing Mosquitto for the MQTT tests (Debian package)"
    local sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
  fi
  local bin; bin="$(command -v mosquitto || echo /usr/sbin/mosquitto)"
  if [ -f /etc/mosquitto/mosquitto.conf ]; then
    mkdir -p /run/mosquitto 2>/dev/null || true
    "$bin" -d -c /etc/mosquitto/mosquitto.conf || "$bin" -d -p 1883
  else
    "$bin" -d -p 1883
  fi
  for _ in $(seq 1 30); do
    if (exec 3<>/dev/tcp/127.0.0.1/1883) 2>/dev/null; then return; fi
    sleep 0.5
  done
  echo "Mosquitto did not start on localhost:1883" >&2
  exit 1
}

section "Lint (ruff), formatting, types (mypy), import contracts"
$BIN/ruff check kanmin tests benchmarks
$BIN/ruff format --check kanmin tests benchmarks
$BIN/mypy kanmin
$BIN/lint-imports
if [ "${1:-}" = "--lint-only" ]; then exit 0; fi

ensure_chromium
ensure_mosquitto

export KANMIN_PROFILE=dev KANMIN_STATIC_MANIFEST=false
# Fixed keys for throw-away test databases only; never used by a deployment.
export KANMIN_SECRET_KEY="test-only-secret-key-not-for-deployments"
export KANMIN_ENCRYPTION_KEYS="kNTKF0I_iTSsM5Oz6ei_T7Xk3GZ2VLCy4aooS-lbrlc="
export KANMIN_DATA_DIR="$PWD/var/test-data"
export DJANGO_ALLOW_ASYNC_UNSAFE=true  # Playwright's sync API runs an event loop in the test thread

section "pytest on SQLite"
KANMIN_DATABASE_URL="sqlite:///$PWD/var/test-sqlite.sqlite3" $BIN/python -m pytest -p no:cacheprovider "$@"

pg_url="$(ensure_postgres)"
if [ -z "$pg_url" ]; then
  cat >&2 <<'MSG'

  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
  !! PostgreSQL is not installed here: the PostgreSQL run of the suite is SKIPPED.
  !! Install it (apt-get install postgresql) to run the suite on both databases.
  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
MSG
  if [ "${KANMIN_REQUIRE_POSTGRES:-0}" = 1 ]; then exit 1; fi
  exit 0
fi
section "pytest on PostgreSQL ($pg_url, throw-away database test_kanmin)"
KANMIN_DATABASE_URL="$pg_url" $BIN/python -m pytest -p no:cacheprovider --create-db "$@"
