package recipe

import (
	"context"
	"os"

	"github.com/nudge-studio/nudge/runtime/demomodel"
)

// WriteInit writes the family's untrained model into dir: the architecture with seeded
// fan-in-scaled weights, float32, Optimum layout — the starting point of training.
func WriteInit(ctx context.Context, dir string, seed uint64) error {
	a := Architecture()
	return demomodel.Write(ctx, dir, demomodel.Options{Architecture: &a, Seed: seed})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
