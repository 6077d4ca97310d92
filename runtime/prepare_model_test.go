package runtime_test

import (
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

// crossNeeds is what attend-and-excite asks for: head-averaged cross-attention maps at one
// resolution plus their gradient.
func crossNeeds(side int) runtime.AttentionNeeds {
	return runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindCross, Height: side, Width: side}, Gradient: true}
}

// TestModelGraphsBuildThenReuse prepares three kinds of needs on the tiny model twice, then
// checks that a render's request for the same graphs finds what was built.
func TestModelGraphsBuildThenReuse(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	g, err := runtime.OpenGraphs(m.Dir, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g.LatentHeight != 8 || g.LatentWidth != 8 {
		t.Fatalf("latent %d×%d, want the tiny UNet's 8×8", g.LatentHeight, g.LatentWidth)
	}
	cases := []struct {
		needs runtime.AttentionNeeds
		maps  int
	}{
		{crossNeeds(8), 3},
		{runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindSelf, Block: "mid_block"}, KeepNoise: true}, 1},
		{runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindCross, Raw: true}, Gradient: true}, 4},
	}
	for round := 0; round < 2; round++ {
		for _, c := range cases {
			p, err := g.Prepare(context.Background(), c.needs)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Maps) != c.maps || p.Reused != (round == 1) || (p.VJP != "") != c.needs.Gradient {
				t.Fatalf("round %d %+v: %d maps, reused %v, vjp %q", round, c.needs.Select, len(p.Maps), p.Reused, p.VJP)
			}
		}
	}
	a, err := m.Attention(context.Background(), crossNeeds(8), 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Prepared().Reused {
		t.Fatal("the render's A&E graphs were rebuilt instead of taken from the prepared cache")
	}
	sides, err := g.CrossAttentionSides()
	if err != nil || len(sides) != 2 || sides[0] != 8 || sides[1] != 4 {
		t.Fatalf("cross-attention sides %v, %v; want [8 4]", sides, err)
	}
}

func TestModelGraphsRejectBadInput(t *testing.T) {
	isolatedCache(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	if _, err := runtime.OpenGraphs(dir, 100, 64); err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "multiples of 8") {
		t.Errorf("size 100×64: %v", err)
	}
	if _, err := runtime.OpenGraphs(t.TempDir(), 0, 0); err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "unet/model.onnx is missing") {
		t.Errorf("empty folder: %v", err)
	}
	g, err := runtime.OpenGraphs(dir, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Prepare(context.Background(), crossNeeds(16))
	if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "available: 8×8 (3 layers)") || strings.Contains(err.Error(), "\n") {
		t.Errorf("16×16 maps on the tiny model: %v", err)
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
	needs := crossNeeds(8)
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
	needs := crossNeeds(8)
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
