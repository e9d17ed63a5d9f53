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
	out, err := exec.Command("convert", "-background", "white", "-fill", "#111111",
		"-font", "DejaVu-Sans-Mono", "-pointsize", "15", "-bordercolor", "white", "-border", "16",
		"label:@"+txt, filepath.Join(dir, name+".png")).CombinedOutput()
	if err != nil {
		// ImageMagick's default policy may forbid reading "@file"; pass the text.
		out2, err2 := exec.Command("convert", "-background", "white", "-fill", "#111111",
			"-font", "DejaVu-Sans-Mono", "-pointsize", "15", "-bordercolor", "white", "-border", "16",
			"label:"+text, filepath.Join(dir, name+".png")).CombinedOutput()
		if err2 != nil {
			t.Fatalf("render menu: %v\n%s\n%v\n%s", err, out, err2, out2)
		}
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
