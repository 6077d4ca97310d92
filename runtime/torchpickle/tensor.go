package torchpickle

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// Tensor is a tensor of the checkpoint: a view (offset, shape, strides in elements) of one
// storage's bytes. DType uses safetensors' spelling (F32, F16, BF16, …).
type Tensor struct {
	DType  string
	Shape  []int64
	Stride []int64
	Offset int64
	store  *storage
}

// storage is one ARCHIVE/data/KEY file: numel elements of dtype.
type storage struct {
	dtype string
	numel int64
	data  []byte
	// budget bounds the bytes of any view of this storage: a stride-0 view of one element
	// may have a shape of billions, and Bytes materialises it.
	budget int64
}

// orderedDict is collections.OrderedDict; backward hooks are pickled as an empty one.
var orderedDict = Global{"collections", "OrderedDict"}

// storageDTypes maps torch's typed storage classes (the type in a persistent id) to dtypes.
var storageDTypes = map[Global]string{
	{"torch", "FloatStorage"}: "F32", {"torch", "HalfStorage"}: "F16",
	{"torch", "BFloat16Storage"}: "BF16", {"torch", "DoubleStorage"}: "F64",
	{"torch", "LongStorage"}: "I64", {"torch", "IntStorage"}: "I32",
	{"torch", "ShortStorage"}: "I16", {"torch", "CharStorage"}: "I8",
	{"torch", "ByteStorage"}: "U8", {"torch", "BoolStorage"}: "BOOL",
}

var elemSizes = map[string]int64{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}

// rebuilders are the callables REDUCE may call, each interpreted here (torch/_utils.py).
var rebuilders = map[Global]func(Tuple) (any, error){
	orderedDict: func(args Tuple) (any, error) {
		if len(args) != 0 {
			return nil, formatErrorf("OrderedDict called with %d arguments", len(args))
		}
		return NewDict(), nil
	},
	{"torch._utils", "_rebuild_tensor_v2"}:            rebuildTensor,
	{"torch._utils", "_rebuild_tensor"}:               rebuildTensor,
	{"torch._utils", "_rebuild_parameter"}:            rebuildParameter,
	{"torch._utils", "_rebuild_parameter_with_state"}: rebuildParameter,
}

func allowedList() string {
	var names []string
	for g := range rebuilders {
		names = append(names, g.String())
	}
	sort.Strings(names)
	return strings.Join(names, ", ") + ", torch.*Storage"
}

// maxDims bounds a tensor's rank; checkpoints rarely go past 5.
const maxDims = 8

// rebuildTensor is _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
// backward_hooks[, metadata]) (and the older 4-argument _rebuild_tensor). The view must lie
// inside its storage.
func rebuildTensor(args Tuple) (any, error) {
	if len(args) < 4 {
		return nil, formatErrorf("tensor rebuilt from %d arguments, want at least 4", len(args))
	}
	st, ok := args[0].(*storage)
	if !ok {
		return nil, formatErrorf("tensor rebuilt from a %s, not a storage", typeName(args[0]))
	}
	offset, ok := args[1].(int64)
	shape, err1 := ints(args[2])
	stride, err2 := ints(args[3])
	if !ok || err1 != nil || err2 != nil || len(shape) != len(stride) || len(shape) > maxDims || offset < 0 {
		return nil, formatErrorf("tensor has a bad offset, shape or stride")
	}
	t := &Tensor{DType: st.dtype, Shape: shape, Stride: stride, Offset: offset, store: st}
	if err := t.checkBounds(); err != nil {
		return nil, err
	}
	return t, nil
}

func rebuildParameter(args Tuple) (any, error) {
	if len(args) < 1 {
		return nil, formatErrorf("parameter rebuilt from no arguments")
	}
	t, ok := args[0].(*Tensor)
	if !ok {
		return nil, formatErrorf("parameter rebuilt from a %s, not a tensor", typeName(args[0]))
	}
	return t, nil
}

func ints(v any) ([]int64, error) {
	t, ok := v.(Tuple)
	if !ok {
		return nil, formatErrorf("want a tuple of ints, got a %s", typeName(v))
	}
	out := make([]int64, len(t))
	for i, e := range t {
		n, ok := e.(int64)
		if !ok || n < 0 {
			return nil, formatErrorf("want a tuple of non-negative ints")
		}
		out[i] = n
	}
	return out, nil
}

// checkBounds makes sure every element of the view is inside the storage, with overflow
// checks, so a hostile shape cannot make Bytes read or allocate out of bounds.
func (t *Tensor) checkBounds() error {
	n, ok := t.numel()
	if !ok {
		return formatErrorf("tensor shape %v overflows", t.Shape)
	}
	if n == 0 {
		return nil
	}
	if n > t.store.budget/elemSizes[t.DType] {
		return formatErrorf("tensor of shape %v is over the %d-byte budget", t.Shape, t.store.budget)
	}
	last := uint64(t.Offset)
	for i, d := range t.Shape {
		hi, lo := bits.Mul64(uint64(d-1), uint64(t.Stride[i]))
		if hi != 0 || lo > 1<<62 {
			return formatErrorf("tensor stride %v overflows", t.Stride)
		}
		last += lo
		if last > 1<<62 {
			return formatErrorf("tensor stride %v overflows", t.Stride)
		}
	}
	if last >= uint64(t.store.numel) {
		return formatErrorf("tensor of shape %v at offset %d reads past its storage of %d elements", t.Shape, t.Offset, t.store.numel)
	}
	return nil
}

// numel is the element count, false when it overflows 2^62.
func (t *Tensor) numel() (int64, bool) {
	n := uint64(1)
	for _, d := range t.Shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > 1<<62 {
			return 0, false
		}
		n = lo
	}
	return int64(n), true
}

// Bytes returns the tensor's elements in row-major order, little-endian, as one new slice.
func (t *Tensor) Bytes() []byte {
	size := elemSizes[t.DType]
	n, _ := t.numel()
	out := make([]byte, 0, n*size)
	if n == 0 {
		return out
	}
	idx := make([]int64, len(t.Shape))
	for {
		at := t.Offset
		for i, k := range idx {
			at += k * t.Stride[i]
		}
		out = append(out, t.store.data[at*size:(at+1)*size]...)
		if !next(idx, t.Shape) {
			return out
		}
	}
}

// next advances a row-major multi-index; false after the last.
func next(idx, shape []int64) bool {
	for i := len(idx) - 1; i >= 0; i-- {
		idx[i]++
		if idx[i] < shape[i] {
			return true
		}
		idx[i] = 0
	}
	return false
}

// Dims is a copy of the shape.
func (t *Tensor) Dims() []int64 { return slices.Clone(t.Shape) }
