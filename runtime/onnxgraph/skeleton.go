package onnxgraph

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers from onnx.proto that the skeleton reader needs.
const (
	fieldModelGraph       = 7 // ModelProto.graph
	fieldGraphInitializer = 5 // GraphProto.initializer
	fieldTensorRawData    = 9 // TensorProto.raw_data
)

// inlineThreshold is the raw_data size above which an initializer's bytes stay in the file.
// Small tensors (shape constants, scales) are kept because graph queries read them.
const inlineThreshold = 4096

// span locates bytes inside the model file.
type span struct{ off, n int64 }

// skeleton is a ModelProto encoding with large initializer raw_data removed, plus where the
// removed bytes live in the file, keyed by the initializer's position in GraphProto.initializer.
type skeleton struct {
	bytes  []byte
	inline map[int]span
}

// readSkeleton copies every field of the model except large initializer raw_data, field by
// field and in file order, so unknown fields survive untouched. The weights of a model stored
// inline (a 500 MB text encoder) are skipped without being read.
func readSkeleton(data []byte) (*skeleton, error) {
	sk := &skeleton{inline: map[int]span{}}
	next := 0
	err := walkFields(data, 0, func(num protowire.Number, typ protowire.Type, field []byte, value []byte, valueOff int64) error {
		if num != fieldModelGraph || typ != protowire.BytesType {
			sk.bytes = append(sk.bytes, field...)
			return nil
		}
		graph, err := graphSkeleton(value, valueOff, sk.inline, &next)
		if err != nil {
			return err
		}
		sk.bytes = protowire.AppendTag(sk.bytes, num, typ)
		sk.bytes = protowire.AppendBytes(sk.bytes, graph)
		return nil
	})
	return sk, err
}

// graphSkeleton rewrites one GraphProto encoding; next counts initializers across repeated
// graph fields, which protobuf merges by appending.
func graphSkeleton(data []byte, base int64, inline map[int]span, next *int) ([]byte, error) {
	var out []byte
	err := walkFields(data, base, func(num protowire.Number, typ protowire.Type, field []byte, value []byte, valueOff int64) error {
		if num != fieldGraphInitializer || typ != protowire.BytesType {
			out = append(out, field...)
			return nil
		}
		tensor, raw, err := tensorSkeleton(value, valueOff)
		if err != nil {
			return err
		}
		if raw.n > 0 {
			inline[*next] = raw
		}
		*next++
		out = protowire.AppendTag(out, num, typ)
		out = protowire.AppendBytes(out, tensor)
		return nil
	})
	return out, err
}

// tensorSkeleton drops a TensorProto's raw_data when it is large and reports where it was.
func tensorSkeleton(data []byte, base int64) ([]byte, span, error) {
	var out []byte
	var raw span
	err := walkFields(data, base, func(num protowire.Number, typ protowire.Type, field []byte, value []byte, valueOff int64) error {
		if num == fieldTensorRawData && typ == protowire.BytesType && len(value) > inlineThreshold {
			raw = span{off: valueOff, n: int64(len(value))}
			return nil
		}
		if num == fieldTensorRawData {
			raw = span{} // a later raw_data replaces an earlier one
		}
		out = append(out, field...)
		return nil
	})
	return out, raw, err
}

// walkFields calls fn for each field of one message encoding: the whole field's bytes, and for
// length-delimited fields the value and its offset in the file.
func walkFields(data []byte, base int64, fn func(num protowire.Number, typ protowire.Type, field, value []byte, valueOff int64) error) error {
	for pos := 0; pos < len(data); {
		num, typ, tagLen := protowire.ConsumeTag(data[pos:])
		if tagLen < 0 {
			return fmt.Errorf("bad field tag at byte %d", base+int64(pos))
		}
		valLen := protowire.ConsumeFieldValue(num, typ, data[pos+tagLen:])
		if valLen < 0 {
			return fmt.Errorf("field %d at byte %d runs past the end of its message (truncated?)", num, base+int64(pos))
		}
		field := data[pos : pos+tagLen+valLen]
		var value []byte
		var valueOff int64
		if typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(data[pos+tagLen:])
			value = v
			valueOff = base + int64(pos+tagLen+n-len(v))
		}
		if err := fn(num, typ, field, value, valueOff); err != nil {
			return err
		}
		pos += tagLen + valLen
	}
	return nil
}
