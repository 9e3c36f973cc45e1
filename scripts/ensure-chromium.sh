#!/bin/sh
# The browser tests drive Debian's Chromium (Playwright cannot download its own browsers here).
# Install it when it is missing; needs root, as on the developers' machines and CI.
set -e
CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: $CHROMIUM is missing and cannot be installed here (needs root and apt-get)" >&2
    exit 0
fi
echo "ensure-chromium: installing Debian's chromium package" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
