// Package textinv reads textual-inversion embeddings (Gal et al., "An Image is Worth One
// Word", 2022): a few learned vectors that stand in the text encoder's token-embedding table
// for a new word. Four layouts are read:
//
//   - diffusers' learned_embeds.safetensors and learned_embeds.bin: {token: tensor [D] or
//     [n, D]} (diffusers' TextualInversionLoaderMixin.load_textual_inversion);
//   - AUTOMATIC1111's .pt: a torch pickle of {"string_to_param": {"*": [n, D]}, "name", …}
//     (modules/textual_inversion/textual_inversion.py, create_embedding_from_data);
//   - AUTOMATIC1111's .safetensors: {"emb_params": [n, D]}.
//
// A1111 names an embedding by its file name; diffusers by its token. Pickles are read by
// runtime/torchpickle, which builds tensors and nothing else.
package textinv

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/safetensors"
	"github.com/nudge-studio/nudge/runtime/torchpickle"
)

// MaxFileBytes bounds an embedding file; real ones are kilobytes (75 vectors of 1024 floats
// are 300 KB), so anything bigger is not an embedding.
const MaxFileBytes = 32 << 20

// maxVectors is A1111's limit in effect: an embedding can take at most one chunk.
const maxVectors = 75

// Embedding is one loaded embedding.
type Embedding struct {
	Name    string // A1111's name: the file name without its extension
	Token   string // diffusers' token (the file's single key), "" for A1111 layouts
	Path    string
	SHA256  string // of the file's bytes, hex
	Vectors [][]float32
}

// Width is the length of each vector (the text encoder's hidden size it was trained for).
func (e *Embedding) Width() int { return len(e.Vectors[0]) }

// FormatError is a file that is not an embedding nudge reads; it is the user's to fix.
type FormatError struct{ Path, Msg string }

func (e *FormatError) Error() string  { return fmt.Sprintf("embedding %s: %s", e.Path, e.Msg) }
func (e *FormatError) BadInput() bool { return true }

// ReadFile reads the embedding at path, whatever its layout (told by its bytes, not its
// extension).
func ReadFile(path string) (*Embedding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FormatError{path, "cannot be opened: " + err.Error()}
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, &FormatError{path, "not a regular file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &FormatError{path, err.Error()}
	}
	if len(data) > MaxFileBytes {
		return nil, &FormatError{path, fmt.Sprintf("larger than %d MB: not an embedding", MaxFileBytes>>20)}
	}
	return Parse(path, data)
}

// Parse reads an embedding from data; path names it (A1111's name is its base name).
func Parse(path string, data []byte) (*Embedding, error) {
	base := filepath.Base(path)
	e := &Embedding{Name: strings.TrimSuffix(base, filepath.Ext(base)), Path: path}
	sum := sha256.Sum256(data)
	e.SHA256 = hex.EncodeToString(sum[:])
	tensors, err := tensorsOf(data)
	if err != nil {
		return nil, &FormatError{path, oneLine(err)}
	}
	t, token, err := pick(tensors)
	if err != nil {
		return nil, &FormatError{path, err.Error()}
	}
	e.Token = token
	if e.Vectors, err = vectors(t); err != nil {
		return nil, &FormatError{path, err.Error()}
	}
	return e, nil
}

// tensorsOf reads a torch zip pickle or a safetensors file into its top-level entries: a
// tensor, or for string_to_param the tensor inside.
func tensorsOf(data []byte) (map[string]any, error) {
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte{0x80, 0x02}) {
		v, err := torchpickle.Read(bytes.NewReader(data), int64(len(data)), MaxFileBytes)
		if err != nil {
			return nil, err
		}
		d, ok := v.(*torchpickle.Dict)
		if !ok {
			return nil, fmt.Errorf("the pickle holds a %T, not a dict", v)
		}
		return fromDict(d, 0), nil
	}
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for k, t := range f.Tensors {
		out[k] = t
	}
	return out, nil
}

// maxDictDepth bounds the nesting fromDict follows: embedding files nest two dicts deep
// (A1111's string_to_param inside the top dict), and a pickle can build a dict that contains
// itself, which unbounded recursion would follow until the stack ran out.
const maxDictDepth = 4

func fromDict(d *torchpickle.Dict, depth int) map[string]any {
	out := map[string]any{}
	if depth > maxDictDepth {
		return out
	}
	for i, k := range d.Keys {
		ks, ok := k.(string)
		if !ok {
			continue
		}
		switch v := d.Values[i].(type) {
		case *torchpickle.Tensor:
			out[ks] = safetensors.Tensor{DType: v.DType, Shape: v.Dims(), Data: v.Bytes()}
		case *torchpickle.Dict:
			out[ks] = fromDict(v, depth+1)
		default:
			out[ks] = v
		}
	}
	return out
}

// pick finds the embedding's tensor in the order A1111's create_embedding_from_data tries
// the layouts, and the diffusers token when the layout has one.
func pick(entries map[string]any) (safetensors.Tensor, string, error) {
	if p, ok := entries["string_to_param"].(map[string]any); ok {
		if len(p) != 1 {
			return safetensors.Tensor{}, "", fmt.Errorf("string_to_param has %d entries, want 1", len(p))
		}
		for _, v := range p {
			if t, ok := v.(safetensors.Tensor); ok {
				return t, "", nil
			}
		}
		return safetensors.Tensor{}, "", fmt.Errorf("string_to_param holds no tensor")
	}
	if t, ok := entries["emb_params"].(safetensors.Tensor); ok {
		return t, "", nil
	}
	if _, ok := entries["clip_l"]; ok {
		return safetensors.Tensor{}, "", fmt.Errorf("an SDXL embedding (clip_l + clip_g): nudge runs one CLIP text encoder (SD 1.x/2.x)")
	}
	if len(entries) == 1 {
		for k, v := range entries {
			if t, ok := v.(safetensors.Tensor); ok {
				return t, k, nil
			}
		}
	}
	return safetensors.Tensor{}, "", fmt.Errorf("no embedding in it: want string_to_param (A1111 .pt), emb_params (A1111 .safetensors) or one token's tensor (diffusers learned_embeds)")
}

// vectors turns a [D] or [n, D] tensor of F32/F16/BF16/F64 into n float32 vectors.
func vectors(t safetensors.Tensor) ([][]float32, error) {
	shape := t.Shape
	if len(shape) == 1 {
		shape = []int64{1, shape[0]}
	}
	if len(shape) != 2 || shape[0] < 1 || shape[1] < 1 {
		return nil, fmt.Errorf("tensor of shape %v: want [width] or [vectors, width]", t.Shape)
	}
	if shape[0] > maxVectors {
		return nil, fmt.Errorf("%d vectors: more than the %d tokens of a prompt chunk", shape[0], maxVectors)
	}
	flat, err := float32s(t)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, shape[0])
	for i := range out {
		out[i] = flat[int64(i)*shape[1] : int64(i+1)*shape[1]]
	}
	return out, nil
}

func float32s(t safetensors.Tensor) ([]float32, error) {
	size := map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8}[t.DType]
	if size == 0 {
		return nil, fmt.Errorf("tensor of dtype %s: want F32, F16, BF16 or F64", t.DType)
	}
	out := make([]float32, len(t.Data)/size)
	for i := range out {
		b := t.Data[i*size:]
		switch t.DType {
		case "F32":
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
		case "F16":
			out[i] = onnxgraph.Float16ToFloat32(binary.LittleEndian.Uint16(b))
		case "BF16":
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
		case "F64":
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
	}
	return out, nil
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
