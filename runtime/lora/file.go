package lora

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/safetensors"
)

// maxFileBytes bounds a LoRA file: SD 1.x LoRAs are 2–300 MB; a full fine-tune is not a LoRA.
const maxFileBytes = 2 << 30

// Module is one patched layer: ΔW = Alpha/Rank · Up·Down, Up [out, rank], Down [rank, in…]
// (a Conv LoRA's Down keeps its kernel: [rank, in, kh, kw], flattened to [rank, in·kh·kw]).
type Module struct {
	Key       Key // Part is meaningless here
	Up, Down  []float32
	Out, In   int // In is in·kh·kw for a Conv LoRA
	Rank      int
	Alpha     float64 // the file's α, or Rank when it has none (kohya's and PEFT's default)
	DownShape []int64
}

// Factor is α/rank, the per-module multiplier of B·A.
func (m *Module) Factor() float64 { return m.Alpha / float64(m.Rank) }

// File is a loaded LoRA.
type File struct {
	Path    string
	SHA256  string // hex of the file's bytes, as sessions record it
	Modules []*Module
}

// FileError is a LoRA file nudge refuses; it is the user's to fix.
type FileError struct{ Path, Msg string }

func (e *FileError) Error() string { return fmt.Sprintf("lora %s: %s", filepath.Base(e.Path), e.Msg) }

// BadInput marks the error as the user's (exit code 2).
func (e *FileError) BadInput() bool { return true }

// Load reads a kohya or diffusers/PEFT LoRA safetensors file.
func Load(path string) (*File, error) {
	data, err := modelfile.ReadFile(path, maxFileBytes)
	if err != nil {
		return nil, &FileError{path, "cannot read it: " + firstLine(err)}
	}
	sum := sha256.Sum256(data)
	st, err := safetensors.Parse(data)
	if err != nil {
		return nil, &FileError{path, firstLine(err) + " — is it a .safetensors LoRA?"}
	}
	mods, err := modules(st)
	if err != nil {
		return nil, &FileError{path, firstLine(err)}
	}
	if len(mods) == 0 {
		return nil, &FileError{path, "holds no LoRA tensors"}
	}
	return &File{Path: path, SHA256: hex.EncodeToString(sum[:]), Modules: mods}, nil
}

// modules groups a file's tensors by module and checks each group's shapes.
func modules(st *safetensors.File) ([]*Module, error) {
	type group struct {
		up, down, alpha *safetensors.Tensor
		key             Key
	}
	groups := map[string]*group{}
	names := make([]string, 0, len(st.Tensors))
	for name := range st.Tensors {
		names = append(names, name)
	}
	slices.Sort(names) // the first bad key is reported deterministically
	for _, name := range names {
		k, err := ParseKey(name)
		if err != nil {
			return nil, err
		}
		id := string(k.Component) + "|" + k.Module
		g := groups[id]
		if g == nil {
			g = &group{key: Key{Component: k.Component, Module: k.Module, Flat: k.Flat}}
			groups[id] = g
		}
		t := st.Tensors[name]
		switch k.Part {
		case Up:
			g.up = &t
		case Down:
			g.down = &t
		default:
			g.alpha = &t
		}
	}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]*Module, 0, len(ids))
	for _, id := range ids {
		g := groups[id]
		m, err := newModule(g.key, g.up, g.down, g.alpha)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func newModule(k Key, up, down, alpha *safetensors.Tensor) (*Module, error) {
	where := string(k.Component) + " " + k.Module
	if up == nil || down == nil {
		return nil, fmt.Errorf("%s: has only one of the up/down (lora_B/lora_A) pair", clipName(where))
	}
	if len(up.Shape) != 2 && !(len(up.Shape) == 4 && up.Shape[2] == 1 && up.Shape[3] == 1) {
		return nil, fmt.Errorf("%s: up has shape %v, want [out, rank] or [out, rank, 1, 1]", clipName(where), up.Shape)
	}
	if len(down.Shape) != 2 && len(down.Shape) != 4 {
		return nil, fmt.Errorf("%s: down has shape %v, want [rank, in] or [rank, in, kh, kw]", clipName(where), down.Shape)
	}
	rank := down.Shape[0]
	if up.Shape[1] != rank || rank < 1 {
		return nil, fmt.Errorf("%s: up %v and down %v disagree on the rank", clipName(where), up.Shape, down.Shape)
	}
	in := int64(1)
	for _, d := range down.Shape[1:] {
		in *= d
	}
	m := &Module{Key: k, Out: int(up.Shape[0]), In: int(in), Rank: int(rank), Alpha: float64(rank), DownShape: slices.Clone(down.Shape)}
	var err error
	if m.Up, err = floats(up, m.Out*m.Rank); err != nil {
		return nil, fmt.Errorf("%s: up: %v", clipName(where), err)
	}
	if m.Down, err = floats(down, m.Rank*m.In); err != nil {
		return nil, fmt.Errorf("%s: down: %v", clipName(where), err)
	}
	if alpha != nil {
		a, err := floats(alpha, 1)
		if err != nil || math.IsNaN(float64(a[0])) || math.IsInf(float64(a[0]), 0) {
			return nil, fmt.Errorf("%s: alpha must be one finite number", clipName(where))
		}
		m.Alpha = float64(a[0])
	}
	return m, nil
}

// floats decodes an F32, F16 or BF16 tensor of n finite values.
func floats(t *safetensors.Tensor, n int) ([]float32, error) {
	size := int(safetensors.ElemSize(t.DType))
	if len(t.Data) != n*size {
		return nil, fmt.Errorf("%d bytes of %s for %d values", len(t.Data), t.DType, n)
	}
	out := make([]float32, n)
	for i := range out {
		switch t.DType {
		case "F32":
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
		case "F16":
			out[i] = onnxgraph.Float16ToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
		case "BF16":
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(t.Data[2*i:])) << 16)
		default:
			return nil, fmt.Errorf("dtype %s is not supported (F32, F16 or BF16)", t.DType)
		}
		if math.IsNaN(float64(out[i])) || math.IsInf(float64(out[i]), 0) {
			return nil, fmt.Errorf("value %d is not finite", i)
		}
	}
	return out, nil
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
