package runtime

import (
	"fmt"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// DType is a tensor element type a model may declare on its inputs and outputs.
type DType int

const (
	Float32 DType = iota
	Float16
	Float64
	Int32
	Int64
	OtherDType
)

func (d DType) String() string {
	return [...]string{"float32", "float16", "float64", "int32", "int64", "other"}[d]
}

// IOSpec is one declared input or output: its element type and dims, with -1 for a dynamic
// (symbolic) dimension. nudge reads these from the graph instead of assuming them, because
// real exports disagree (docs/references.md, "ONNX exports in the wild": int32 vs int64 input_ids;
// timestep int64/float/ float16, shaped [1], [B] or scalar).
type IOSpec struct {
	Name  string
	DType DType
	Dims  []int64
}

// Static reports whether every dimension is fixed.
func (s IOSpec) Static() bool {
	for _, d := range s.Dims {
		if d < 0 {
			return false
		}
	}
	return true
}

func dtypeOf(elem int32) DType {
	switch onnxpb.TensorProto_DataType(elem) {
	case onnxpb.TensorProto_FLOAT:
		return Float32
	case onnxpb.TensorProto_FLOAT16:
		return Float16
	case onnxpb.TensorProto_DOUBLE:
		return Float64
	case onnxpb.TensorProto_INT32:
		return Int32
	case onnxpb.TensorProto_INT64:
		return Int64
	}
	return OtherDType
}

// readIOSpecs parses a model file's declared graph inputs (less initializers, which old IR
// versions list as inputs too) and outputs. onnxgraph's lazy loader leaves external weight
// files and large inline weights on disk, so this costs the size of the graph, not the model.
func readIOSpecs(path string) (inputs, outputs []IOSpec, err error) {
	m, err := onnxgraph.Load(path)
	if err != nil {
		return nil, nil, err
	}
	g := m.Graph()
	if g == nil {
		return nil, nil, modelError{path, "the ONNX model has no graph"}
	}
	if _, err := m.ExternalFiles(); err != nil { // before ORT opens them: missing, FIFO, outside
		return nil, nil, err
	}
	inits := map[string]bool{}
	for _, t := range g.GetInitializer() {
		inits[t.GetName()] = true
	}
	for _, v := range g.GetInput() {
		if !inits[v.GetName()] {
			inputs = append(inputs, specOf(v))
		}
	}
	for _, v := range g.GetOutput() {
		outputs = append(outputs, specOf(v))
	}
	if err := checkDTypes(path, "input", g.GetInput(), inits); err != nil {
		return nil, nil, err
	}
	return inputs, outputs, checkDTypes(path, "output", g.GetOutput(), nil)
}

// checkDTypes refuses, when the model is opened, element types nudge cannot feed or read
// (bfloat16, bool, strings…): ORT would otherwise allocate such an output and onnxruntime_go
// fail to wrap it, deep inside the first render.
func checkDTypes(path, role string, vs []*onnxpb.ValueInfoProto, skip map[string]bool) error {
	for _, v := range vs {
		elem := v.GetType().GetTensorType().GetElemType()
		if skip[v.GetName()] || dtypeOf(elem) != OtherDType {
			continue
		}
		name := strings.ToLower(onnxpb.TensorProto_DataType(elem).String())
		if v.GetType().GetTensorType() == nil {
			name = "not a tensor"
		}
		return modelError{path, fmt.Sprintf("%s %q is %s; nudge handles float32, float16, float64, int32 and int64 — export the model with those types",
			role, v.GetName(), name)}
	}
	return nil
}

func specOf(v *onnxpb.ValueInfoProto) IOSpec {
	tt := v.GetType().GetTensorType()
	s := IOSpec{Name: v.GetName(), DType: dtypeOf(tt.GetElemType())}
	for _, d := range tt.GetShape().GetDim() {
		if dv, ok := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue); ok {
			s.Dims = append(s.Dims, dv.DimValue)
		} else {
			s.Dims = append(s.Dims, -1)
		}
	}
	return s
}

// modelError is a problem with a model file the user pointed nudge at.
type modelError struct{ path, what string }

func (e modelError) Error() string  { return e.path + ": " + e.what }
func (e modelError) BadInput() bool { return true }
