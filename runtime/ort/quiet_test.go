package ort

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// hostileName is a node name that sets the terminal title and writes the clipboard (OSC 0,
// OSC 52) if it reaches a terminal raw.
const hostileName = "bad\x1b]0;owned\x07\x1b]52;c;cHduZWQ=\x07node"

// ORT must write nothing to the process's stderr (its log used to carry the model's node
// names, escapes included, over the studio) and no telemetry files to $XDG_CACHE_HOME. The
// check runs in a child process: ORT writes to fd 2, and initialises once per process.
func TestORTWritesNothingToStderrOrCache(t *testing.T) {
	if os.Getenv("NUDGE_ORT_QUIET_CHILD") == "1" {
		runFailingGraph(t, os.Getenv("NUDGE_ORT_QUIET_MODEL"))
		return
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "bad.onnx")
	writeFailingGraph(t, model)
	cache := filepath.Join(dir, "cache")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestORTWritesNothingToStderrOrCache$", "-test.v")
	cmd.Env = append(os.Environ(), "NUDGE_ORT_QUIET_CHILD=1", "NUDGE_ORT_QUIET_MODEL="+model, "XDG_CACHE_HOME="+cache)
	cmd.Env = without(cmd.Env, "ORT_DISABLE_TELEMETRY")
	var stderr, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &stderr, &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "ORT refused the run") {
		t.Fatalf("the child did not make ORT fail:\n%s", stdout.String())
	}
	if stderr.Len() != 0 || bytes.Contains(stdout.Bytes(), []byte{0x1b}) {
		t.Fatalf("ORT wrote to stderr or a raw escape came out:\nstderr %q\nstdout %q", stderr.String(), stdout.String())
	}
	if _, err := os.Stat(filepath.Join(cache, "Microsoft")); err == nil {
		t.Fatal("ORT wrote its telemetry files under XDG_CACHE_HOME")
	}
}

func without(env []string, key string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}

// writeFailingGraph writes y = Reshape(x, [7]) under a hostile node name: a 4-element x
// makes ORT fail at run time and log the node's name.
func writeFailingGraph(t *testing.T, path string) {
	g := &onnxpb.GraphProto{
		Name:        "g",
		Node:        []*onnxpb.NodeProto{onnxgraph.NewNode("Reshape", hostileName, []string{"x", "shape"}, []string{"y"})},
		Initializer: []*onnxpb.TensorProto{onnxgraph.TensorInt64("shape", []int64{1}, []int64{7})},
		Input:       []*onnxpb.ValueInfoProto{onnxgraph.NewValueInfo("x", onnxpb.TensorProto_FLOAT, []int64{-1})},
		Output:      []*onnxpb.ValueInfoProto{onnxgraph.NewValueInfo("y", onnxpb.TensorProto_FLOAT, nil)},
	}
	if err := onnxgraph.NewModel(g, 17).Save(path); err != nil {
		t.Fatal(err)
	}
}

func runFailingGraph(t *testing.T, path string) {
	if err := Init(ResolveLibrary("")); err != nil {
		t.Fatal(err)
	}
	s, err := ortgo.NewDynamicAdvancedSession(path, []string{"x"}, []string{"y"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Destroy()
	x, _ := ortgo.NewTensor(ortgo.NewShape(4), []float32{1, 2, 3, 4})
	defer x.Destroy()
	outs := []ortgo.Value{nil}
	if err := s.Run([]ortgo.Value{x}, outs); err != nil {
		t.Logf("ORT refused the run: %q", err.Error())
	}
}
