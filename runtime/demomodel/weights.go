package demomodel

import (
	"context"
	"encoding/binary"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"io"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// chunkElements bounds the buffer used while streaming a tensor: 256 Ki values.
const chunkElements = 1 << 18

// elementBytes is the stored size of one float of the given type.
func elementBytes(dtype onnxpb.TensorProto_DataType) int64 {
	if dtype == onnxpb.TensorProto_FLOAT16 {
		return 2
	}
	return 4
}

// encodeFloats appends vals little-endian as float32 or IEEE binary16.
func encodeFloats(dst []byte, vals []float32, dtype onnxpb.TensorProto_DataType) []byte {
	for _, v := range vals {
		if dtype == onnxpb.TensorProto_FLOAT16 {
			dst = binary.LittleEndian.AppendUint16(dst, onnxgraph.Float32ToFloat16(v))
		} else {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(v))
		}
	}
	return dst
}

// progress counts weight bytes across all components and reports them to the caller.
type progress struct {
	done, total int64
	report      func(done, total int64)
}

func (p *progress) add(n int64) {
	p.done += n
	if p.report != nil {
		p.report(p.done, p.total)
	}
}

// streamWeight generates w's values from its own seeded stream and writes them in chunks,
// checking for cancellation between chunks.
func streamWeight(ctx context.Context, out io.Writer, w *weightSpec, seed uint64, dtype onnxpb.TensorProto_DataType, p *progress) error {
	rng := tensorRNG(seed, w.key)
	size := min(w.elements(), chunkElements)
	vals := make([]float32, 0, size)
	buf := make([]byte, 0, size*4)
	for left := w.elements(); left > 0; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(left, chunkElements)
		vals = vals[:n]
		for i := range vals {
			vals[i] = w.mean + w.bound*rng.symmetric()
		}
		buf = encodeFloats(buf[:0], vals, dtype)
		if _, err := out.Write(buf); err != nil {
			return err
		}
		p.add(int64(len(buf)))
		left -= n
	}
	return nil
}
