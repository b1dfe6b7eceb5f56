#!/usr/bin/env bash
# Installs the system tools a target needs, when missing: `setup.sh serve` or `setup.sh test`.
# `setup.sh chromium` prints the browser the tests and the benchmark drive.
# Python and npm dependencies are installed by the Makefile from their lock files.
set -euo pipefail

# The one way to find Chromium (tests/support/site_pages.py find_chromium() follows it, and
# tests/test_setup.py checks that both agree): $CHROMIUM when set, else `chromium`, else
# `chromium-browser` on the PATH. Prints the path; status 1 when there is none, 2 when
# $CHROMIUM names no executable file.
find_chromium() {
    if [ -n "${CHROMIUM:-}" ]; then
        [ -f "$CHROMIUM" ] && [ -x "$CHROMIUM" ] && echo "$CHROMIUM" && return 0
        return 2
    fi
    command -v chromium || command -v chromium-browser || return 1
}

profile="${1:-serve}"
if [ "$profile" = chromium ]; then
    status=0
    find_chromium || status=$?
    [ "$status" -eq 2 ] && echo "CHROMIUM=$CHROMIUM is not an executable file." >&2
    [ "$status" -eq 1 ] && echo "No Chromium: install Debian's chromium, or set CHROMIUM to its path." >&2
    exit "$status"
fi

declare -A package_for=([dot]=graphviz [node]=nodejs [npm]=npm)
needed=(dot node npm)

missing=()
for tool in "${needed[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${package_for[$tool]}")
done
if [ "$profile" = test ]; then
    status=0
    find_chromium >/dev/null || status=$?
    if [ "$status" -eq 2 ]; then
        echo "CHROMIUM=$CHROMIUM is not an executable file: point it at Chromium or Chrome, or unset it." >&2
        exit 1
    fi
    [ "$status" -eq 1 ] && missing+=(chromium)
    # The W3C Nu HTML Checker (npm vnu-jar) runs on Java.
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
fi
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
