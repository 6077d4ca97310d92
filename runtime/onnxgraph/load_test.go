package onnxgraph

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TestUnknownFieldsSurviveRoundTrip puts fields from a hypothetical newer ONNX into the model,
// graph, a node and the large (lazily read) initializer, and checks Save keeps every one.
func TestUnknownFieldsSurviveRoundTrip(t *testing.T) {
	m := mlpModel()
	unknown := protoreflect.RawFields(protowire.AppendString(protowire.AppendTag(nil, 999, protowire.BytesType), "from the future"))
	holders := func(m *Model) []protoreflect.Message {
		g := m.Graph()
		return []protoreflect.Message{m.Proto.ProtoReflect(), g.ProtoReflect(), g.Node[0].ProtoReflect(), g.Initializer[0].ProtoReflect()}
	}
	for _, h := range holders(m) {
		h.SetUnknown(unknown)
	}
	dir := t.TempDir()
	must(t, m.Save(filepath.Join(dir, "a.onnx")))
	loaded, err := Load(filepath.Join(dir, "a.onnx"))
	must(t, err)
	if _, lazy := loaded.inline[loaded.Graph().Initializer[0]]; !lazy {
		t.Fatal("the 8 KiB initializer was read at load time")
	}
	must(t, loaded.Save(filepath.Join(dir, "b.onnx")))
	again, err := Load(filepath.Join(dir, "b.onnx"))
	must(t, err)
	for i, h := range holders(again) {
		if got := h.GetUnknown(); string(got) != string(unknown) {
			t.Errorf("holder %d lost its unknown field: %q", i, got)
		}
	}
	w := readFloats(t, again, "fc.weight")
	if want := randomFloats(1, 8*256); w[0] != want[0] || w[len(w)-1] != want[len(want)-1] {
		t.Fatal("lazily read initializer has the wrong bytes after two saves")
	}
}

// TestLoadRejectsBadFiles checks each kind of bad model file gives a one-line BadInput error
// naming the file.
func TestLoadRejectsBadFiles(t *testing.T) {
	valid, err := proto.Marshal(mlpModel().Proto)
	must(t, err)
	notModel, err := proto.Marshal(&onnxpb.GraphProto{Name: "a GraphProto decodes as a ModelProto without opsets"})
	must(t, err)
	tests := []struct {
		name    string
		content []byte // nil: do not create the file
		dir     bool
		want    string
	}{
		{"missing", nil, false, "no such file"},
		{"folder", nil, true, "is a folder"},
		{"empty", []byte{}, false, "is empty"},
		{"truncated", valid[:len(valid)/2], false, "truncated"},
		{"text", []byte("{\"_class_name\": \"StableDiffusionPipeline\"}\n"), false, "not a valid ONNX protobuf"},
		{"other protobuf", notModel, false, "not an ONNX model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "model.onnx")
			switch {
			case tc.dir:
				must(t, os.Mkdir(path, 0o755))
			case tc.content != nil:
				must(t, os.WriteFile(path, tc.content, 0o644))
			}
			_, err := Load(path)
			checkBadInput(t, err, path, tc.want)
		})
	}
}
