#!/usr/bin/env bash
# Builds the Linux bundle with `fyne package -os linux --release` in a copy of
# the source tree, because fyne package rewrites FyneApp.toml (Build + 1,
# indentation stripped) and deletes ./portlight in the folder it runs in.
# Then checks the bundle: the binary runs, the .desktop entry validates, the
# icon is there.
#   packaging/package.sh [DIST]     -> DIST/Portlight.tar.xz (default ./dist)
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(realpath -m "${1:-dist}")
go=${GO:-go}
fyne_tools=${FYNE_TOOLS:-fyne.io/tools/cmd/fyne@v1.7.4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

start=$(date +%s)
GOBIN=$tmp/bin $go install "$fyne_tools"
echo "package: fyne tool installed ($(( $(date +%s) - start )) s)"

# The tracked and new (not ignored) files: what a clone plus local edits has.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$tmp" --one-top-level=src -xf -
start=$(date +%s)
(cd "$tmp/src" && "$tmp/bin/fyne" package -os linux --release)
echo "package: fyne package -os linux --release took $(( $(date +%s) - start )) s"

bundle=$tmp/src/Portlight.tar.xz
[ -f "$bundle" ] || { echo "package: FAIL: fyne package made no Portlight.tar.xz" >&2; exit 1; }
mkdir "$tmp/x"
tar -C "$tmp/x" -xJf "$bundle"
desktop=$(find "$tmp/x" -name 'dev.portlight.Portlight.desktop' | head -1)
exe=$(find "$tmp/x" -path '*/bin/portlight' | head -1)
icon=$(find "$tmp/x" -name 'dev.portlight.Portlight.png' | head -1)
[ -n "$desktop" ] && [ -n "$exe" ] && [ -n "$icon" ] || { echo "package: FAIL: bundle lacks .desktop, binary or icon:" >&2; tar -tJf "$bundle" >&2; exit 1; }
hints=$(desktop-file-validate "$desktop" 2>&1) || { echo "$hints" >&2; exit 1; }
[ -z "$hints" ] || { echo "package: FAIL: desktop-file-validate: $hints" >&2; exit 1; }
[[ $(LANG=en_US.UTF-8 "$exe" --help 2>/dev/null) == *update-registry* ]] || { echo "package: FAIL: the bundled binary does not run" >&2; exit 1; }
mkdir -p "$dist"
cp "$bundle" "$dist/Portlight.tar.xz"
awk -v f="$dist/Portlight.tar.xz" -v b="$(stat -c %s "$bundle")" -v e="$(stat -c %s "$exe")" \
  'BEGIN { printf "package: %s (%.1f MB; binary %.1f MB)\n", f, b / 1e6, e / 1e6 }'
tar -tvJf "$bundle"
cmp -s FyneApp.toml "$tmp/src/FyneApp.toml" && { echo "package: FAIL: fyne package no longer bumps Build; the copy may be unnecessary" >&2; exit 1; }
echo "package: ok (the source tree's FyneApp.toml and ./portlight untouched)"
