// Command iconsize writes a smaller copy of a square PNG icon for the
// freedesktop icon theme (hicolor/NxN/apps), so that `make install` needs no
// image tools. The source's side must be a whole multiple of the target's;
// each target pixel is the average of its block, in premultiplied colour so
// transparent edges do not darken.
//
// Usage: go run ./packaging/iconsize -size 256 assets/icon.png out.png
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

func main() {
	size := flag.Int("size", 256, "side of the output icon in pixels")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: iconsize [-size N] IN.png OUT.png")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *size); err != nil {
		fmt.Fprintln(os.Stderr, "iconsize:", err)
		os.Exit(1)
	}
}

func run(in, out string, size int) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := png.Decode(f)
	if err != nil {
		return fmt.Errorf("decode %s: %w", in, err)
	}
	dst, err := shrink(src, size)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	o, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(o, dst); err != nil {
		o.Close()
		return fmt.Errorf("encode %s: %w", out, err)
	}
	return o.Close()
}

// shrink box-filters a square image down to size×size.
func shrink(src image.Image, size int) (*image.RGBA, error) {
	b := src.Bounds()
	if b.Dx() != b.Dy() || size <= 0 || b.Dx()%size != 0 {
		return nil, fmt.Errorf("%dx%d cannot be shrunk evenly to %dx%d", b.Dx(), b.Dy(), size, size)
	}
	k := b.Dx() / size
	n := uint32(k * k)
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var r, g, bl, a uint32
			for dy := 0; dy < k; dy++ {
				for dx := 0; dx < k; dx++ {
					pr, pg, pb, pa := src.At(b.Min.X+x*k+dx, b.Min.Y+y*k+dy).RGBA() // premultiplied, 16-bit
					r, g, bl, a = r+pr, g+pg, bl+pb, a+pa
				}
			}
			dst.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), uint8(a / n >> 8)})
		}
	}
	return dst, nil
}
