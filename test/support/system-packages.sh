#!/usr/bin/env bash
# The Debian packages the end-to-end tests drive: installed when missing and this is root with
# apt, otherwise the test run stops at once naming the command that installs them.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v rspamd >/dev/null 2>&1 || missing+=(rspamd)
[ -x /usr/sbin/knotd ] || missing+=(knot)
((${#missing[@]})) || exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing the Debian packages the tests need: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $install -qq
else
  echo "The tests need ${missing[*]}, which this machine lacks. Install them with:" >&2
  echo "  sudo apt-get update && sudo $install" >&2
  exit 1
fi
