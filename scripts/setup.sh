#!/bin/sh
# setup.sh - install what lookout needs to build and test on Debian 12 (run as root).
# Idempotent: apt-get skips what is already installed.
set -eu
PKGS="build-essential cmake pkg-config libcmocka-dev libjansson-dev libsqlite3-dev sqlite3 python3 libgeos-dev zlib1g-dev libmicrohttpd-dev curl chromium"
# The web map is built with node + npm and tested in Chromium. A machine that has
# node and npm already (e.g. from NodeSource, whose nodejs conflicts with
# Debian's npm package) keeps them; otherwise Debian's come in.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
