package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// DemoPrefix marks the built-in demo models in a session's model path ("demo:tiny").
const DemoPrefix = "demo:"

// modelError is a model reference the user must fix.
type modelError struct{ msg string }

func (e modelError) Error() string  { return e.msg }
func (e modelError) BadInput() bool { return true }

// ResolveModel turns a session's model path into a folder: "demo:PRESET" is generated into
// the cache on first use (random weights, seed 0), an alias is looked up, and a relative
// folder is taken relative to base (the session file's folder).
func ResolveModel(ctx context.Context, ref, base string, aliases map[string]string, progress func(done, total int64)) (string, error) {
	if ref == "" {
		ref = DemoPrefix + "tiny"
	}
	if preset, ok := strings.CutPrefix(ref, DemoPrefix); ok {
		return EnsureDemo(ctx, preset, progress)
	}
	if dir, ok := aliases[ref]; ok {
		ref = dir
	}
	if strings.HasPrefix(ref, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			ref = filepath.Join(home, ref[2:])
		}
	}
	if !filepath.IsAbs(ref) && base != "" {
		ref = filepath.Join(base, ref)
	}
	if fi, err := os.Stat(ref); err != nil || !fi.IsDir() {
		return "", modelError{fmt.Sprintf("model %s: no such folder — give a model folder, an alias from the config, or demo:tiny|small|sd15", ref)}
	}
	return ref, nil
}

// EnsureDemo returns the cached demo model for a preset, generating it if missing.
func EnsureDemo(ctx context.Context, preset string, progress func(done, total int64)) (string, error) {
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
