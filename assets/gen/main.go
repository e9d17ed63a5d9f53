// Command gen draws Portlight's icons (tray idle, tray alert, app icon) as PNG
// files in the current directory. Run it through `go generate ./assets`.
//
// The icons are drawn from a few shapes, supersampled for smooth edges, so
// that they are reproducible from source and need no design tool.
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

// palette
var (
	teal  = color.NRGBA{0x13, 0x5e, 0x6e, 0xff}
	light = color.NRGBA{0xff, 0xe0, 0x8a, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	red   = color.NRGBA{0xe5, 0x3a, 0x2f, 0xff}
)

// shape reports the colour at (x, y) in the unit square, or ok=false for
// transparent.
type shape func(x, y float64) (color.NRGBA, bool)

// icon draws Portlight's mark: a rounded square with a lit lamp (a disc
// with a ring) and, with alert, a red badge in the top right corner.
func icon(alert bool) shape {
	return func(x, y float64) (color.NRGBA, bool) {
		if alert {
			if d := math.Hypot(x-0.78, y-0.22); d < 0.22 {
				if d < 0.17 {
					return red, true
				}
				return white, true
			}
		}
		if !roundedSquare(x, y, 0.04, 0.2) {
			return color.NRGBA{}, false
		}
		d := math.Hypot(x-0.5, y-0.5)
		switch {
		case d < 0.16:
			return light, true
		case d > 0.24 && d < 0.32:
			return white, true
		}
		// Two beams to the left and right of the lamp.
		if math.Abs(y-0.5) < 0.035+0.08*math.Abs(x-0.5) && d > 0.36 && d < 0.44 {
			return light, true
		}
		return teal, true
	}
}

// roundedSquare reports whether (x, y) lies inside a square inset by m with
// corner radius r.
func roundedSquare(x, y, m, r float64) bool {
	lo, hi := m+r, 1-m-r
	cx := math.Max(lo, math.Min(hi, x))
	cy := math.Max(lo, math.Min(hi, y))
	return math.Hypot(x-cx, y-cy) <= r
}

// render draws s at size×size pixels with 4×4 supersampling.
func render(s shape, size int) *image.NRGBA {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					if c, ok := s(x, y); ok {
						r += float64(c.R)
						g += float64(c.G)
						b += float64(c.B)
						a++
					}
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(r / a), G: uint8(g / a), B: uint8(b / a),
				A: uint8(255 * a / ss / ss),
			})
		}
	}
	return img
}

func write(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", name, err)
	}
	return f.Close()
}

func main() {
	files := []struct {
		name  string
		alert bool
		size  int
	}{
		{"tray-idle.png", false, 64},
		{"tray-alert.png", true, 64},
		{"icon.png", false, 512},
	}
	for _, f := range files {
		if err := write(f.name, render(icon(f.alert), f.size)); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}
