package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TestPrepareCommandBuildsThenReuses runs `nudge prepare --for all` on the tiny model twice,
// then checks that a render's request for A&E graphs finds what prepare built.
func TestPrepareCommandBuildsThenReuses(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	opts := runtime.PrepareOptions{For: []string{"all"}, AttentionResolution: 8}
	var first, second bytes.Buffer
	if err := runtime.Prepare(context.Background(), m.Dir, opts, &first); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + first.String())
	for _, want := range []string{"attend-excite: built 3 attention map(s) (8×8 ×3) + gradient graph", "sag: built 1 attention map(s) (4×4 ×1) for", "pix2pix-zero: built 4 attention map(s) (8×8 ×3, 4×4 ×1) + gradient graph", "+ gradient graph"} {
		if !strings.Contains(first.String(), want) {
			t.Fatalf("first run printed\n%s\nwant a line containing %q", first.String(), want)
		}
	}
	if err := runtime.Prepare(context.Background(), m.Dir, opts, &second); err != nil {
		t.Fatal(err)
	}
	if strings.Count(second.String(), ": reused ") != 3 || strings.Contains(second.String(), "built") {
		t.Fatalf("second run printed\n%s\nwant three reuses and no build", second.String())
	}
	needs, err := runtime.TechniqueNeeds("attend-excite", 8, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Attention(context.Background(), needs, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Prepared().Reused {
		t.Fatal("the render's A&E graphs were rebuilt instead of taken from prepare's cache")
	}
	t.Logf("session creation for the prepared A&E graphs: %v", a.SessionTime)
}

func TestPrepareCommandRejectsBadInput(t *testing.T) {
	isolatedCache(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	cases := []struct {
		dir  string
		opts runtime.PrepareOptions
		want string
	}{
		{dir, runtime.PrepareOptions{For: []string{"sega"}}, "unknown technique"},
		{dir, runtime.PrepareOptions{Width: 100, Height: 64}, "multiples of 8"},
		{t.TempDir(), runtime.PrepareOptions{}, "unet/model.onnx is missing"},
		{dir, runtime.PrepareOptions{For: []string{"attend-excite"}}, "available: 8×8 (3 layers)"},
	}
	for _, tc := range cases {
		err := runtime.Prepare(context.Background(), tc.dir, tc.opts, &bytes.Buffer{})
		if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: err = %v, want a one-line bad-input error containing %q", tc.opts, err, tc.want)
		}
	}
}

// TestPrepareRefusesFusedAttention: a UNet whose attention ORT fused into com.microsoft ops
// has no probability tensors to read.
func TestPrepareRefusesFusedAttention(t *testing.T) {
	isolatedCache(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	m, err := onnxgraph.Load(filepath.Join(dir, "unet", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	fused := onnxgraph.NewNode("MultiHeadAttention", "/fused/mha", []string{"sample", "sample", "sample"}, []string{"/fused/out"})
	fused.Domain = "com.microsoft"
	if err := m.AddNode(fused); err != nil {
		t.Fatal(err)
	}
	m.Proto.OpsetImport = append(m.Proto.OpsetImport, &onnxpb.OperatorSetIdProto{Domain: "com.microsoft", Version: 1})
	path := filepath.Join(dir, "unet", "fused.onnx")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	needs, _ := runtime.TechniqueNeeds("attend-excite", 8, 8, 8)
	_, err = runtime.PrepareUNet(context.Background(), path, runtime.PrepareSpec{Select: needs.Select, Gradient: true,
		LatentHeight: 8, LatentWidth: 8, Keys: 77, Hidden: 32, TimestepShape: []int64{}})
	var fe *onnxgraph.FusedGraphError
	if !errors.As(err, &fe) || !runtime.IsBadInput(err) {
		t.Fatalf("err = %v, want a FusedGraphError", err)
	}
}

// TestPrepareFallsBackBesideTheUNet: when the cache folder cannot be written, the graphs go
// next to the UNet (where hard links always work) and ONNX Runtime loads them from there.
func TestPrepareFallsBackBesideTheUNet(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	blocker := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CACHE_HOME", blocker)
	needs, _ := runtime.TechniqueNeeds("attend-excite", 8, 8, 8)
	needs.Select.Raw = true // a spec no other test prepares beside this shared model
	a, err := m.Attention(context.Background(), needs, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Prepared()
	if p.Dir != filepath.Join(m.Dir, "unet") || !strings.HasPrefix(filepath.Base(p.ForwardPath()), "nudge-") {
		t.Fatalf("prepared at %s, want nudge-* files beside the UNet", p.ForwardPath())
	}
	t.Cleanup(func() { removePrepared(t, p) })
	again, err := runtime.PrepareUNet(context.Background(), filepath.Join(m.Dir, "unet", "model.onnx"), runtime.PrepareSpec{
		Select: needs.Select, Gradient: true, LatentHeight: 8, LatentWidth: 8, Keys: 77, Hidden: 32, TimestepShape: []int64{}})
	if err != nil || !again.Reused || again.Dir != p.Dir {
		t.Fatalf("preparing again: %v, reused=%v — the files beside the UNet must not change its key", err, again != nil && again.Reused)
	}
	if _, err := a.Forward(context.Background(), tinyInput(t, m, 4)); err != nil {
		t.Fatal(err)
	}
}

func removePrepared(t *testing.T, p runtime.Prepared) {
	matches, _ := filepath.Glob(filepath.Join(p.Dir, "nudge-*"))
	for _, f := range matches {
		if err := os.Remove(f); err != nil {
			t.Error(err)
		}
	}
}
