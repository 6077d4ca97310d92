package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
)

// DemoPrefix marks the built-in demo models in a session's model path ("demo:tiny").
const DemoPrefix = "demo:"

// modelError is a model reference the user must fix.
type modelError struct{ msg string }

func (e modelError) Error() string  { return e.msg }
func (e modelError) BadInput() bool { return true }

// ModelNames are the config's ways of naming a model: aliases ([models.aliases]) and folders
// searched for a bare name ([models] dirs).
type ModelNames struct {
	Aliases map[string]string
	Dirs    []string
}

// ResolveModel turns a session's model path into a folder: "demo:PRESET" is generated into
// the cache on first use (random weights, seed 0), an alias is looked up, a relative folder
// is taken relative to base (the session file's folder), and a bare name not found there is
// looked for in the configured model folders.
func ResolveModel(ctx context.Context, ref, base string, names ModelNames, progress func(done, total int64)) (string, error) {
	if ref == "" {
		ref = DemoPrefix + "tiny"
	}
	if preset, ok := strings.CutPrefix(ref, DemoPrefix); ok {
		return EnsureDemo(ctx, preset, progress)
	}
	if dir, ok := names.Aliases[ref]; ok {
		ref = dir
	}
	if strings.HasSuffix(ref, ".safetensors") {
		return familyFile(ctx, expandHome(ref))
	}
	candidates := []string{expandHome(ref)}
	if !filepath.IsAbs(candidates[0]) && base != "" {
		candidates[0] = filepath.Join(base, candidates[0])
	}
	if !filepath.IsAbs(ref) && !strings.ContainsRune(ref, filepath.Separator) {
		for _, d := range names.Dirs {
			candidates = append(candidates, filepath.Join(expandHome(d), ref))
		}
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c, nil
		}
	}
	return "", modelError{fmt.Sprintf("model %s: no such folder — give a model folder, an alias or a name in a [models] dirs folder of the config, or demo:shapes|tiny|small|sd15", candidates[0])}
}

// familyFile opens a shapes-family weights file as a model folder (materialised once).
func familyFile(ctx context.Context, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", modelError{fmt.Sprintf("model %s: %v — give a weights file written by nudge train shapes", path, err)}
	}
	dir, err := ensureFamily(ctx, data)
	if err != nil {
		return "", modelError{fmt.Sprintf("model %s: %v", path, err)}
	}
	return dir, nil
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	return p
}

// ModelDir resolves a model reference the way every command does: demo:PRESET (generated
// on first use, with a progress bar on stderr), a config alias, a folder, or a name in the
// config's model folders.
func ModelDir(ctx context.Context, cfg *session.Config, ref string, stderr io.Writer) (string, error) {
	bar := NewProgress(stderr, "demo model", "MB")
	dir, err := ResolveModel(ctx, ref, "", ModelNamesOf(cfg), func(done, total int64) {
		bar.Update(int(done>>20), int(total>>20))
	})
	bar.Finish()
	return dir, err
}

// EnsureDemo returns the cached demo model for a preset, generating it if missing.
func EnsureDemo(ctx context.Context, preset string, progress func(done, total int64)) (string, error) {
	if preset == ShapesPreset {
		return ensureShapes(ctx)
	}
	dir := filepath.Join(ort.CacheDir(), "models", "demo-"+preset)
	if _, err := os.Stat(filepath.Join(dir, "model_index.json")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	o := demomodel.Options{Preset: preset, TAESD: true, Progress: progress}
	if err := demomodel.Write(ctx, dir, o); err != nil {
		// Another nudge may have finished generating it meanwhile.
		if _, statErr := os.Stat(filepath.Join(dir, "model_index.json")); statErr == nil {
			return dir, nil
		}
		return "", err
	}
	return dir, nil
}
