#!/usr/bin/env bash
# Installs what the browser/interop suites need on a fresh Debian machine, and
# nothing that is already there (safe to run every time):
#   - Debian's chromium (/usr/bin/chromium), nginx (nginx-light) and
#     redis-server (the cluster tests), via apt-get,
#     running 'apt-get update' first only when something must be installed;
#   - client-js's npm dependencies, via 'npm ci', unless node_modules already
#     matches package-lock.json (checked by a hash stamp written after npm ci).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "browser-deps: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -x /usr/bin/chromium ] || { echo "browser-deps: /usr/bin/chromium still missing" >&2; exit 1; }
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || { echo "browser-deps: nginx still missing" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "browser-deps: redis-server still missing" >&2; exit 1; }
# The Debian package starts a redis-server on 6379; the tests start their own.

cd "$repo/client-js"
stamp=node_modules/.browser-deps.lock-sha256
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "browser-deps: client-js/node_modules matches package-lock.json"
else
  # The lock serialises npm runs that share client-js/node_modules.
  lock=()
  command -v flock >/dev/null 2>&1 && lock=(flock /tmp/npm.lock)
  echo "browser-deps: npm ci in client-js"
  log="$(mktemp)"
  if "${lock[@]}" npm ci --no-audit --no-fund >"$log" 2>&1; then
    cat "$log"
  else
    grep -m3 'npm error' "$log" >&2 || true
    # npm ci refuses a lock file without entries for every platform's optional
    # packages (e.g. rollup's native builds), which a registry serving only
    # some platforms cannot give; npm install still installs the locked tree.
    echo "browser-deps: npm ci failed; installing the locked tree with npm install" >&2
    "${lock[@]}" npm install --no-audit --no-fund
  fi
  rm -f "$log"
  sha256sum package-lock.json | cut -d' ' -f1 > "$stamp"
fi
