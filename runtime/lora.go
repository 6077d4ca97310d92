package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/runtime/lora"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// LoRA is one LoRA file applied to a render at a scale (A1111's <lora:name:scale>).
type LoRA struct {
	Path  string
	Scale float64
}

// AppliedLoRA is what a render used: the file's SHA-256 (as sessions record it) and scale.
type AppliedLoRA struct {
	Path, SHA256 string
	Scale        float64
}

// loraComponent is one component (UNet or text encoder) with LoRAs merged in. The weights
// the LoRAs touch are graph inputs of a copy of the graph (the initializers promoted, so ORT
// holds no copy of them); Go keeps their base values and feeds W + Σ s·(α/r)·B·A. A scale
// change re-merges in Go and opens nothing; a LoRA that touches other weights opens a new
// copy of the graph (docs/lora-lcm.md, "Why a merge in Go").
type loraComponent struct {
	base    *Component // the unpatched component, restored when no LoRA touches it
	index   *lora.Index
	names   []string // promoted initializers of patched
	patched *Component
	bases   map[string][]float32
	merged  map[string][]float32 // the buffers ORT reads the patched weights from, reused
	state   string               // files and scales merged into patched's feeds
	changed bool                 // the feeds changed since the model last looked
}

// loraState is a model's LoRA cache: loaded files and the two patchable components.
type loraState struct {
	files map[string]*lora.File // by path|size|mtime
	unet  *loraComponent
	text  *loraComponent
}

// applyLoRAs makes m.UNet and m.Text the components the request's LoRAs ask for.
func (m *Model) applyLoRAs(loras []LoRA) ([]AppliedLoRA, error) {
	if len(loras) == 0 && m.lora == nil {
		return nil, nil
	}
	if m.lora == nil {
		m.lora = &loraState{files: map[string]*lora.File{}}
	}
	uses, applied, err := m.loadLoRAs(loras)
	if err != nil {
		return nil, err
	}
	if m.lora.unet == nil {
		m.lora.unet = &loraComponent{base: m.UNet}
		m.lora.text = &loraComponent{base: m.Text}
	}
	unet, err := m.lora.unet.apply(lora.UNet, uses, m.Options)
	if err != nil {
		return nil, err
	}
	text, err := m.lora.text.apply(lora.TextEncoder, uses, m.Options)
	if err != nil {
		return nil, err
	}
	if text != m.Text || m.lora.text.changed {
		clear(m.embeds) // prompt embeddings depend on the text encoder's weights
	}
	m.lora.text.changed = false
	m.UNet, m.Text = unet, text
	return applied, nil
}

func (m *Model) loadLoRAs(loras []LoRA) ([]lora.Use, []AppliedLoRA, error) {
	var uses []lora.Use
	var applied []AppliedLoRA
	for _, l := range loras {
		fi, err := os.Stat(l.Path)
		if err != nil {
			return nil, nil, &lora.FileError{Path: l.Path, Msg: "cannot read it: " + oneLine(unwrapPathError(err))}
		}
		key := l.Path + "|" + strconv.FormatInt(fi.Size(), 10) + "|" + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
		f := m.lora.files[key]
		if f == nil {
			if f, err = lora.Load(l.Path); err != nil {
				return nil, nil, err
			}
			m.lora.files[key] = f
		}
		uses = append(uses, lora.Use{File: f, Scale: l.Scale})
		applied = append(applied, AppliedLoRA{Path: l.Path, SHA256: f.SHA256, Scale: l.Scale})
	}
	return uses, applied, nil
}

// apply returns the component to run: the base one when no LoRA touches comp, else the
// patched one with its feeds merged for these scales.
func (lc *loraComponent) apply(comp lora.Component, uses []lora.Use, o Options) (*Component, error) {
	if len(uses) == 0 {
		return lc.base, nil
	}
	if lc.index == nil {
		g, err := onnxgraph.Load(lc.base.Path)
		if err != nil {
			return nil, err
		}
		lc.index = lora.NewIndex(g)
	}
	patches, err := lora.Plan(lc.index, comp, uses)
	if err != nil || len(patches) == 0 {
		return lc.base, err
	}
	if names := lora.Initializers(patches); !slices.Equal(names, lc.names) {
		if err := lc.open(comp, names, o); err != nil {
			return nil, err
		}
	}
	if st := mergeState(uses); st != lc.state {
		if lc.merged == nil {
			lc.merged = map[string][]float32{}
		}
		lora.MergeAll(lc.merged, lc.bases, patches)
		merged := lc.merged
		fixed := make(map[string]Feed, len(patches))
		for _, p := range patches {
			fixed[p.Target.Initializer] = Feed{Shape: p.Target.Dims, F: merged[p.Target.Initializer]}
		}
		lc.patched.fixed, lc.state, lc.changed = fixed, st, true
	}
	return lc.patched, nil
}

// open writes (or finds in the cache) the graph with names promoted to inputs, opens it and
// reads the base values of those weights.
func (lc *loraComponent) open(comp lora.Component, names []string, o Options) error {
	g, err := onnxgraph.Load(lc.base.Path) // a fresh copy: promotion edits it
	if err != nil {
		return err
	}
	bases := make(map[string][]float32, len(names))
	for _, n := range names {
		td, err := g.ReadInitializer(n)
		if err != nil {
			return err
		}
		if bases[n], err = td.Float32s(); err != nil {
			return fmt.Errorf("lora: weight %s: %w", n, err)
		}
		if err := g.PromoteInitializer(n); err != nil {
			return err
		}
	}
	key, err := graphKey(lc.base.Path, "lora|"+strings.Join(names, ","))
	if err != nil {
		return err
	}
	out := filepath.Join(ort.CacheDir(), "prepared", key, string(comp), "model.onnx")
	if !fileExists(out) {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := g.Save(out); err != nil {
			return fmt.Errorf("lora: writing the patched %s graph: %w", comp, err)
		}
	}
	c, err := openComponent(string(comp), out, o)
	if err != nil {
		return err
	}
	lc.patched.Close()
	lc.patched, lc.names, lc.bases, lc.merged, lc.state = c, names, bases, nil, ""
	return nil
}

// mergeState names the files and scales a merge used.
func mergeState(uses []lora.Use) string {
	var b strings.Builder
	for _, u := range uses {
		fmt.Fprintf(&b, "%s:%s:%v;", u.File.Path, u.File.SHA256, u.Scale)
	}
	return b.String()
}

func (lc *loraComponent) close() {
	if lc != nil {
		lc.patched.Close()
	}
}

// LoRAConflictError is a LoRA combined with a feature that runs its own copy of a graph,
// which would not see the merged weights.
type LoRAConflictError struct{ With string }

func (e *LoRAConflictError) Error() string {
	return "lora: cannot be combined with " + e.With + " yet — remove the LoRA or switch that off"
}

// BadInput marks the error as the user's (exit code 2).
func (e *LoRAConflictError) BadInput() bool { return true }

func loraConflict(with string) error { return &LoRAConflictError{With: with} }

// checkLoRAWith refuses the combinations whose graphs are prepared from the base model
// (attention slicing, clip skip): they would silently drop the LoRA.
func (m *Model) checkLoRAWith(req Request) error {
	if len(req.LoRAs) == 0 {
		return nil
	}
	if m.Options.AttentionSlices >= 2 {
		return loraConflict("attention slicing")
	}
	if req.ClipSkip >= 2 {
		return loraConflict("clip skip")
	}
	return nil
}
