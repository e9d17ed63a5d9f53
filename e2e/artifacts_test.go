package e2e

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// saveMenu writes the tray menu as text and as a picture of it: with no
// panel on the virtual screen, the dbusmenu layout is the menu's state.
func saveMenu(t testing.TB, dir, name string, m menuItem) {
	t.Helper()
	text := m.render()
	txt := filepath.Join(dir, name+".txt")
	if err := os.WriteFile(txt, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// -annotate, not label:@file (ImageMagick's default policy forbids
	// reading "@file", and label: refuses tall images). ImageMagick expands
	// "%" escapes in the text: double them.
	lines := strings.Count(text, "\n") + 1
	out, err := exec.Command("convert", "-size", fmt.Sprintf("760x%d", lines*19+40), "xc:white",
		"-font", "DejaVu-Sans-Mono", "-pointsize", "15", "-fill", "#111111",
		"-annotate", "+16+28", strings.ReplaceAll(text, "%", "%%"),
		filepath.Join(dir, name+".png")).CombinedOutput()
	if err != nil {
		t.Fatalf("render menu with ImageMagick: %v\n%s", err, out)
	}
}

// saveIcon writes the tray item's IconPixmap (ARGB32, network byte order)
// as a PNG.
func saveIcon(t testing.TB, conn *dbus.Conn, pid int, path string) {
	t.Helper()
	dest := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", pid)
	v, err := conn.Object(dest, "/StatusNotifierItem").GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		t.Fatalf("IconPixmap: %v", err)
	}
	pixmaps, ok := v.Value().([][]any)
	if !ok || len(pixmaps) == 0 || len(pixmaps[0]) != 3 {
		t.Fatalf("IconPixmap has an unexpected shape: %T", v.Value())
	}
	w, _ := pixmaps[0][0].(int32)
	h, _ := pixmaps[0][1].(int32)
	data, _ := pixmaps[0][2].([]byte)
	if w <= 0 || h <= 0 || len(data) != int(w*h*4) {
		t.Fatalf("IconPixmap %dx%d with %d bytes", w, h, len(data))
	}
	img := image.NewNRGBA(image.Rect(0, 0, int(w), int(h)))
	for i := 0; i < int(w*h); i++ {
		argb := binary.BigEndian.Uint32(data[i*4:])
		img.SetNRGBA(i%int(w), i/int(w), color.NRGBA{
			A: uint8(argb >> 24), R: uint8(argb >> 16), G: uint8(argb >> 8), B: uint8(argb),
		})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
