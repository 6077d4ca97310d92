package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/autodiff"
	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// preparedFormat names the layout of a prepared folder. Bump it whenever the graphs this file
// or runtime/autodiff emit change, so stale caches are rebuilt rather than reused.
const preparedFormat = "nudge-prepared-v1"

// PrepareSpec says which augmented UNet graphs to build. Attention maps have a query length
// fixed by the latent size, and the gradient graph has pinned shapes, so prepared graphs
// belong to one latent size.
type PrepareSpec struct {
	Select    AttentionSelection
	Gradient  bool // also build the VJP graph ∂(Σ⟨g_i, map_i⟩)/∂sample for batch 1
	KeepNoise bool // the forward graph also outputs the noise prediction (SAG)

	LatentHeight, LatentWidth int
	Keys                      int     // text-encoder sequence length (77)
	Hidden                    int     // encoder_hidden_states width (768 for SD 1.x)
	TimestepShape             []int64 // the timestep shape fed to the VJP graph: [] or [1]
}

func (s PrepareSpec) key() string {
	return fmt.Sprintf("%s|grad=%t|noise=%t|latent=%dx%d|keys=%d|hidden=%d|t=%v",
		s.Select.key(), s.Gradient, s.KeepNoise, s.LatentHeight, s.LatentWidth, s.Keys, s.Hidden, s.TimestepShape)
}

// Prepared is a set of prepared graphs on disk, described by its manifest.json.
type Prepared struct {
	Dir     string         `json:"-"`
	Forward string         `json:"forward"`       // the UNet with the maps as outputs
	VJP     string         `json:"vjp,omitempty"` // the gradient graph; "" without Gradient
	Maps    []AttentionMap `json:"maps"`
	Format  string         `json:"format"`
	Spec    string         `json:"spec"`

	Reused    bool          `json:"-"` // found in the cache
	BuildTime time.Duration `json:"-"` // time spent building (0 when reused)
}

// ForwardPath and VJPPath are the absolute paths of the prepared graphs.
func (p *Prepared) ForwardPath() string { return filepath.Join(p.Dir, p.Forward) }

// VJPPath is "" when no gradient graph was prepared.
func (p *Prepared) VJPPath() string {
	if p.VJP == "" {
		return ""
	}
	return filepath.Join(p.Dir, p.VJP)
}

// PrepareUNet returns the prepared graphs for the UNet at unetPath, building them into
// ort.CacheDir()/prepared/<key>/ unless that folder already holds them. The key is the
// SHA-256 of model.onnx's bytes, the size and mtime of every other file beside it (the
// external weights) and spec. Weights are never copied: onnxgraph's Save hard-links the
// external data files into the cache folder. When that is impossible (the cache is on another
// filesystem) the graphs go next to the UNet instead, named nudge-<key>-*.
func PrepareUNet(ctx context.Context, unetPath string, spec PrepareSpec) (*Prepared, error) {
	key, err := prepareKey(unetPath, spec)
	if err != nil {
		return nil, err
	}
	dir, prefix := filepath.Join(ort.CacheDir(), "prepared", key), ""
	if p, ok := readManifest(dir, prefix); ok {
		return p, nil
	}
	fallback, fallbackPrefix := filepath.Dir(unetPath), "nudge-"+key+"-"
	if p, ok := readManifest(fallback, fallbackPrefix); ok {
		return p, nil
	}
	start := time.Now()
	p, err := buildPrepared(ctx, unetPath, spec, dir, prefix)
	if err != nil && !errors.Is(err, context.Canceled) && !isBadInput(err) {
		p, err = buildPrepared(ctx, unetPath, spec, fallback, fallbackPrefix)
	}
	if err != nil {
		return nil, err
	}
	p.BuildTime = time.Since(start)
	return p, nil
}

func isBadInput(err error) bool {
	var b interface{ BadInput() bool }
	return errors.As(err, &b) && b.BadInput()
}

// prepareKey hashes what the prepared graphs depend on (16 hex digits, as adapt.go's keys).
func prepareKey(unetPath string, spec PrepareSpec) (string, error) {
	return graphKey(unetPath, spec.key())
}

// graphKey hashes a graph file, the files beside it and what is done to it (specKey).
func graphKey(unetPath, specKey string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", preparedFormat, specKey)
	f, _, err := modelfile.Open(unetPath)
	if err != nil {
		return "", modelError{unetPath, "cannot read the UNet: " + oneLine(unwrapPathError(err))}
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", modelError{unetPath, "cannot read the UNet: " + err.Error()}
	}
	entries, err := os.ReadDir(filepath.Dir(unetPath))
	if err != nil {
		return "", err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || e.Name() == filepath.Base(unetPath) || isOurs(e.Name()) {
			continue
		}
		fmt.Fprintf(h, "%s %d %d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// isOurs tells nudge's own files beside a UNet (fallback graphs, temporary saves), which
// must not change the key of the UNet they were prepared from.
func isOurs(name string) bool {
	return strings.HasPrefix(name, "nudge-") || strings.HasPrefix(name, ".nudge-")
}

func readManifest(dir, prefix string) (*Prepared, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, prefix+"manifest.json"))
	if err != nil {
		return nil, false
	}
	p := &Prepared{}
	if json.Unmarshal(raw, p) != nil || p.Format != preparedFormat || !plainName(p.Forward) || (p.VJP != "" && !plainName(p.VJP)) {
		return nil, false
	}
	p.Dir, p.Reused = dir, true
	for _, f := range []string{p.ForwardPath(), p.VJPPath()} {
		if f != "" && !fileExists(f) {
			return nil, false
		}
	}
	return p, true
}

// plainName accepts a manifest's file names only when they stay inside its folder.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && filepath.Base(name) == name
}

// buildPrepared builds the graphs and writes them, the manifest last, so a folder with a
// manifest is always complete.
func buildPrepared(ctx context.Context, unetPath string, spec PrepareSpec, dir, prefix string) (*Prepared, error) {
	g, err := buildGraphs(ctx, unetPath, spec)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	p := &Prepared{Dir: dir, Forward: prefix + "attention.onnx", Maps: g.maps, Format: preparedFormat, Spec: spec.key()}
	if err := g.forward.Save(p.ForwardPath()); err != nil {
		return nil, err
	}
	if g.vjp != nil {
		p.VJP = prefix + "attention_vjp.onnx"
		if err := g.vjp.Save(p.VJPPath()); err != nil {
			return nil, err
		}
	}
	raw, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, prefix+"manifest.json"), raw, 0o666); err != nil {
		return nil, err
	}
	return p, nil
}

// builtGraphs are the graphs buildGraphs made, still in memory.
type builtGraphs struct {
	forward, vjp *onnxgraph.Model
	maps         []AttentionMap
}

// buildGraphs loads the UNet, adds the map outputs and, if asked, builds the VJP graph.
func buildGraphs(ctx context.Context, unetPath string, spec PrepareSpec) (*builtGraphs, error) {
	m, err := onnxgraph.Load(unetPath)
	if err != nil {
		return nil, err
	}
	all, err := onnxgraph.FindAttention(m, spec.LatentHeight, spec.LatentWidth)
	if err != nil {
		return nil, err
	}
	sel, err := selectMaps(unetPath, all, spec.Select)
	if err != nil {
		return nil, err
	}
	if spec.Gradient {
		if err := checkDifferentiable(m, unetPath); err != nil {
			return nil, err
		}
	}
	if err := m.Materialize(); err != nil {
		return nil, err
	}
	maps, err := addMapOutputs(m, sel, spec.Keys, spec.Select.Raw, spec.KeepNoise)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := &builtGraphs{forward: m, maps: maps}
	if spec.Gradient {
		if b.vjp, err = buildVJP(m, unetPath, spec, maps); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// sampleInput is the UNet's latent input (both exporters name it so).
const sampleInput = "sample"

// checkDifferentiable refuses float16 UNets before the VJP builder does, with the fix.
func checkDifferentiable(m *onnxgraph.Model, path string) error {
	vi := m.ValueInfo(sampleInput)
	if vi == nil {
		return modelError{path, "the UNet has no `sample` input"}
	}
	if t := onnxgraph.DTypeName(vi); t != "float" && t != "float32" {
		return modelError{path, fmt.Sprintf("the UNet's sample is %s; gradient techniques (attend-and-excite) need a float32 export — use the fp32 model", t)}
	}
	return nil
}

// buildVJP differentiates Σ⟨g_i, map_i⟩ with respect to the latent for one batch row
// (docs/autodiff.md), keeping the maps as outputs too. The returned model's path is the
// UNet's, so its external-data locations resolve when it is saved elsewhere.
func buildVJP(m *onnxgraph.Model, unetPath string, spec PrepareSpec, maps []AttentionMap) (*onnxgraph.Model, error) {
	outs := make([]string, len(maps))
	for i, a := range maps {
		outs[i] = a.Output
	}
	channels := int64(4)
	if d := onnxgraph.DimStrings(m.ValueInfo(sampleInput)); len(d) == 4 {
		if c, err := strconv.ParseInt(d[1], 10, 64); err == nil && c > 0 {
			channels = c
		}
	}
	req := autodiff.Request{Wrt: []string{sampleInput}, Outputs: outs, KeepForwardOutputs: true,
		PinnedShapes: map[string][]int64{
			sampleInput:             {1, channels, int64(spec.LatentHeight), int64(spec.LatentWidth)},
			"encoder_hidden_states": {1, int64(spec.Keys), int64(spec.Hidden)},
			"timestep":              spec.TimestepShape,
		}}
	vjp, err := autodiff.Build(m.Proto, req)
	if err != nil {
		return nil, fmt.Errorf("%s: building the gradient graph: %w", unetPath, err)
	}
	abs, err := filepath.Abs(unetPath)
	if err != nil {
		return nil, err
	}
	vm := onnxgraph.New(vjp)
	vm.Path = abs
	return vm, nil
}
