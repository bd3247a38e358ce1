#!/usr/bin/env bash
# Debian's chromium package for the browser tests (Playwright drives it by executable path; a
# browser download is not possible here). Installed when missing, as PostgreSQL is.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ -x /usr/bin/chromium ]; then exit 0; fi
[ "$(id -u)" = 0 ] || die "the browser tests need Chromium: apt-get install chromium"
say "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
  || { apt-get update -q >/dev/null 2>&1; apt-get install -y -q --no-install-recommends chromium >/dev/null; } \
  || die "chromium did not install"
