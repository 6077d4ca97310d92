package train

import (
	"fmt"

	ortgo "github.com/yalue/onnxruntime_go"
)

// Tensor is a host tensor fed to the training graph: Shape plus exactly one of F32
// (float32), I64 (int64) or I32 (int32) data.
type Tensor struct {
	Shape []int64
	F32   []float32
	I64   []int64
	I32   []int32
}

// numel is the element count of shape.
func numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

func (t Tensor) length() int {
	switch {
	case t.F32 != nil:
		return len(t.F32)
	case t.I64 != nil:
		return len(t.I64)
	}
	return len(t.I32)
}

// value wraps t's data (not copied) as an ORT value.
func (t Tensor) value() (ortgo.Value, error) {
	if int64(t.length()) != numel(t.Shape) {
		return nil, fmt.Errorf("%d values do not fill shape %v", t.length(), t.Shape)
	}
	shape := ortgo.NewShape(t.Shape...)
	scalar := len(t.Shape) == 0
	switch {
	case t.F32 != nil && scalar:
		return ortgo.NewScalar(t.F32[0])
	case t.F32 != nil:
		return ortgo.NewTensor(shape, t.F32)
	case t.I64 != nil && scalar:
		return ortgo.NewScalar(t.I64[0])
	case t.I64 != nil:
		return ortgo.NewTensor(shape, t.I64)
	case t.I32 != nil && scalar:
		return ortgo.NewScalar(t.I32[0])
	case t.I32 != nil:
		return ortgo.NewTensor(shape, t.I32)
	}
	return nil, fmt.Errorf("tensor has no data")
}

// Param is a trained parameter's value: its dims and float32 data (row-major).
type Param struct {
	Dims []int64
	Data []float32
}
