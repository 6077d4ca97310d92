package runtime

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// AttentionSelection picks attention probability maps P = softmax(scale·QKᵀ) of a UNet, the
// tensors Attend-and-Excite, SAG and Pix2Pix-Zero read (docs/references.md, "SD 1.5 attention
// layout").
type AttentionSelection struct {
	// Kind is onnxgraph.KindCross (attn2, to the text tokens) or onnxgraph.KindSelf (attn1).
	Kind string
	// Height and Width are the feature-map size of the chosen maps (16×16 for A&E on SD 1.5
	// at 512²); 0×0 selects every resolution.
	Height, Width int
	// Block keeps only maps whose module path starts with it ("mid_block" for SAG); "" keeps
	// every block.
	Block string
	// Raw keeps every head, [B, heads, Lq, Lk]; otherwise the graph averages over the heads
	// in-graph and outputs [B, Lq, Lk], so outputs stay small.
	Raw bool
}

func (s AttentionSelection) key() string {
	return fmt.Sprintf("%s@%dx%d|block=%s|raw=%t", s.Kind, s.Height, s.Width, s.Block, s.Raw)
}

func (s AttentionSelection) describe() string {
	what := s.Kind + "-attention maps"
	if s.Height > 0 {
		what += fmt.Sprintf(" at %d×%d", s.Height, s.Width)
	}
	if s.Block != "" {
		what += " in " + s.Block
	}
	return what
}

// AttentionMap is one selected map as the prepared graphs output it, in float32.
type AttentionMap struct {
	Path   string `json:"path"`   // module path, e.g. up_blocks.1/attentions.0/transformer_blocks.0/attn2
	Output string `json:"output"` // output name in the prepared graphs
	Heads  int    `json:"heads"`
	Height int    `json:"height"` // feature-map size: Lq = Height·Width
	Width  int    `json:"width"`
	Keys   int    `json:"keys"` // Lk: text tokens for cross-attention, Lq for self-attention
	Raw    bool   `json:"raw"`  // every head kept ([B,heads,Lq,Lk]) instead of the head mean
}

// RowElems is the number of values one batch row of the map holds.
func (a AttentionMap) RowElems() int {
	n := a.Height * a.Width * a.Keys
	if a.Raw {
		n *= a.Heads
	}
	return n
}

// noMapsError says the UNet has no attention of the requested kind at the requested size,
// and lists the sizes it does have, so the user can pick one.
type noMapsError struct {
	path, what, available string
}

func (e *noMapsError) Error() string {
	return fmt.Sprintf("%s: the UNet has no %s (available: %s) — choose one of the available resolutions", e.path, e.what, e.available)
}

func (e *noMapsError) BadInput() bool { return true }

// selectMaps filters FindAttention's table by sel. An empty result is a *noMapsError.
func selectMaps(path string, all []onnxgraph.Attention, sel AttentionSelection) ([]onnxgraph.Attention, error) {
	var out []onnxgraph.Attention
	for _, a := range all {
		if a.Kind != sel.Kind || !strings.HasPrefix(a.Path, sel.Block) {
			continue
		}
		if sel.Height > 0 && (a.Height != sel.Height || a.Width != sel.Width) {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, &noMapsError{path: path, what: sel.describe(), available: availableSizes(all, sel.Kind)}
	}
	for _, a := range out {
		if a.Heads <= 0 || a.Height <= 0 || a.Width <= 0 {
			return nil, modelError{path, fmt.Sprintf("attention %s: cannot tell its head count or map size from the graph — nudge needs a torch.onnx export of a diffusers UNet", a.Path)}
		}
	}
	return out, nil
}

// availableSizes lists the map sizes of one kind with their layer counts, e.g.
// "16×16 (5 layers), 32×32 (5 layers)".
func availableSizes(all []onnxgraph.Attention, kind string) string {
	count := map[[2]int]int{}
	for _, a := range all {
		if a.Kind == kind {
			count[[2]int{a.Height, a.Width}]++
		}
	}
	if len(count) == 0 {
		return "no " + kind + "-attention at all"
	}
	sizes := make([][2]int, 0, len(count))
	for s := range count {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i][0]*sizes[i][1] > sizes[j][0]*sizes[j][1] })
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		unit := "layers"
		if count[s] == 1 {
			unit = "layer"
		}
		parts[i] = fmt.Sprintf("%d×%d (%d %s)", s[0], s[1], count[s], unit)
	}
	return strings.Join(parts, ", ")
}
