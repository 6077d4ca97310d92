package app

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/imagefile"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// MaxFittedSide bounds the longer side of a render size taken from an input picture: a
// 6000-pixel photo is scaled down (aspect kept) rather than rendered at its own size.
const MaxFittedSide = 1024

// FitImageSize is the render size for a w×h input picture under the one size rule: both
// sides rounded down to multiples of SizeMultiple(downsampling) (diffusers'
// VaeImageProcessor.get_default_height_width rounds down to its multiple), after scaling the
// longer side down to MaxFittedSide, never below one multiple.
func FitImageSize(w, h, downsampling int) (int, int) {
	m := SizeMultiple(downsampling)
	if long := max(w, h); long > MaxFittedSide {
		w, h = w*MaxFittedSide/long, h*MaxFittedSide/long
	}
	return max(w/m*m, m), max(h/m*m, m)
}

// SetInputImage puts the picture at path into the session's [image] block (absolute path
// and pixel hash, so `verify` refuses a changed file) and, unless keepSize, sets the render
// size from it by FitImageSize. The note, when not empty, says how the picture is fitted.
func SetInputImage(p *session.Params, path, modelDir string, keepSize bool) (string, error) {
	img, _, err := imagefile.DecodeFile(path)
	if err != nil {
		return "", err
	}
	d := 0
	if !keepSize {
		if d, err = UNetDownsampling(modelDir); err != nil {
			return "", err
		}
	}
	return UseInputPicture(p, path, img, d)
}

// UseInputPicture sets the [image] block to a decoded picture read from path (other keys
// kept) and, when downsampling > 0, the render size fitted to it; the note says how the
// picture will be resized, "" when it is not.
func UseInputPicture(p *session.Params, path string, img image.Image, downsampling int) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	c := techniques.DefaultImageConfig()
	if old := techniques.ImageOf(p); old != nil {
		c = *old
	}
	c.Enabled, c.Path, c.SHA256 = true, abs, session.ImageHash(img)
	p.SetBlock("image", &c)
	b := img.Bounds()
	if downsampling > 0 {
		p.Width, p.Height = FitImageSize(b.Dx(), b.Dy(), downsampling)
	}
	return fitNote(path, b, p.Width, p.Height), nil
}

// SetDepthImage puts a depth picture into the [image] block (depth2img).
func SetDepthImage(p *session.Params, path string) error {
	img, _, err := imagefile.DecodeFile(path)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	c := techniques.ImageOf(p)
	if c == nil {
		return &UsageError{"--depth needs an input image: give --init-image too (or a session with [image])"}
	}
	c.DepthPath, c.DepthSHA256 = abs, session.ImageHash(img)
	return nil
}

// fitNote says when the picture is resized to the render size.
func fitNote(path string, b image.Rectangle, w, h int) string {
	if b.Dx() == w && b.Dy() == h {
		return ""
	}
	return fmt.Sprintf("%s: %dx%d picture resized to %dx%d (Lanczos; the model takes sides in multiples of its size rule)",
		session.Sanitize(path), b.Dx(), b.Dy(), w, h)
}

// FillImageHashes records the pixel hash of the [image] block's pictures where the session
// has none yet (a hand-written block), so the history entry of this render pins the
// pixels it was made from and `verify` refuses a changed file.
func FillImageHashes(p *session.Params) error {
	c := techniques.ImageOf(p)
	if c == nil || !c.Enabled || c.Path == "" {
		return nil
	}
	for _, f := range []struct{ path, sha *string }{{&c.Path, &c.SHA256}, {&c.DepthPath, &c.DepthSHA256}} {
		if *f.path == "" || *f.sha != "" {
			continue
		}
		img, _, err := imagefile.DecodeFile(*f.path)
		if err != nil {
			return err
		}
		*f.sha = session.ImageHash(img)
	}
	return nil
}

// SaveInputPicture writes a picture the studio edits ("edit this" on a render) as
// dir/inputs/SHA12.png, so the [image] block can name it; the name is the pixel hash's
// start, so the same picture is written once and an existing file is reused, never replaced.
func SaveInputPicture(dir string, img image.Image) (string, error) {
	sha := session.ImageHash(img)
	path := filepath.Join(dir, "inputs", sha[:12]+".png")
	if old, _, err := imagefile.DecodeFile(path); err == nil && session.ImageHash(old) == sha {
		return path, nil
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := atomicfile.WriteNew(path, buf.Bytes(), 0o644); err != nil {
		return "", err
	}
	return path, nil
}
