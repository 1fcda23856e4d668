#!/usr/bin/env bash
# Install the Debian packages the gateway and its tests need, when they are missing.
# Idempotent: does nothing on a machine that already has them.
set -euo pipefail

need=()
PY=${PY:-python3}
command -v "$PY" >/dev/null 2>&1 || need+=(python3)
"$PY" -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
command -v xmlsec1 >/dev/null 2>&1 || need+=(xmlsec1)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
# The console's browser tests drive Debian's Chromium through Playwright's Python package
# (executable_path=/usr/bin/chromium): no browser is ever downloaded.
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing Debian packages: ${need[*]}"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for cmd in xmlsec1 xmllint chromium; do
  command -v "$cmd" >/dev/null 2>&1 || { echo "setup: $cmd still missing after install" >&2; exit 1; }
done
