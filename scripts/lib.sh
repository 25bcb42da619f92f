# Shared helpers for scripts/demo and scripts/test.
step() { printf '\n\033[1;36m==> %s\033[0m\n' "$*"; }

ensure_venv() {
  # ensure_venv [extras]: a .venv with the project's pinned dependencies.
  local extras="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    step "creating .venv"
    python3 -m venv .venv
  fi
  local spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  local stamp=".venv/.installed-$(echo "$extras" | tr ',' '-')"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
    step "installing Python dependencies ($spec)"
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e "$spec"
    touch "$stamp"
  fi
}

ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    step "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432
}

ensure_database() {
  # ensure_database URL: create the PostgreSQL database named by URL when it does not exist yet
  # (pytest makes its own test_<name>; the name itself is used by manage.py commands).
  local url="$1" name="${1##*/}"
  name="${name%%\?*}"
  local server="${url%/*}"
  if ! psql "$url" -Atqc "select 1" >/dev/null 2>&1; then
    psql "$server/postgres" -Atqc "create database \"$name\"" >/dev/null
  fi
}

ensure_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    step "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  redis-cli -h 127.0.0.1 -p 6379 ping
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1; then
    step "installing Debian's chromium for the browser tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium; }
  fi
  export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
}
