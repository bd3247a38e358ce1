#!/usr/bin/env bash
# Python side of the machine: uv itself, then the workspace's locked dependencies.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! command -v uv >/dev/null; then
  say "installing uv from PyPI"
  python3 -m pip install --quiet --user uv 2>&1 | grep -v "WARNING: Running pip as" >&2 || true
  export PATH="$HOME/.local/bin:$PATH"
  command -v uv >/dev/null || die "uv did not install (python3 -m pip install uv)"
fi
cd "$ROOT"
# --locked: a lock that no longer matches pyproject.toml fails here, loudly, instead of being
# re-resolved on someone's machine to versions nobody tested.
uv sync --locked --quiet || die "uv.lock does not match pyproject.toml: run 'uv lock' and commit uv.lock"
