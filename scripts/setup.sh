#!/usr/bin/env bash
# Installs the system tools a target needs, when missing: `setup.sh serve` or `setup.sh test`.
# Python and npm dependencies are installed by the Makefile from their lock files.
set -euo pipefail

profile="${1:-serve}"
declare -A package_for=([dot]=graphviz [node]=nodejs [npm]=npm [chromium]=chromium)
needed=(dot node npm)
[ "$profile" = test ] && needed+=(chromium)

missing=()
for tool in "${needed[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${package_for[$tool]}")
done
# The venv module is a separate Debian package (python3-venv).
command -v python3 >/dev/null 2>&1 && python3 -c "import ensurepip, venv" 2>/dev/null || missing+=(python3 python3-venv)
# Graphviz lays text out with the fonts fontconfig finds; without one, labels are mis-sized.
fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages: please install ${missing[*]} (Debian package names), then run make again." >&2
    exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
