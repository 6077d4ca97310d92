package onnxgraph

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TensorData is a tensor's value in ONNX's raw layout: little-endian elements in row-major order.
type TensorData struct {
	Name     string
	DataType onnxpb.TensorProto_DataType
	Dims     []int64
	Raw      []byte
}

// ReadInitializer returns an initializer's value, wherever it is stored: inline raw_data
// (possibly still in the model file), typed fields, or an external-data file. Only this call
// and Save read weights.
func (m *Model) ReadInitializer(name string) (*TensorData, error) {
	t := m.Initializer(name)
	if t == nil {
		return nil, fmt.Errorf("model has no initializer %q", sanitize(name))
	}
	raw, err := m.tensorBytes(t)
	if err != nil {
		return nil, err
	}
	return &TensorData{Name: t.GetName(), DataType: onnxpb.TensorProto_DataType(t.GetDataType()), Dims: t.GetDims(), Raw: raw}, nil
}

// TensorValue decodes a tensor proto that holds its own data (a Constant node's value).
func TensorValue(t *onnxpb.TensorProto) (*TensorData, error) {
	if isExternal(t) {
		return nil, fmt.Errorf("tensor %q is external; read it through its Model", sanitize(t.GetName()))
	}
	raw, err := typedBytes(t)
	if err != nil {
		return nil, err
	}
	return &TensorData{Name: t.GetName(), DataType: onnxpb.TensorProto_DataType(t.GetDataType()), Dims: t.GetDims(), Raw: raw}, nil
}

// tensorBytes fetches a tensor's raw bytes from wherever they live.
func (m *Model) tensorBytes(t *onnxpb.TensorProto) ([]byte, error) {
	if s, ok := m.inline[t]; ok {
		return readSpan(m.source, s.off, s.n)
	}
	if !isExternal(t) {
		return typedBytes(t)
	}
	ref, err := parseExternal(t)
	if err != nil {
		return nil, badModel(m.Path, "", "%v", err)
	}
	path, err := m.resolve(ref.location)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, badModel(m.Path, "keep the weights file next to the model", "external data file %q is missing", sanitize(ref.location))
	}
	size := ref.size
	if size < 0 {
		size = st.Size() - ref.offset
	}
	return readSpan(path, ref.offset, size)
}

// readSpan reads n bytes at off from a file, with an error naming the file if it is short.
// The size is checked before allocating, since offsets and lengths come from the model.
func readSpan(path string, off, n int64) ([]byte, error) {
	f, st, err := modelfile.Open(path)
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if n < 0 || off < 0 || off > st.Size() || n > st.Size()-off {
		return nil, badModel(path, "the file looks truncated or the model is corrupt", "has %d bytes; the model wants %d at offset %d", st.Size(), n, off)
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, badModel(path, "the file looks truncated; download it again", "ends before byte %d", off+n)
		}
		return nil, fmt.Errorf("%s: %w", sanitize(path), err)
	}
	return buf, nil
}

// typedBytes converts a tensor's in-proto data (raw_data or a typed field) to raw layout.
func typedBytes(t *onnxpb.TensorProto) ([]byte, error) {
	if t.GetRawData() != nil {
		return t.GetRawData(), nil
	}
	dt := onnxpb.TensorProto_DataType(t.GetDataType())
	var out []byte
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		for _, v := range t.GetFloatData() {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	case onnxpb.TensorProto_DOUBLE:
		for _, v := range t.GetDoubleData() {
			out = binary.LittleEndian.AppendUint64(out, math.Float64bits(v))
		}
	case onnxpb.TensorProto_INT64:
		for _, v := range t.GetInt64Data() {
			out = binary.LittleEndian.AppendUint64(out, uint64(v))
		}
	case onnxpb.TensorProto_UINT64, onnxpb.TensorProto_UINT32:
		return uintBytes(t.GetUint64Data(), elemSize(dt)), nil
	default:
		n := elemSize(dt)
		if n == 0 {
			return nil, fmt.Errorf("tensor %q has data type %s, which nudge cannot read", sanitize(t.GetName()), dt)
		}
		// int32_data carries INT32 and every narrower type, one element per entry (onnx.proto).
		for _, v := range t.GetInt32Data() {
			out = appendLE(out, uint64(uint32(v)), n)
		}
	}
	return out, nil
}

func uintBytes(vs []uint64, size int) []byte {
	var out []byte
	for _, v := range vs {
		out = appendLE(out, v, size)
	}
	return out
}

// appendLE appends the low size bytes of v, little-endian.
func appendLE(out []byte, v uint64, size int) []byte {
	for i := 0; i < size; i++ {
		out = append(out, byte(v>>(8*i)))
	}
	return out
}

// elemSize is the byte size of one element, or 0 for types without a fixed size.
func elemSize(dt onnxpb.TensorProto_DataType) int {
	switch dt {
	case onnxpb.TensorProto_BOOL, onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8:
		return 1
	case onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16, onnxpb.TensorProto_INT16, onnxpb.TensorProto_UINT16:
		return 2
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT32, onnxpb.TensorProto_UINT32:
		return 4
	case onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_INT64, onnxpb.TensorProto_UINT64, onnxpb.TensorProto_COMPLEX64:
		return 8
	case onnxpb.TensorProto_COMPLEX128:
		return 16
	}
	return 0
}

// Initializer finds an initializer by name, or nil.
func (m *Model) Initializer(name string) *onnxpb.TensorProto {
	for _, t := range m.Graph().GetInitializer() {
		if t.GetName() == name {
			return t
		}
	}
	return nil
}

// Materialize reads every large inline initializer back into its raw_data, so Proto can be
// marshalled by code outside this package. It costs the model's inline weight size in memory.
func (m *Model) Materialize() error {
	for t, s := range m.inline {
		raw, err := readSpan(m.source, s.off, s.n)
		if err != nil {
			return err
		}
		t.RawData = raw
		delete(m.inline, t)
	}
	return nil
}
