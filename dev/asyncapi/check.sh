#!/usr/bin/env bash
# The official AsyncAPI parser (@asyncapi/parser from npm, pinned in package-lock.json) on the
# documents named: dev/asyncapi/check.sh FILE...
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HERE="$ROOT/dev/asyncapi"
command -v node >/dev/null && command -v npm >/dev/null \
  || die "Node.js and npm are needed for the AsyncAPI check: apt-get install nodejs npm"
if [ ! -f "$HERE/node_modules/.package-lock.json" ] \
   || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  say "installing the AsyncAPI parser from npm (package-lock.json)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
fi
node "$HERE/check.mjs" "$@"
