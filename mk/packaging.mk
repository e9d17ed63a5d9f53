# Packaging and other platforms. Included by the Makefile.
#
#   make install      install for this user: both programs, menu entry, icon, man page
#                     (PREFIX=~/.local by default; DESTDIR for staging)
#   make uninstall    remove exactly what install listed in its manifest
#   make package      the Linux bundle from `fyne package` (dist/Portlight.tar.xz)
#   make windows      cross-compile dist/windows/portlight.exe and portlight-ui.exe
#   make darwin-vet   go vet, for macOS, of every package that needs no cgo
#   make newcomer     a fresh clone follows the README's first steps headless
#
# `make test` runs windows, darwin-vet, install-check, package and newcomer
# (see test-extra): ~6 + 0.6 + 0.1 + 4 + 0.2 min with a cold build cache,
# about 1 min warm. newcomer clones the committed HEAD, not the working tree.

PREFIX ?= $(HOME)/.local
DESTDIR ?=
DIST ?= $(CURDIR)/dist
FYNE_TOOLS ?= fyne.io/tools/cmd/fyne@v1.7.4
MINGW_CC ?= x86_64-w64-mingw32-gcc
ICON256 := $(DIST)/icons/256x256/dev.portlight.Portlight.png
INSTALL_BIN := $(DIST)/linux/portlight
INSTALL_UI := $(DIST)/linux/portlight-ui

.PHONY: install uninstall install-check package windows darwin-vet desktop-check newcomer

# Both programs, stripped, for installing (the rule makes INSTALL_UI too),
# portlight without cgo as in `make build`. Only the link step differs from
# `make build`, so it reuses the build cache (a relink, seconds).
$(INSTALL_BIN): deps-build FORCE
	@mkdir -p $(@D)
	$(CORE_ENV) $(GO) build -ldflags "-s -w" -o $@ .
	$(GO) build -ldflags "-s -w" -o $(INSTALL_UI) ./cmd/portlight-ui
	@if $(GO) version -m $@ | grep -q 'fyne.io/fyne/v2'; then echo "$@ links Fyne; only portlight-ui may"; exit 1; fi
	@$(GO) version -m $@ | grep -qx $$'\tbuild\tCGO_ENABLED=0' || { echo "$@ is built with cgo; it must not be"; exit 1; }

$(ICON256): assets/icon.png packaging/iconsize/main.go
	@mkdir -p $(@D)
	$(GO) run ./packaging/iconsize -size 256 assets/icon.png $@

install: $(INSTALL_BIN) $(ICON256)
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" packaging/install.sh install $(INSTALL_BIN) $(INSTALL_UI) $(ICON256)

uninstall:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" packaging/install.sh uninstall

# Install, reinstall and uninstall into temporary prefixes; exactly the
# manifest's files must appear and disappear.
install-check: $(INSTALL_BIN) $(ICON256) desktop-check
	packaging/test-install.sh $(INSTALL_BIN) $(INSTALL_UI) $(ICON256)
	@ls -l $(INSTALL_BIN) $(INSTALL_UI) | awk '{ printf "install-check: installed %s %.1f MB\n", $$9, $$5/1e6 }'

desktop-check:
	@command -v desktop-file-validate >/dev/null || { echo "desktop-check: needs desktop-file-validate (apt: desktop-file-utils)"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  sed -e 's|@EXEC@|/usr/bin/portlight|g' -e 's|@TRYEXEC@|/usr/bin/portlight|g' \
	    packaging/dev.portlight.Portlight.desktop.in >$$tmp/dev.portlight.Portlight.desktop && \
	  desktop-file-validate $$tmp/dev.portlight.Portlight.desktop && echo "desktop-check: ok"

# `fyne package` in a copy of the tree, since it rewrites FyneApp.toml
# (Build + 1); both programs are built first, as `fyne package --release`
# would (~4 min cold), and added to its bundle (packaging/package.sh says how).
package: deps-build
	packaging/package.sh $(DIST)

# The Windows build: two GUI-subsystem exes (no console window: portlight
# runs the tray, portlight-ui the windows) that need no mingw DLLs (they
# import only Windows system DLLs: kernel32, user32, gdi32, shell32,
# opengl32, msvcrt). portlight-ui needs cgo through mingw-w64 for Fyne's GL
# driver; portlight links no Fyne and builds without cgo.
WIN_EXES := $(DIST)/windows/portlight.exe $(DIST)/windows/portlight-ui.exe
windows:
	@command -v $(MINGW_CC) >/dev/null || { echo "windows: needs $(MINGW_CC) (apt: gcc-mingw-w64-x86-64)"; exit 1; }
	@mkdir -p $(DIST)/windows
	@start=$$(date +%s); \
	GOOS=windows GOARCH=amd64 $(CORE_ENV) \
	  $(GO) build -trimpath -ldflags "-s -w -H=windowsgui" -o $(DIST)/windows/portlight.exe . && \
	GOOS=windows GOARCH=amd64 CGO_ENABLED=1 CC=$(MINGW_CC) \
	  $(GO) build -trimpath -ldflags "-s -w -H=windowsgui" -o $(DIST)/windows/portlight-ui.exe ./cmd/portlight-ui && \
	echo "windows: built in $$(( $$(date +%s) - start )) s"
	@for exe in $(WIN_EXES); do \
	  x86_64-w64-mingw32-objdump -p $$exe >$$exe.objdump.txt; \
	  grep -q 'Subsystem.*(Windows GUI)' $$exe.objdump.txt || { echo "windows: $$exe is not a GUI-subsystem exe"; exit 1; }; \
	  grep -q 'Magic.*PE32+' $$exe.objdump.txt || { echo "windows: $$exe is not PE32+"; exit 1; }; \
	  if grep 'DLL Name' $$exe.objdump.txt | grep -qiE 'libgcc|libwinpthread|libstdc'; then \
	    echo "windows: $$exe needs mingw DLLs:"; grep 'DLL Name' $$exe.objdump.txt; exit 1; fi; \
	done
	@if $(GO) version -m $(DIST)/windows/portlight.exe | grep -q 'fyne.io/fyne/v2'; then echo "windows: portlight.exe links Fyne"; exit 1; fi
	@ls -l $(WIN_EXES) | awk '{ printf "windows: %s %.1f MB, PE32+ GUI\n", $$9, $$5/1e6 }'
	@# e2e drives Xvfb, D-Bus and signals: a Linux-only harness, left out here.
	@GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) vet $$(packaging/darwin-vet.sh --list windows | grep -vx portlight/e2e)
	@echo "windows: go vet (CGO_ENABLED=0) of the pure-Go packages: ok"

darwin-vet:
	packaging/darwin-vet.sh

newcomer:
	packaging/newcomer.sh

test-extra:: windows darwin-vet install-check package newcomer
	@echo "packaging and platform checks: ok"

FORCE:
