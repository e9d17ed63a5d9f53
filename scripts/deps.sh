#!/usr/bin/env bash
# Installs what building, running and testing Portlight needs on Debian 12:
# the X11 headers Fyne's GLFW driver compiles against, and the headless desktop
# the end-to-end tests drive (Xvfb, a session bus, dunst, a StatusNotifierItem
# watcher, xdotool, ImageMagick), python3 for the test world (e2e), and the
# namespace forwarders slirp4netns and pasta (passt) for the monitor's tests,
# and rootful podman (runc, netavark, a busybox-static image built offline) for
# the published-ports test.
# Then downloads the Go modules.
# Usage: scripts/deps.sh [build|test]   (build: only what `make run` needs)
set -euo pipefail
what=${1:-test}

build_pkgs=(gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev
  libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev)
test_pkgs=(xvfb xauth libgl1-mesa-dri dbus dbus-x11 dunst libnotify-bin xdotool x11-utils imagemagick
  haskell-status-notifier-item-utils libglib2.0-bin iproute2 lsof desktop-file-utils gcc-mingw-w64-x86-64 groff-base git fonts-dejavu-core util-linux
  procps python3 slirp4netns passt
  podman runc conmon netavark aardvark-dns iptables busybox-static)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v go >/dev/null; then
  echo "deps: Go is not on PATH (need Go 1.26: /usr/local/go/bin)" >&2
  exit 1
fi
go mod download
