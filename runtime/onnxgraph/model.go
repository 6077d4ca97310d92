// Package onnxgraph reads, queries, edits and writes ONNX models without touching their
// weights unless asked: a Stable Diffusion UNet's model.onnx is about 1 MB while its external
// data (weights.pb, model.onnx_data, model.onnx.data) is several GB (docs/references.md, "ONNX
// exports in the wild"). It also finds the attention probability tensors of torch-exported UNets
// (FindAttention) and summarises a pipeline folder (Inspect).
package onnxgraph

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Model is an ONNX model held as its protobuf, plus where it came from so that external data
// and inline weights left on disk can still be found.
//
// Large inline initializers (raw_data over 4 KiB inside model.onnx) are not read by Load: their
// TensorProto has empty raw_data in Proto until ReadInitializer or Save fetches the bytes from
// the source file. Code that marshals Proto itself must call Materialize first.
type Model struct {
	Proto *onnxpb.ModelProto
	// Path is the absolute path of the file the model was loaded from or last saved to; external
	// data locations are relative to its folder. It is "" for a model built in memory.
	Path string

	source string                       // file holding the inline bytes below
	inline map[*onnxpb.TensorProto]span // initializers whose raw_data is still in source
}

// New wraps a ModelProto built in memory; its Path stays empty until Save.
func New(p *onnxpb.ModelProto) *Model {
	return &Model{Proto: p}
}

// Load reads the graph of an .onnx file, leaving external data files unread and large inline
// initializers in the file. Problems the user must fix come back as *BadModelError.
func Load(path string) (*Model, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, badModel(path, "", "cannot resolve path: %v", err)
	}
	sk, err := readModelFile(abs)
	if err != nil {
		return nil, err
	}
	p := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(sk.bytes, p); err != nil {
		return nil, badModel(path, "the file may be truncated or corrupt; export or download it again",
			"not a valid ONNX protobuf (%s)", firstLine(err))
	}
	if err := checkModel(p); err != nil {
		return nil, badModel(path, "is this an ONNX model?", "%s", err)
	}
	m := &Model{Proto: p, Path: abs, source: abs, inline: map[*onnxpb.TensorProto]span{}}
	inits := p.GetGraph().GetInitializer()
	for i, s := range sk.inline {
		if i >= len(inits) {
			return nil, badModel(path, "", "initializer table is inconsistent (corrupt file)")
		}
		m.inline[inits[i]] = s
	}
	return m, nil
}

// readModelFile maps the file and extracts its skeleton.
func readModelFile(path string) (*skeleton, error) {
	f, st, err := modelfile.Open(path)
	var nr *modelfile.NotRegularError
	if errors.As(err, &nr) && nr.Mode.IsDir() {
		return nil, badModel(path, "pass the .onnx file inside it, or use `nudge inspect` on a pipeline folder", "is a folder, not an .onnx file")
	}
	if err != nil {
		return nil, openError(path, err)
	}
	defer f.Close()
	if st.Size() == 0 {
		return nil, badModel(path, "export or download it again", "is empty")
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return nil, openError(path, err)
	}
	defer unmap()
	sk, err := readSkeleton(data)
	if err != nil {
		return nil, badModel(path, "the file may be truncated or corrupt; export or download it again", "not a valid ONNX protobuf: %v", err)
	}
	return sk, nil
}

func openError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return badModel(path, "check the path", "no such file")
	}
	if errors.Is(err, fs.ErrPermission) {
		return badModel(path, "check its permissions", "cannot be read")
	}
	var nr *modelfile.NotRegularError
	if errors.As(err, &nr) {
		return badModel(path, "point nudge at the model's own files", "is a %s, not a regular file", modeKind(nr.Mode))
	}
	if errors.Is(err, syscall.ELOOP) {
		return badModel(path, "fix the link", "is a symbolic link loop")
	}
	// Any other failure to open a file the user named is still the user's to look into.
	return badModel(path, "check the file", "cannot be opened: %s", firstLine(err))
}

func modeKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// checkModel rejects protobufs that decode but are not models: every ONNX model imports at
// least one opset and has a graph.
func checkModel(p *onnxpb.ModelProto) error {
	if len(p.GetOpsetImport()) == 0 {
		return errors.New("no opset_import, so not an ONNX model")
	}
	if p.GetGraph() == nil {
		return errors.New("model has no graph")
	}
	return nil
}

// Dir is the folder external data locations are relative to.
func (m *Model) Dir() string {
	if m.Path == "" {
		return ""
	}
	return filepath.Dir(m.Path)
}

// Graph is the main graph, never nil.
func (m *Model) Graph() *onnxpb.GraphProto {
	if m.Proto.Graph == nil {
		m.Proto.Graph = &onnxpb.GraphProto{}
	}
	return m.Proto.Graph
}

// Opset is the version of the default ("" or "ai.onnx") operator set, or 0 if none is imported.
func (m *Model) Opset() int64 {
	return m.OpsetOf("")
}

// OpsetOf is the imported version of an operator-set domain ("" and "ai.onnx" are the same).
func (m *Model) OpsetOf(domain string) int64 {
	for _, o := range m.Proto.GetOpsetImport() {
		if normDomain(o.GetDomain()) == normDomain(domain) {
			return o.GetVersion()
		}
	}
	return 0
}

func normDomain(d string) string {
	if d == "ai.onnx" {
		return ""
	}
	return d
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
