#!/usr/bin/env bash
# Installs Portlight for one user (or into any PREFIX), and removes exactly
# what it installed. `make install` / `make uninstall` call this.
#
#   packaging/install.sh install PORTLIGHT PORTLIGHT_UI ICON256
#   packaging/install.sh uninstall
#
# PREFIX (default ~/.local) is where the files live when in use; DESTDIR, if
# set, is prepended to every path written (staging), but not to the paths
# written into the .desktop entry. Installed, under PREFIX:
#   bin/portlight
#   bin/portlight-ui                   (the windows; portlight runs it from here)
#   share/applications/dev.portlight.Portlight.desktop
#   share/icons/hicolor/256x256/apps/dev.portlight.Portlight.png
#   share/man/man1/portlight.1
#   share/portlight/install-manifest   (what uninstall removes)
# The manifest lists each file ("file PATH") and each folder the install had
# to create ("dir PATH"); uninstall removes those files, then those folders if
# they are empty, so folders and files that were there before stay.
set -euo pipefail

app_id=dev.portlight.Portlight
here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
DESTDIR=${DESTDIR:-}
case $PREFIX in /*) ;; *) echo "install.sh: PREFIX must be absolute: $PREFIX" >&2; exit 2 ;; esac
root=$DESTDIR$PREFIX
manifest=$root/share/portlight/install-manifest

# mkdirs DIR: creates DIR and its missing parents, recording each one made.
created=()
mkdirs() {
  local d=$1 missing=()
  while [ ! -d "$d" ]; do
    missing=("$d" "${missing[@]}")
    d=$(dirname "$d")
  done
  for d in "${missing[@]}"; do
    mkdir -m 0755 "$d"
    created+=("$d")
  done
}

do_install() {
  local bin=$1 ui=$2 icon=$3
  [ -x "$bin" ] || { echo "install.sh: no executable $bin" >&2; exit 1; }
  [ -x "$ui" ] || { echo "install.sh: no executable $ui" >&2; exit 1; }
  [ -f "$icon" ] || { echo "install.sh: no icon $icon" >&2; exit 1; }
  case $PREFIX in *[\"\`\$\\%]*)
    echo "install.sh: PREFIX may not contain \" \` \$ \\ or %: $PREFIX" >&2; exit 2 ;;
  esac
  # A previous install's folders stay recorded, so uninstall still removes them.
  if [ -f "$manifest" ]; then
    while read -r kind path; do
      [ "$kind" = dir ] && created+=("$path")
    done <"$manifest"
  fi
  local exe=$PREFIX/bin/portlight exec_line=$PREFIX/bin/portlight
  case $exe in *' '*) exec_line="\"$exe\"" ;; esac
  local files=(
    "$root/bin/portlight"
    "$root/share/applications/$app_id.desktop"
    "$root/share/icons/hicolor/256x256/apps/$app_id.png"
    "$root/share/man/man1/portlight.1"
    "$root/bin/portlight-ui"
  )
  for f in "${files[@]}" "$manifest"; do mkdirs "$(dirname "$f")"; done
  install -m 0755 "$bin" "${files[0]}"
  sed -e "s|@EXEC@|$exec_line|g" -e "s|@TRYEXEC@|$exe|g" "$here/$app_id.desktop.in" >"${files[1]}.tmp"
  chmod 0644 "${files[1]}.tmp"
  mv "${files[1]}.tmp" "${files[1]}"
  install -m 0644 "$icon" "${files[2]}"
  install -m 0644 "$here/portlight.1" "${files[3]}"
  install -m 0755 "$ui" "${files[4]}"
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "${files[1]}"
  fi
  {
    for f in "${files[@]}" "$manifest"; do echo "file $f"; done
    for d in "${created[@]}"; do echo "dir $d"; done
  } | awk '!seen[$0]++' >"$manifest.tmp"
  mv "$manifest.tmp" "$manifest"
  echo "Installed Portlight in $PREFIX (manifest: $PREFIX/share/portlight/install-manifest)."
  case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "Note: $PREFIX/bin is not on your PATH; the menu entry works regardless." ;; esac
}

do_uninstall() {
  if [ ! -f "$manifest" ]; then
    echo "install.sh: nothing to uninstall: no $manifest" >&2
    exit 1
  fi
  local dirs=() kind path
  while read -r kind path; do
    # Files lie under the root; folders the install made may also be its parents.
    case $kind:$path in
      *:"$root"/* | dir:"$root") ;;
      dir:*) case $root in "$path"/*) ;; *) echo "install.sh: manifest names $path, outside $root; refusing" >&2; exit 1 ;; esac ;;
      *) echo "install.sh: manifest names $path, outside $root; refusing" >&2; exit 1 ;;
    esac
    case $kind in
      file) [ "$path" = "$manifest" ] || rm -f -- "$path" ;;
      dir) dirs+=("$path") ;;
      *) echo "install.sh: bad manifest line: $kind $path" >&2; exit 1 ;;
    esac
  done <"$manifest"
  rm -f -- "$manifest"
  # Deepest first: a folder is removed only when the install made it and it is empty.
  local d
  if [ ${#dirs[@]} -gt 0 ]; then
    printf '%s\n' "${dirs[@]}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
      while IFS= read -r d; do rmdir -- "$d" 2>/dev/null || true; done
  fi
  echo "Removed Portlight from $PREFIX."
}

case ${1:-} in
  install) do_install "${2:?portlight}" "${3:?portlight-ui}" "${4:?icon}" ;;
  uninstall) do_uninstall ;;
  *) echo "usage: install.sh install PORTLIGHT PORTLIGHT_UI ICON256 | uninstall" >&2; exit 2 ;;
esac
