#!/usr/bin/env bash
# Installs the Debian packages the gateway, its tests and the sandbox need.
# Idempotent: installs only what is missing. Runs as root (or with sudo).
set -euo pipefail

pkgs=(
    build-essential cmake pkg-config clang-format
    libh2o-evloop-dev libcurl4-openssl-dev libssl-dev libxml2-dev libxml2-utils
    libjansson-dev libpq-dev postgresql postgresql-contrib
    curl ca-certificates jq bc
)
if [ "${WITH_FUZZ:-1}" = 1 ]; then
    pkgs+=(clang libclang-rt-dev)
fi
# the browser test of the UI: Debian's Chromium, driven from Node.js (tests/browser); npm comes with some
# Node.js builds and is its own package in Debian's
if [ "${WITH_BROWSER:-1}" = 1 ]; then
    pkgs+=(chromium nodejs)
    command -v npm >/dev/null || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
