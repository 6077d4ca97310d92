package demomodel

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// externalAlign pads each external tensor's offset so ORT may memory-map it.
const externalAlign = 4096

// Field numbers from onnx.proto, used to stream messages whose raw data is too large to
// build in memory: a protobuf message may be split into concatenated field runs.
const (
	fieldModelGraph      = 7
	fieldGraphInitalizer = 5
	fieldTensorRawData   = 9
)

// component is one ONNX file to write and where its weights go.
type component struct {
	path     string // relative to the model folder, e.g. "unet/model.onnx"
	external string // data file name beside path ("model.onnx_data", "weights.pb"), "" = inline
	graph    *graph
}

// seed derives the component's own seed so equal module paths in two files (say, a VAE
// and TAESD "decoder") still get independent weights.
func (c *component) seed(model uint64) uint64 { return tensorRNG(model, c.path).next() }

func (c *component) weightBytes() int64 {
	var n int64
	for _, w := range c.graph.weights {
		n += w.elements() * elementBytes(c.graph.dtype)
	}
	return n
}

func (c *component) modelProto() *onnxpb.ModelProto {
	g := c.graph
	ir := int64(8)
	if g.opset < 17 {
		ir = 7
	}
	return &onnxpb.ModelProto{
		IrVersion: ir, ProducerName: "nudge-demomodel", ProducerVersion: "1",
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: g.opset}},
		Graph:       &onnxpb.GraphProto{Name: "main_graph", Node: g.nodes, Input: g.inputs, Output: g.outputs},
	}
}

func tensorHeader(w *weightSpec, dtype onnxpb.TensorProto_DataType) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: w.name, Dims: w.dims, DataType: int32(dtype)}
}

var marshal = proto.MarshalOptions{Deterministic: true}

// save writes the component under root, generating weights from seed.
func (c *component) save(ctx context.Context, root string, seed uint64, p *progress) error {
	path := filepath.Join(root, c.path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if c.external != "" {
		return c.saveExternal(ctx, path, filepath.Join(filepath.Dir(path), c.external), seed, p)
	}
	return c.saveInline(ctx, path, seed, p)
}

// saveExternal writes model.onnx with every weight pointing into one data file
// (data_location EXTERNAL, external_data location/offset/length), then streams the data.
func (c *component) saveExternal(ctx context.Context, modelPath, dataPath string, seed uint64, p *progress) error {
	m := c.modelProto()
	dtype := c.graph.dtype
	var offset int64
	for _, w := range c.graph.weights {
		t := tensorHeader(w, dtype)
		length := w.elements() * elementBytes(dtype)
		t.DataLocation = onnxpb.TensorProto_EXTERNAL
		t.ExternalData = []*onnxpb.StringStringEntryProto{
			{Key: "location", Value: c.external},
			{Key: "offset", Value: strconv.FormatInt(offset, 10)},
			{Key: "length", Value: strconv.FormatInt(length, 10)},
		}
		m.Graph.Initializer = append(m.Graph.Initializer, t)
		offset = alignUp(offset+length, externalAlign)
	}
	b, err := marshal.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(modelPath, b, 0o666); err != nil {
		return err
	}
	return writeFileStreamed(dataPath, func(out *bufio.Writer) error {
		var at int64
		for _, w := range c.graph.weights {
			if err := streamWeight(ctx, out, w, c.seed(seed), dtype, p); err != nil {
				return err
			}
			at += w.elements() * elementBytes(dtype)
			pad := alignUp(at, externalAlign) - at
			if _, err := out.Write(make([]byte, pad)); err != nil {
				return err
			}
			at += pad
		}
		return nil
	})
}

// saveInline streams a self-contained model: the graph without initializers is marshalled,
// then each initializer is appended as a GraphProto field-5 record whose raw_data is
// generated on the fly. All lengths are known up front, so nothing large is buffered.
func (c *component) saveInline(ctx context.Context, modelPath string, seed uint64, p *progress) error {
	m := c.modelProto()
	graphMsg := m.Graph
	m.Graph = nil
	head, err := marshal.Marshal(m)
	if err != nil {
		return err
	}
	graphBytes, err := marshal.Marshal(graphMsg)
	if err != nil {
		return err
	}
	dtype := c.graph.dtype
	headers := make([][]byte, len(c.graph.weights))
	graphSize := int64(len(graphBytes))
	for i, w := range c.graph.weights {
		if headers[i], err = marshal.Marshal(tensorHeader(w, dtype)); err != nil {
			return err
		}
		graphSize += fieldSize(fieldGraphInitalizer, tensorRecordSize(headers[i], w.elements()*elementBytes(dtype)))
	}
	return writeFileStreamed(modelPath, func(out *bufio.Writer) error {
		b := protowire.AppendTag(head, fieldModelGraph, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(graphSize))
		if _, err := out.Write(append(b, graphBytes...)); err != nil {
			return err
		}
		for i, w := range c.graph.weights {
			raw := w.elements() * elementBytes(dtype)
			b := protowire.AppendTag(nil, fieldGraphInitalizer, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(tensorRecordSize(headers[i], raw)))
			b = append(b, headers[i]...)
			b = protowire.AppendTag(b, fieldTensorRawData, protowire.BytesType)
			b = protowire.AppendVarint(b, uint64(raw))
			if _, err := out.Write(b); err != nil {
				return err
			}
			if err := streamWeight(ctx, out, w, c.seed(seed), dtype, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// tensorRecordSize is the encoded size of a TensorProto: header fields plus raw_data.
func tensorRecordSize(header []byte, raw int64) int64 {
	return int64(len(header)) + fieldSize(fieldTensorRawData, raw)
}

// fieldSize is the encoded size of a length-delimited field with an n-byte payload.
func fieldSize(num protowire.Number, n int64) int64 {
	return int64(protowire.SizeTag(num)+protowire.SizeVarint(uint64(n))) + n
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// writeFileStreamed creates path and lets fill write through a buffer.
func writeFileStreamed(path string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(f, 1<<20)
	if err := fill(out); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := out.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
