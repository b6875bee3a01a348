#!/bin/sh
# Installs the system programs the voice tests need (espeak-ng speaks the test sentences, ffmpeg
# encodes them as voice notes) when they are missing. Idempotent and quiet: does nothing when both are
# present. Needs root and apt-get (Debian, Ubuntu); elsewhere it says what to install.
set -eu

missing=""
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
command -v ffmpeg >/dev/null 2>&1 || missing="$missing ffmpeg"
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-packages: missing:$missing. No apt-get here: install them with your" \
        "package manager (e.g. brew install espeak-ng ffmpeg; dnf install espeak-ng ffmpeg)." >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        exec sudo -n "$0" "$@"
    fi
    echo "install-system-packages: missing:$missing. Run as root:" \
        "sudo apt-get install -y$missing (or sudo $0)" >&2
    exit 1
fi

echo "install-system-packages: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086  # $missing is a list of package names
apt-get install -y -qq --no-install-recommends $missing >/dev/null
