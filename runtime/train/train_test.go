package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestSmokeTinyUNet trains the tiny demo UNet for 30 steps on four examples; the loss falls.
func TestSmokeTinyUNet(t *testing.T) {
	u := newUNetSetup(t, "tiny", 4, 8, 32, 4)
	g := u.graph(t, floatInitializers(u.model))
	tr := &Trainer{Graph: g, Optimizer: DefaultAdamW(2e-3), ClipNorm: 1, Warmup: 3, TotalSteps: 30, EMADecay: 0.9}
	var losses []float64
	if err := tr.Run(context.Background(), u.source, 30, func(p Progress) { losses = append(losses, p.Loss) }); err != nil {
		t.Fatal(err)
	}
	if len(losses) != 30 {
		t.Fatalf("%d progress reports, want 30", len(losses))
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	first, last := mean(losses[:5]), mean(losses[25:])
	t.Logf("loss %.4f → %.4f %s", first, last, Sparkline(losses))
	if !(last < 0.7*first) {
		t.Errorf("loss did not fall: first five %.4f, last five %.4f", first, last)
	}
}

// TestResumeGivesIdenticalNextStep: k steps, checkpoint, one more step equals loading the
// checkpoint into a fresh graph and taking one step, bit for bit (parameters, moments, EMA).
func TestResumeGivesIdenticalNextStep(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 3)
	params := floatInitializers(u.model)
	newTrainer := func() *Trainer {
		return &Trainer{Graph: u.graph(t, params), Optimizer: DefaultAdamW(1e-3), ClipNorm: 1, Warmup: 2, TotalSteps: 10, EMADecay: 0.99}
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	a := newTrainer()
	if err := a.Run(ctx, u.source, 3, nil); err != nil {
		t.Fatal(err)
	}
	if err := a.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx, u.source, 4, nil); err != nil {
		t.Fatal(err)
	}
	b := newTrainer()
	if err := b.LoadCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	if b.Steps() != 3 {
		t.Fatalf("resumed at step %d, want 3", b.Steps())
	}
	if err := b.Run(ctx, u.source, 4, nil); err != nil {
		t.Fatal(err)
	}
	same := func(what string, x, y map[string]Param) {
		for name, p := range x {
			for i, v := range p.Data {
				if math.Float32bits(v) != math.Float32bits(y[name].Data[i]) {
					t.Fatalf("%s %s[%d]: %g uninterrupted vs %g resumed", what, name, i, v, y[name].Data[i])
				}
			}
		}
	}
	same("parameter", a.Params(), b.Params())
	same("EMA", a.EMAParams(), b.EMAParams())
	for i := range a.m {
		for j := range a.m[i] {
			if a.m[i][j] != b.m[i][j] || a.v[i][j] != b.v[i][j] {
				t.Fatalf("Adam moments of %s differ at %d", params[i], j)
			}
		}
	}
	changed := false
	for name, p := range a.Params() {
		init, _ := readParams(u.model, []string{name})
		changed = changed || p.Data[0] != init[0].Data[0]
	}
	if !changed {
		t.Error("training did not change the parameters")
	}
}

// nanAt wraps a source and poisons the latents of one step.
type nanAt struct {
	Source
	step int
}

func (s nanAt) Batch(step int) (map[string]Tensor, error) {
	b, err := s.Source.Batch(step)
	if step == s.step {
		x := b[UNetSample]
		x.F32 = append([]float32{float32(math.NaN())}, x.F32[1:]...)
		b[UNetSample] = x
	}
	return b, err
}

// TestNaNLossStopsAndKeepsCheckpoint: a NaN at step 3 stops Run with an error naming the
// step; the parameters and the checkpoint are those of step 2.
func TestNaNLossStopsAndKeepsCheckpoint(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 3)
	params := floatInitializers(u.model)[:4]
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	tr := &Trainer{Graph: u.graph(t, params), Optimizer: DefaultAdamW(1e-3), CheckpointPath: path, CheckpointEvery: 1}
	var afterTwo map[string]Param
	err := tr.Run(context.Background(), nanAt{u.source, 2}, 5, func(p Progress) {
		if p.Step == 2 {
			afterTwo = tr.Params()
		}
	})
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Step != 3 || nf.What != "loss" || !nf.BadInput() {
		t.Fatalf("got %v, want a NaN loss at step 3", err)
	}
	if tr.Steps() != 2 {
		t.Errorf("trainer at step %d after the failure, want 2", tr.Steps())
	}
	for name, p := range tr.Params() {
		for i, v := range p.Data {
			if v != afterTwo[name].Data[i] {
				t.Fatalf("%s changed by the failed step", name)
			}
		}
	}
	fresh := &Trainer{Graph: u.graph(t, params), Optimizer: DefaultAdamW(1e-3)}
	if err := fresh.LoadCheckpoint(path); err != nil || fresh.Steps() != 2 {
		t.Fatalf("checkpoint after the failure: step %d, %v; want step 2", fresh.Steps(), err)
	}
}

// diskFull fails every write after limit bytes with ENOSPC, like a full file system.
type diskFull struct {
	*os.File
	limit int
}

func (d *diskFull) Write(p []byte) (int, error) {
	if len(p) > d.limit {
		n, _ := d.File.Write(p[:d.limit])
		d.limit = 0
		return n, &os.PathError{Op: "write", Path: d.Name(), Err: errNoSpace}
	}
	d.limit -= len(p)
	return d.File.Write(p)
}

var errNoSpace = errors.New("no space left on device")

// TestFullDiskKeepsPreviousCheckpoint: a checkpoint write that runs out of space fails with
// one clear error, leaves the previous checkpoint loadable and no temporary file behind.
func TestFullDiskKeepsPreviousCheckpoint(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 3)
	params := floatInitializers(u.model)[:3]
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	tr := &Trainer{Graph: u.graph(t, params), Optimizer: DefaultAdamW(1e-3)}
	if err := tr.Run(context.Background(), u.source, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := tr.SaveCheckpoint(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if err := tr.Run(context.Background(), u.source, 2, nil); err != nil {
		t.Fatal(err)
	}
	full := func(dir, pattern string) (tempFile, error) {
		f, err := os.CreateTemp(dir, pattern)
		return &diskFull{File: f, limit: 100}, err
	}
	err := saveAtomic(path, full, tr.writeCheckpoint)
	if err == nil || !errors.Is(err, errNoSpace) {
		t.Fatalf("got %v, want the no-space error", err)
	}
	var bi interface{ BadInput() bool }
	if !errors.As(err, &bi) {
		t.Errorf("error %v does not report BadInput", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) {
		t.Error("the previous checkpoint changed")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want only the checkpoint", len(entries))
	}
	fresh := &Trainer{Graph: u.graph(t, params), Optimizer: DefaultAdamW(1e-3)}
	if err := fresh.LoadCheckpoint(path); err != nil || fresh.Steps() != 1 {
		t.Fatalf("previous checkpoint: step %d, %v", fresh.Steps(), err)
	}
}

// TestCancelStopsAndCheckpoints: a cancelled context stops Run before the next step, with
// a checkpoint of the steps done.
func TestCancelStopsAndCheckpoints(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 3)
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	tr := &Trainer{Graph: u.graph(t, floatInitializers(u.model)[:2]), Optimizer: DefaultAdamW(1e-3), CheckpointPath: path}
	ctx, cancel := context.WithCancel(context.Background())
	err := tr.Run(ctx, u.source, 10, func(p Progress) {
		if p.Step == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || tr.Steps() != 2 {
		t.Fatalf("Run: %v at step %d, want cancelled at 2", err, tr.Steps())
	}
	fresh := &Trainer{Graph: u.graph(t, floatInitializers(u.model)[:2]), Optimizer: DefaultAdamW(1e-3)}
	if err := fresh.LoadCheckpoint(path); err != nil || fresh.Steps() != 2 {
		t.Fatalf("checkpoint: step %d, %v", fresh.Steps(), err)
	}
}
