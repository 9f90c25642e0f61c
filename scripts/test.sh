#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: venv, install, PostgreSQL, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

# PostgreSQL: the store, audit and concurrency tests run against it as well as SQLite.
export REGISTER_TEST_PG_URL=${REGISTER_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

# A real headless browser for the dashboard test (tests/reports): Debian's Chromium and its
# driver.  The test fails, never skips, when they are missing and this is set.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver
  fi
fi
export REGISTER_TEST_REQUIRE_BROWSER=1

.venv/bin/ruff check register tests bench
.venv/bin/mypy
.venv/bin/pytest -q "$@"
