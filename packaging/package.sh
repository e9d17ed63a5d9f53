#!/usr/bin/env bash
# Builds the Linux bundle with `fyne package -os linux --release` in a copy of
# the source tree, because fyne package rewrites FyneApp.toml (Build + 1,
# indentation stripped) in the folder it runs in.
#
# Portlight is two programs (docs/binaries.md): portlight, which links no
# Fyne, and portlight-ui, the windows. fyne package builds one, the folder's
# main package, with a generated file that imports Fyne's app package (to
# embed FyneApp.toml's metadata): that would link Fyne into portlight. So both
# programs are built here as `fyne package --release` builds (-tags release,
# -trimpath, stripped, its C flags; portlight without cgo), fyne package
# wraps the built portlight (--executable: the desktop entry, icon, Makefile
# and tarball), and portlight-ui is then added to the bundle, next to
# portlight, and to its Makefile's install and uninstall rules.
# Then checks the bundle: the .desktop entry validates, the icon is there, the
# programs run, portlight links no Fyne, and the bundle's Makefile installs
# and removes both.
#   packaging/package.sh [DIST]     -> DIST/Portlight.tar.xz (default ./dist)
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(realpath -m "${1:-dist}")
go=${GO:-go}
fyne_tools=${FYNE_TOOLS:-fyne.io/tools/cmd/fyne@v1.7.4}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package: FAIL: $*" >&2; exit 1; }

start=$(date +%s)
GOBIN=$tmp/bin $go install "$fyne_tools"
echo "package: fyne tool installed ($(( $(date +%s) - start )) s)"

# The tracked and new (not ignored) files: what a clone plus local edits has.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$tmp" --one-top-level=src -xf -
start=$(date +%s)
# fyne package --release's C flags for gcc on Linux (fyne.io/tools build.go and
# hardening_flags.go), for the C that Fyne's GL driver and GLFW bring.
export CGO_CFLAGS="${CGO_CFLAGS:+$CGO_CFLAGS }-O3 -pipe -D_FORTIFY_SOURCE=3 -fcf-protection -fstack-protector-strong"
export CGO_LDFLAGS="${CGO_LDFLAGS:+$CGO_LDFLAGS }-Wl,-z,relro,-z,now -Wl,--as-needed"
# portlight without cgo, as `make build` builds it (docs/binaries.md says why).
(cd "$tmp/src" && CGO_ENABLED=0 $go build -tags release -trimpath -ldflags "-s -w" -o "$tmp/build/portlight" .)
(cd "$tmp/src" && $go build -tags release -trimpath -ldflags "-s -w" -o "$tmp/build/portlight-ui" ./cmd/portlight-ui)
echo "package: built portlight and portlight-ui ($(( $(date +%s) - start )) s)"
if $go version -m "$tmp/build/portlight" | grep -q 'fyne.io/fyne/v2'; then fail "portlight links Fyne; only portlight-ui may"; fi
$go version -m "$tmp/build/portlight" | grep -qx $'\tbuild\tCGO_ENABLED=0' || fail "portlight is built with cgo; it must not be"
start=$(date +%s)
(cd "$tmp/src" && "$tmp/bin/fyne" package -os linux --release --executable "$tmp/build/portlight")
echo "package: fyne package -os linux --release took $(( $(date +%s) - start )) s"

bundle=$tmp/src/Portlight.tar.xz
[ -f "$bundle" ] || fail "fyne package made no Portlight.tar.xz"
mkdir "$tmp/x"
tar -C "$tmp/x" -xJf "$bundle"
# Add portlight-ui next to portlight, and to each Makefile line that installs
# or removes bin/$(Exec) (portlight) a twin for $(Exec)-ui (portlight-ui).
core=$(find "$tmp/x" -path '*/bin/portlight' | head -1)
makefile=$(find "$tmp/x" -name Makefile | head -1)
[ -n "$core" ] && [ -n "$makefile" ] || { tar -tJf "$bundle" >&2; fail "the bundle fyne package made lacks bin/portlight or its Makefile"; }
install -m 0755 "$tmp/build/portlight-ui" "$(dirname "$core")/portlight-ui"
awk '{ print } /^\t(install|-rm) / && /bin\/\$\(Exec\)/ { l = $0; gsub(/\$\(Exec\)/, "$(Exec)-ui", l); print l; n++ }
  END { if (n != 4) { print "package: expected 4 install/rm lines for bin/$(Exec) in the Makefile, found " n > "/dev/stderr"; exit 1 } }' \
  "$makefile" >"$makefile.new"
mv "$makefile.new" "$makefile"
top=$(cd "$tmp/x" && ls)
tar -C "$tmp/x" -cJf "$bundle" "$top"
desktop=$(find "$tmp/x" -name 'dev.portlight.Portlight.desktop' | head -1)
exe=$(find "$tmp/x" -path '*/bin/portlight' | head -1)
icon=$(find "$tmp/x" -name 'dev.portlight.Portlight.png' | head -1)
[ -n "$desktop" ] && [ -n "$exe" ] && [ -n "$icon" ] || { tar -tJf "$bundle" >&2; fail "bundle lacks .desktop, binary or icon"; }
hints=$(desktop-file-validate "$desktop" 2>&1) || { echo "$hints" >&2; exit 1; }
[ -z "$hints" ] || fail "desktop-file-validate: $hints"
grep -qx 'Exec=portlight' "$desktop" || fail "the desktop entry does not run portlight: $(grep '^Exec=' "$desktop")"
# The bundle's own Makefile installs both programs side by side, and removes them.
make -s -C "$(dirname "$makefile")" install DESTDIR="$tmp/inst" PREFIX=/usr >/dev/null
[[ $(LANG=en_US.UTF-8 "$tmp/inst/usr/bin/portlight" --help 2>/dev/null) == *update-registry* ]] || fail "the bundled portlight does not run"
[[ $(LANG=en_US.UTF-8 "$tmp/inst/usr/bin/portlight-ui" --help 2>/dev/null) == *"portlight ui listeners"* ]] || fail "the bundled portlight-ui does not run"
make -s -C "$(dirname "$makefile")" uninstall DESTDIR="$tmp/inst" PREFIX=/usr >/dev/null
[ -z "$(find "$tmp/inst" -type f)" ] || fail "the bundle's make uninstall left: $(find "$tmp/inst" -type f)"
mkdir -p "$dist"
cp "$bundle" "$dist/Portlight.tar.xz"
awk -v f="$dist/Portlight.tar.xz" -v b="$(stat -c %s "$bundle")" -v e="$(stat -c %s "$exe")" \
  -v u="$(stat -c %s "$(dirname "$exe")/portlight-ui")" \
  'BEGIN { printf "package: %s (%.1f MB; portlight %.1f MB, portlight-ui %.1f MB)\n", f, b / 1e6, e / 1e6, u / 1e6 }'
tar -tvJf "$bundle"
cmp -s FyneApp.toml "$tmp/src/FyneApp.toml" && fail "fyne package no longer bumps Build; the copy may be unnecessary"
echo "package: ok (the source tree's FyneApp.toml untouched)"
