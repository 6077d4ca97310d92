package app

import (
	"image"
	"image/draw"
	"path/filepath"

	"github.com/nudge-studio/nudge/imagefile"
)

// LoadHistoryImage decodes a history entry's saved image, output being the path the session
// file records (relative to the session's folder, slash-separated), through the one bounded
// decoder (imagefile).
func LoadHistoryImage(sessionDir, output string) (*image.RGBA, error) {
	img, _, err := imagefile.DecodeFile(filepath.Join(sessionDir, filepath.FromSlash(output)))
	if err != nil {
		return nil, err
	}
	if rgba, ok := img.(*image.RGBA); ok {
		return rgba, nil
	}
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	return rgba, nil
}
