#!/usr/bin/env bash
# Checks packaging/install.sh with a real binary in temporary prefixes:
# exactly the manifest's files and folders appear, they work (the .desktop
# entry validates and points at the installed portlight, both programs run and
# sit side by side, the man page renders), a second install changes nothing,
# and uninstall leaves the tree exactly as it was, including files that were
# there before.
#   packaging/test-install.sh PORTLIGHT PORTLIGHT_UI ICON256
set -euo pipefail
bin=$(realpath "${1:?portlight}")
ui=$(realpath "${2:?portlight-ui}")
icon=$(realpath "${3:?icon}")
here=$(cd "$(dirname "$0")" && pwd)
app_id=dev.portlight.Portlight
for tool in desktop-file-validate groff; do
  command -v $tool >/dev/null || { echo "test-install: FAIL: needs $tool (apt: desktop-file-utils, groff-base)" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
snapshot() { (cd "$1" && find . -mindepth 1 -printf '%y %m %p\n' | sort); }

# check NAME ROOT PREFIX [DESTDIR]
check() {
  local name=$1 top=$2 prefix=$3 destdir=${4:-}
  local root=$destdir$prefix
  echo "test-install: $name (PREFIX=$prefix${destdir:+ DESTDIR=$destdir})"
  snapshot "$top" >"$tmp/before"
  PREFIX=$prefix DESTDIR=$destdir "$here/install.sh" install "$bin" "$ui" "$icon" >/dev/null
  snapshot "$top" >"$tmp/after"
  local manifest=$root/share/portlight/install-manifest
  [ -f "$manifest" ] || fail "$name: no manifest"
  # What appeared is exactly what the manifest lists.
  comm -13 "$tmp/before" "$tmp/after" | cut -d' ' -f3- | sed "s|^\./|$top/|" | sort >"$tmp/added"
  cut -d' ' -f2- "$manifest" | sort >"$tmp/listed"
  diff -u "$tmp/listed" "$tmp/added" || fail "$name: the files that appeared differ from the manifest"
  [ "$(grep -c '^file ' "$manifest")" = 6 ] || fail "$name: manifest should list 6 files"
  comm -23 "$tmp/before" "$tmp/after" | grep -q . && fail "$name: install changed files that were there before"
  local exe=$root/bin/portlight desktop=$root/share/applications/$app_id.desktop
  local png=$root/share/icons/hicolor/256x256/apps/$app_id.png man1=$root/share/man/man1/portlight.1
  [ -x "$exe" ] && cmp -s "$exe" "$bin" || fail "$name: portlight not installed as given"
  # Next to portlight, where portlight looks for it first.
  [ -x "$root/bin/portlight-ui" ] && cmp -s "$root/bin/portlight-ui" "$ui" || fail "$name: portlight-ui not installed next to portlight"
  [ "$(stat -c %a "$desktop")" = 644 ] || fail "$name: .desktop mode $(stat -c %a "$desktop")"
  desktop-file-validate "$desktop" || fail "$name: desktop-file-validate"
  grep -qxF "TryExec=$prefix/bin/portlight" "$desktop" || fail "$name: TryExec does not name $prefix/bin/portlight"
  local want_exec=$prefix/bin/portlight
  case $want_exec in *' '*) want_exec="\"$want_exec\"" ;; esac
  grep -qxF "Exec=$want_exec" "$desktop" || fail "$name: Exec is not $want_exec: $(grep '^Exec=' "$desktop" | head -1)"
  grep -qxF "Exec=$want_exec ui listeners" "$desktop" || fail "$name: listeners action Exec"
  cmp -s "$png" "$icon" || fail "$name: icon differs"
  [[ $(LANG=en_US.UTF-8 "$exe" --help 2>/dev/null) == *update-registry* ]] || fail "$name: the installed portlight does not run"
  [[ $(LANG=en_US.UTF-8 "$root/bin/portlight-ui" --help 2>/dev/null) == *"portlight ui listeners"* ]] || fail "$name: the installed portlight-ui does not run"
  [ -z "$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man1" 2>&1)" ] || fail "$name: groff warns about the man page"
  [[ $(LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$man1" 2>/dev/null) == *update-registry* ]] || fail "$name: man page does not render"
  # A second install changes nothing.
  PREFIX=$prefix DESTDIR=$destdir "$here/install.sh" install "$bin" "$ui" "$icon" >/dev/null
  snapshot "$top" | grep -v ' portlight/install-manifest$' >"$tmp/again"
  grep -v ' portlight/install-manifest$' "$tmp/after" | diff -u - "$tmp/again" || fail "$name: reinstall changed the tree"
  PREFIX=$prefix DESTDIR=$destdir "$here/install.sh" uninstall >/dev/null
  snapshot "$top" >"$tmp/gone"
  diff -u "$tmp/before" "$tmp/gone" || fail "$name: uninstall did not restore the tree"
  if PREFIX=$prefix DESTDIR=$destdir "$here/install.sh" uninstall 2>/dev/null; then
    fail "$name: a second uninstall should fail: nothing is installed"
  fi
}

# 1. A fresh per-user prefix (nothing exists).
mkdir "$tmp/a"
check "fresh prefix" "$tmp/a" "$tmp/a/home/.local"

# 2. A prefix that already holds other applications, icons and man pages.
mkdir -p "$tmp/b/.local/share/applications" "$tmp/b/.local/share/icons/hicolor/256x256/apps" "$tmp/b/.local/bin" "$tmp/b/.local/share/man/man1"
echo other >"$tmp/b/.local/share/applications/org.example.Other.desktop"
echo other >"$tmp/b/.local/share/icons/hicolor/256x256/apps/org.example.Other.png"
echo other >"$tmp/b/.local/bin/other"
check "populated prefix" "$tmp/b" "$tmp/b/.local"

# 3. Staged: DESTDIR is written to, PREFIX is what the .desktop entry names.
mkdir "$tmp/c"
check "staged system prefix" "$tmp/c" "/usr/local" "$tmp/c/stage"

# 4. A prefix with a space in it.
mkdir "$tmp/d"
check "prefix with a space" "$tmp/d" "$tmp/d/My Apps"

echo "test-install: ok (4 layouts: install, reinstall, uninstall)"
