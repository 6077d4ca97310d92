// Package safetensors reads and writes the safetensors file format
// (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian header
// length N, N bytes of JSON mapping each tensor name to {dtype, shape, data_offsets} (plus an
// optional "__metadata__" object of string values), then the raw little-endian tensor bytes.
// Offsets are relative to the end of the header. nudge uses it for training checkpoints.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// MaxHeaderBytes bounds the JSON header the parser accepts, as the reference implementation
// does (100 MB), so a corrupt length cannot make it allocate gigabytes.
const MaxHeaderBytes = 100 << 20

// Tensor is one named tensor: its dtype as the format spells it ("F32", "F16", "I64", …),
// its shape and its raw little-endian bytes.
type Tensor struct {
	DType string
	Shape []int64
	Data  []byte
}

// File is a parsed safetensors file.
type File struct {
	Tensors  map[string]Tensor
	Metadata map[string]string
}

// FormatError is a file that is not valid safetensors; it is the user's to fix.
type FormatError struct{ Msg string }

func (e *FormatError) Error() string  { return "safetensors: " + e.Msg }
func (e *FormatError) BadInput() bool { return true }

func formatErrorf(format string, a ...any) error {
	return &FormatError{Msg: fmt.Sprintf(format, a...)}
}

// dtypeSizes are the element sizes of the dtypes the format defines.
var dtypeSizes = map[string]int64{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// ElemSize returns the byte size of one element of dtype, or 0 for an unknown dtype.
func ElemSize(dtype string) int64 { return dtypeSizes[dtype] }

type headerEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets [2]int64 `json:"data_offsets"`
}

// Write writes tensors (in name order, so equal inputs give equal bytes) and metadata to w.
// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does,
// so the data that follows stays aligned.
func Write(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for n := range tensors {
		names = append(names, n)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, n := range names {
		t := tensors[n]
		if n == "__metadata__" {
			return fmt.Errorf("safetensors: a tensor cannot be named __metadata__")
		}
		if want, err := byteSize(t.DType, t.Shape); err != nil || want != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: tensor %q: %d bytes do not fit dtype %s shape %v", n, len(t.Data), t.DType, t.Shape)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int64{}
		}
		header[n] = headerEntry{DType: t.DType, Shape: shape, DataOffsets: [2]int64{off, off + int64(len(t.Data))}}
		off += int64(len(t.Data))
	}
	js, err := json.Marshal(header)
	if err != nil {
		return err
	}
	if pad := (8 - len(js)%8) % 8; pad > 0 {
		js = append(js, strings.Repeat(" ", pad)...)
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(js); err != nil {
		return err
	}
	for _, n := range names {
		if _, err := w.Write(tensors[n].Data); err != nil {
			return err
		}
	}
	return nil
}

// byteSize is the data size of a tensor of dtype and shape.
func byteSize(dtype string, shape []int64) (int64, error) {
	size := ElemSize(dtype)
	if size == 0 {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := size
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d", d)
		}
		if d != 0 && n > math.MaxInt64/d {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= d
	}
	return n, nil
}
