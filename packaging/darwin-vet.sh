#!/usr/bin/env bash
# macOS cannot be built here (Fyne's GL driver and fyne.io/systray need cgo
# and Apple's SDK), so this vets, for darwin without cgo, every package that
# does not depend on them, and checks that the whole program's import graph
# resolves for darwin with cgo.
#   packaging/darwin-vet.sh               vet for darwin
#   packaging/darwin-vet.sh --list OS     print the pure-Go packages for OS
set -euo pipefail
cd "$(dirname "$0")/.."
go=${GO:-go}

# Packages that need cgo on macOS (see docs/headless.md: Fyne's widget,
# container, dialog and test fail with `undefined: isScrollerPageOnTap`, which
# only a darwin cgo file defines; app needs the GL driver; fyne.io/systray's
# darwin side is Objective-C).
cgo_only='^(fyne\.io/fyne/v2/(app|widget|container|dialog|test)|fyne\.io/systray|github\.com/go-gl/.*)$'
# The core must stay portable: these must never drop out of the list.
required=(portlight/monitor portlight/monitor/portinfo portlight/monitor/policy portlight/data
  portlight/cli portlight/safetext portlight/settings portlight/history)

pure_go() { # pure_go OS: prints "pkg" lines, and "# pkg: needs X" to stderr for the rest
  local os=$1 line pkg deps bad
  while read -r pkg deps; do
    bad=$(tr ' ' '\n' <<<"$deps" | grep -E "$cgo_only" | head -1 || true)
    if [ -n "$bad" ]; then
      echo "#   skipped $pkg: needs $bad (cgo on $os)" >&2
    else
      echo "$pkg"
    fi
  done < <(GOOS=$os CGO_ENABLED=0 $go list -e -f '{{.ImportPath}} {{join .Deps " "}}' ./...)
}

if [ "${1:-}" = --list ]; then
  pure_go "${2:?OS}" 2>/dev/null
  exit 0
fi

start=$(date +%s)
pkgs=$(pure_go darwin)
for r in "${required[@]}"; do
  grep -qx "$r" <<<"$pkgs" || { echo "darwin-vet: FAIL: $r no longer builds without cgo on darwin (it must stay portable)" >&2; exit 1; }
done
GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $go vet $pkgs
GOOS=darwin GOARCH=arm64 CGO_ENABLED=1 $go list -deps . ./cmd/portlight-ui >/dev/null
echo "darwin-vet: ok: $(wc -w <<<"$pkgs") packages vetted for darwin/arm64 without cgo; both programs' import graphs resolve with cgo ($(( $(date +%s) - start )) s)"
