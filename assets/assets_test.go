package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIconsDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		size int
	}{
		{"TrayIdle", TrayIdle, 64},
		{"TrayAlert", TrayAlert, 64},
		{"AppIcon", AppIcon, 512},
	} {
		img, err := png.Decode(bytes.NewReader(tc.data))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b := img.Bounds(); b.Dx() != tc.size || b.Dy() != tc.size {
			t.Errorf("%s: %v, want %dx%d", tc.name, b, tc.size, tc.size)
		}
	}
	if bytes.Equal(TrayIdle, TrayAlert) {
		t.Error("idle and alert tray icons are identical")
	}
}
