package runtime

import "github.com/nudge-studio/nudge/runtime/onnxgraph"

// float16 at the ORT boundary: ONNX Runtime takes and returns float16 as raw little-endian
// bytes and onnxruntime_go has no float16 element type, so nudge converts here, with
// onnxgraph's round-to-nearest-even converters (numpy's astype(float16)).

func encodeF16(src []float32) []byte {
	out := make([]byte, 2*len(src))
	for i, v := range src {
		h := onnxgraph.Float32ToFloat16(v)
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}

func decodeF16(src []byte) []float32 {
	out := make([]float32, len(src)/2)
	for i := range out {
		out[i] = onnxgraph.Float16ToFloat32(uint16(src[2*i]) | uint16(src[2*i+1])<<8)
	}
	return out
}
