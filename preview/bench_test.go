package preview

import (
	"bytes"
	"image"
	"testing"
)

// The speed goals on one core for a 512² frame (issue: kitty ≤ 5 ms, sixel ≤ 25 ms with
// quantisation, half blocks ≤ 2 ms). Run with: go test -bench . -benchtime 20x -cpu 1 ./preview/
// Each benchmark reports bytes/frame, the wire cost over SSH.

// benchArea is a pane that shows 512² at its pixel size: 52×26 cells of 10×20 px.
const benchCols, benchRows = 52, 26

func benchImages() map[string]image.Image {
	return map[string]image.Image{"scene": sceneImage(512, 512), "noise": noiseImage(512, 512, 3)}
}

func benchEncoder(b *testing.B, p Protocol, o Options, cols, rows int) {
	for name, img := range benchImages() {
		b.Run(name, func(b *testing.B) {
			enc, err := NewEncoder(p, o)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := enc.Encode(&buf, img, cols, rows); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/frame")
		})
	}
}

func BenchmarkKitty(b *testing.B) { benchEncoder(b, Kitty, Options{}, benchCols, benchRows) }

// BenchmarkKittyBestSpeed is the LZ77 alternative to the default HuffmanOnly, for the
// bytes-versus-time trade-off recorded in docs/benchmarks.md.
func BenchmarkKittyBestSpeed(b *testing.B) {
	level := 1 // zlib.BestSpeed
	benchEncoder(b, Kitty, Options{KittyLevel: &level}, benchCols, benchRows)
}

func BenchmarkSixel(b *testing.B) { benchEncoder(b, Sixel, Options{}, benchCols, benchRows) }

func BenchmarkSixelDither(b *testing.B) {
	benchEncoder(b, Sixel, Options{Dither: true}, benchCols, benchRows)
}

func BenchmarkITermJPEG(b *testing.B) { benchEncoder(b, ITerm, Options{}, benchCols, benchRows) }

// Half blocks and quadrants: the same 512² frame into a typical 80×40-cell preview pane.
func BenchmarkBlocks(b *testing.B) { benchEncoder(b, Blocks, Options{}, 80, 40) }

func BenchmarkQuadrants(b *testing.B) { benchEncoder(b, Quadrants, Options{}, 80, 40) }

func BenchmarkLatentToRGB(b *testing.B) {
	lat := make([]float32, 4*64*64)
	for i := range lat {
		lat[i] = float32(i%17)/8 - 1
	}
	f, _ := FactorsFor("sd15")
	for b.Loop() {
		if _, err := LatentToRGB(lat, 4, 64, 64, f); err != nil {
			b.Fatal(err)
		}
	}
}
