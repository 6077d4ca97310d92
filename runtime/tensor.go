package runtime

import "fmt"

// Tensor is a float32 tensor on the Go side. Components convert to and from the dtype a model
// declares (float16, int32, …) at the ONNX Runtime boundary, so everything in between —
// schedulers, guidance, techniques — works on one type.
type Tensor struct {
	Shape []int64
	Data  []float32
}

// NewTensor allocates a zeroed tensor of the given shape.
func NewTensor(shape ...int64) Tensor {
	return Tensor{Shape: append([]int64(nil), shape...), Data: make([]float32, Elems(shape))}
}

// Elems is the number of elements of a shape (1 for a scalar).
func Elems(shape []int64) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// Row returns the i-th slice along the first axis, sharing memory.
func (t Tensor) Row(i int) []float32 {
	n := len(t.Data) / int(t.Shape[0])
	return t.Data[i*n : (i+1)*n]
}

func (t Tensor) String() string { return fmt.Sprintf("tensor%v", t.Shape) }

// concatRows stacks tensors of equal trailing shape along the first axis.
func concatRows(parts ...Tensor) Tensor {
	shape := append([]int64(nil), parts[0].Shape...)
	shape[0] = 0
	n := 0
	for _, p := range parts {
		shape[0] += p.Shape[0]
		n += len(p.Data)
	}
	out := Tensor{Shape: shape, Data: make([]float32, 0, n)}
	for _, p := range parts {
		out.Data = append(out.Data, p.Data...)
	}
	return out
}

// repeatRows repeats a tensor's single row k times along the first axis.
func repeatRows(t Tensor, k int) Tensor {
	parts := make([]Tensor, k)
	for i := range parts {
		parts[i] = t
	}
	return concatRows(parts...)
}
