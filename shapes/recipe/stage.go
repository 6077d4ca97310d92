package recipe

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/train"
)

// Stage is one training run's settings.
type Stage struct {
	Steps  int
	Batch  int
	LR     float64
	Warmup int
	// EMADecay, when set, makes the stage's result the moving average of the weights.
	EMADecay float64
	Seed     uint64
	// Checkpoint is the file the stage saves to every CheckpointEvery steps and resumes from.
	Checkpoint      string `json:"-"`
	CheckpointEvery int    `json:"-"`
	// Log receives a CSV line per step when set.
	Log      *train.CSVLog        `json:"-"`
	Threads  int                  `json:"-"`
	Progress func(train.Progress) `json:"-"`
}

// trainableParams lists the float32 initializers that are module parameters: torch's named
// weights and biases and the anonymous MatMul weights exporters write as onnx::MatMul_N.
// Constants folded into initializers (shapes, scalars) stay constants.
func trainableParams(m *onnxpb.ModelProto) []string {
	var out []string
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetDataType() != int32(onnxpb.TensorProto_FLOAT) || len(t.GetDims()) == 0 {
			continue
		}
		n := t.GetName()
		base := n[strings.LastIndex(n, "/")+1:]
		if strings.HasSuffix(base, ".weight") || strings.HasSuffix(base, ".bias") || strings.HasPrefix(base, "onnx::MatMul_") {
			out = append(out, n)
		}
	}
	return out
}

// run opens the training graph of m and trains it for the stage; it returns the trained (or
// EMA) parameters by name.
func (s Stage) run(ctx context.Context, m *onnxpb.ModelProto, pinned map[string][]int64, src train.Source) (map[string]train.Param, error) {
	so, err := sessionOptions(s.Threads)
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	g, err := train.NewGraph(m, train.GraphConfig{Loss: train.LossName, Params: trainableParams(m), PinnedShapes: pinned, SessionOptions: so})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	t := &train.Trainer{Graph: g, Optimizer: train.DefaultAdamW(s.LR), ClipNorm: 1, Warmup: s.Warmup,
		TotalSteps: s.Steps, MinLR: s.LR / 10, EMADecay: s.EMADecay,
		CheckpointPath: s.Checkpoint, CheckpointEvery: s.CheckpointEvery, Log: s.Log}
	if s.Checkpoint != "" && fileExists(s.Checkpoint) {
		if err := t.LoadCheckpoint(s.Checkpoint); err != nil {
			return nil, fmt.Errorf("resume from %s: %w", filepath.Base(s.Checkpoint), err)
		}
	}
	if err := t.Run(ctx, src, s.Steps, s.Progress); err != nil {
		return nil, err
	}
	if s.EMADecay > 0 {
		return t.EMAParams(), nil
	}
	return t.Params(), nil
}

func sessionOptions(threads int) (*ortgo.SessionOptions, error) {
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if threads > 0 {
		if err := so.SetIntraOpNumThreads(threads); err != nil {
			so.Destroy()
			return nil, err
		}
	}
	return so, nil
}
