package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestShrinkAppIcon(t *testing.T) {
	out := filepath.Join(t.TempDir(), "icon.png")
	if err := run("../../assets/icon.png", out, 256); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("size %v", b)
	}
	// The app icon is a rounded square: transparent corners, opaque middle.
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Errorf("corner alpha %d, want 0", a)
	}
	if _, _, _, a := img.At(128, 128).RGBA(); a != 0xffff {
		t.Errorf("centre alpha %d, want opaque", a)
	}
}

func TestShrinkAverages(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	src.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	src.Set(1, 0, color.NRGBA{255, 0, 0, 255})
	src.Set(0, 1, color.NRGBA{0, 0, 255, 0}) // transparent blue must not tint
	src.Set(1, 1, color.NRGBA{0, 0, 255, 0})
	dst, err := shrink(src, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := dst.RGBAAt(0, 0); got != (color.RGBA{127, 0, 0, 127}) {
		t.Errorf("got %v, want half-transparent red", got)
	}
	if _, err := shrink(src, 3); err == nil {
		t.Error("2x2 to 3x3 accepted")
	}
	if _, err := shrink(image.NewNRGBA(image.Rect(0, 0, 4, 2)), 2); err == nil {
		t.Error("a non-square image accepted")
	}
}
