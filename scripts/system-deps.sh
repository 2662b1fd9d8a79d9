#!/usr/bin/env bash
# Debian packages the real-part tests drive: OBS Studio under Xvfb, a Secret
# Service keyring, Chromium for the overlay, tmux for the panel's end-to-end run.
# systemd only for systemd-analyze, which checks the units `streamfx service` writes.
set -euo pipefail
packages=(obs-studio xvfb xauth chromium gnome-keyring dbus tmux systemd)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "note: not a Debian system; install ${missing[*]} yourself or those tests will skip." >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
