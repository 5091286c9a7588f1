#!/usr/bin/env bash
# Install what the tests need (pip packages, Debian's chromium and postgresql), start a throwaway PostgreSQL, and
# run ruff and every test tier.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh tests/unit -x` (`-n 0` for one process).
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --disable-pip-version-check -q -r requirements-dev.txt

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_ctl > /dev/null || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" > /dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian's ${missing[*]} for the browser and PostgreSQL tests"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" > /dev/null
fi
/usr/bin/chromium --headless --no-sandbox --version  # fails loudly if the install gave no working browser

# A throwaway PostgreSQL on 127.0.0.1 for the db, import and app tiers' second backend (stopped on exit).
# Set CMLTRACK_TEST_PG to use a server of your own instead (tests create and drop databases there).
if [ -z "${CMLTRACK_TEST_PG:-}" ]; then
  PG_DIR="$(mktemp -d /tmp/cmltrack-pg.XXXXXX)"
  trap 'python scripts/local_postgres.py stop "$PG_DIR"; rm -rf "$PG_DIR"' EXIT
  CMLTRACK_TEST_PG="$(python scripts/local_postgres.py start "$PG_DIR")"
  export CMLTRACK_TEST_PG
  echo "PostgreSQL for the tests: $CMLTRACK_TEST_PG"
fi

python -m ruff check .
# a worker per core; the browser tests share one worker (xdist_group "browser" in tests/browser/conftest.py)
python -m pytest -q -n auto --dist loadgroup "$@"
