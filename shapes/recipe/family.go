package recipe

import (
	"context"
	"os"

	"github.com/nudge-studio/nudge/runtime/demomodel"
)

// WriteInit writes an untrained model of architecture a into dir: seeded fan-in-scaled
// weights, float32, Optimum layout — the starting point of training.
func WriteInit(ctx context.Context, dir string, a demomodel.Preset, seed uint64) error {
	return demomodel.Write(ctx, dir, demomodel.Options{Architecture: &a, Seed: seed})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
