package train

import (
	"context"
	"os"
	"testing"
)

// TestProfileTrainSmall writes an ORT profile of training steps when NUDGE_TRAIN_PROFILE
// names a file prefix (a tool for the performance work, skipped otherwise).
func TestProfileTrainSmall(t *testing.T) {
	prefix := os.Getenv("NUDGE_TRAIN_PROFILE")
	if prefix == "" {
		t.Skip("set NUDGE_TRAIN_PROFILE to a file prefix to profile")
	}
	u := newUNetSetup(t, "small", 8, 16, 64, 8)
	so := sessionOptions(t, 2)
	if err := so.EnableProfiling(prefix); err != nil {
		t.Fatal(err)
	}
	g, err := NewGraph(u.model, GraphConfig{Loss: LossName, Params: floatInitializers(u.model), PinnedShapes: u.pinned, SessionOptions: so})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	tr := &Trainer{Graph: g, Optimizer: DefaultAdamW(1e-4)}
	if err := tr.Run(context.Background(), u.source, 4, nil); err != nil {
		t.Fatal(err)
	}
}
