package onnxgraph

import (
	"sort"
	"testing"
)

func TestModulePath(t *testing.T) {
	tests := []struct{ node, want string }{
		{"/down_blocks.0/attentions.0/transformer_blocks.0/attn1/Softmax", "down_blocks.0/attentions.0/transformer_blocks.0/attn1"},
		{"/unet/up_blocks.3/attentions.2/transformer_blocks.0/attn2/Softmax", "up_blocks.3/attentions.2/transformer_blocks.0/attn2"},
		{"/mid_block/attentions.0/transformer_blocks.0/attn2/Softmax_1", "mid_block/attentions.0/transformer_blocks.0/attn2"},
		{"/decoder/mid_block/attentions.0/Softmax", "mid_block/attentions.0"},
		{"/encoder/layers.3/self_attn/Softmax", "encoder/layers.3/self_attn"},
		{"Softmax_12", ""},
	}
	for _, tc := range tests {
		if got := modulePath(tc.node); got != tc.want {
			t.Errorf("modulePath(%q) = %q, want %q", tc.node, got, tc.want)
		}
	}
}

// TestDownsampleFactorSD15 checks the stage rule against the SD1.5 table of docs/references.md
// (four down blocks; latent 64×64 → 64, 32, 16, 8).
func TestDownsampleFactorSD15(t *testing.T) {
	tests := []struct {
		path    string
		spatial int
	}{
		{"down_blocks.0/attentions.1/transformer_blocks.0/attn2", 64},
		{"down_blocks.1/attentions.0/transformer_blocks.0/attn1", 32},
		{"down_blocks.2/attentions.1/transformer_blocks.0/attn2", 16},
		{"mid_block/attentions.0/transformer_blocks.0/attn2", 8},
		{"up_blocks.1/attentions.2/transformer_blocks.0/attn1", 16},
		{"up_blocks.2/attentions.0/transformer_blocks.0/attn2", 32},
		{"up_blocks.3/attentions.2/transformer_blocks.0/attn2", 64},
		{"encoder/layers.3/self_attn", 0},
	}
	for _, tc := range tests {
		f := downsampleFactor(tc.path, 4)
		got := 0
		if f > 0 {
			got = 64 / f
		}
		if got != tc.spatial {
			t.Errorf("%s: spatial %d, want %d", tc.path, got, tc.spatial)
		}
	}
}

// TestUNetOrder sorts a shuffled SD-style list and expects execution order.
func TestUNetOrder(t *testing.T) {
	want := []string{
		"down_blocks.1/attentions.0/transformer_blocks.0/attn1",
		"down_blocks.1/attentions.0/transformer_blocks.0/attn2",
		"down_blocks.1/attentions.0/transformer_blocks.1/attn1",
		"down_blocks.1/attentions.1/transformer_blocks.0/attn1",
		"down_blocks.2/attentions.0/transformer_blocks.0/attn1",
		"mid_block/attentions.0/transformer_blocks.0/attn2",
		"up_blocks.0/attentions.0/transformer_blocks.0/attn1",
		"up_blocks.0/attentions.2/transformer_blocks.0/attn1",
		"up_blocks.1/attentions.0/transformer_blocks.0/attn1",
		"text_model/encoder/layers.0/self_attn",
	}
	got := []string{want[6], want[9], want[2], want[5], want[0], want[8], want[3], want[7], want[1], want[4]}
	sort.SliceStable(got, func(i, j int) bool { return unetKeyOf(got[i]).less(unetKeyOf(got[j])) })
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("position %d: %s, want %s\n(all: %v)", i, got[i], want[i], got)
		}
	}
}
