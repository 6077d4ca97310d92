package runtime_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// cloneModel hard-links a model folder's files into a new folder the test may change.
func cloneModel(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "model")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		return os.Link(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// openWithin opens dir and fails the test if Open takes longer than a few seconds (a FIFO
// used to block it forever).
func openWithin(t *testing.T, dir string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		m, err := runtime.Open(dir, runtime.Options{Threads: 1})
		if err == nil {
			m.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("runtime.Open did not return: it is blocked reading a file")
		return nil
	}
}

// Every broken model folder is refused when opened, as the user's to fix (exit 2), in one
// line: non-regular files, symbolic link loops, a missing scheduler config, element types
// nudge cannot read.
func TestOpenRefusesBrokenModelFiles(t *testing.T) {
	orttest.Setup(t)
	src := demoModel(t, demomodel.Options{Preset: "tiny"})
	cases := []struct {
		name   string
		break_ func(t *testing.T, dir string)
		want   string
	}{
		{"unet is a FIFO", func(t *testing.T, dir string) { replaceWithFIFO(t, filepath.Join(dir, "unet", "model.onnx")) }, "FIFO"},
		{"text encoder is a FIFO", func(t *testing.T, dir string) { replaceWithFIFO(t, filepath.Join(dir, "text_encoder", "model.onnx")) }, "FIFO"},
		{"unet weights are a FIFO", func(t *testing.T, dir string) { replaceWithFIFO(t, filepath.Join(dir, "unet", "model.onnx_data")) }, "FIFO"},
		{"scheduler config is a FIFO", func(t *testing.T, dir string) {
			replaceWithFIFO(t, filepath.Join(dir, "scheduler", "scheduler_config.json"))
		}, "FIFO"},
		{"vocab is a FIFO", func(t *testing.T, dir string) { replaceWithFIFO(t, filepath.Join(dir, "tokenizer", "vocab.json")) }, "FIFO"},
		{"unet is a symlink loop", func(t *testing.T, dir string) { symlinkLoop(t, filepath.Join(dir, "unet", "model.onnx")) }, "link"},
		{"vae is a symlink loop", func(t *testing.T, dir string) { symlinkLoop(t, filepath.Join(dir, "vae_decoder", "model.onnx")) }, "link"},
		{"scheduler config missing", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "scheduler", "scheduler_config.json")))
		}, "scheduler"},
		{"bfloat16 output", func(t *testing.T, dir string) { addBFloat16Output(t, filepath.Join(dir, "vae_decoder", "model.onnx")) }, "bfloat16"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := cloneModel(t, src)
			c.break_(t, dir)
			err := openWithin(t, dir)
			if err == nil || !runtime.IsBadInput(err) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v (bad input: %v), want one line about %q, exit 2", err, runtime.IsBadInput(err), c.want)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func replaceWithFIFO(t *testing.T, path string) {
	must(t, os.Remove(path))
	must(t, syscall.Mkfifo(path, 0o644))
}

func symlinkLoop(t *testing.T, path string) {
	must(t, os.Remove(path))
	must(t, os.Symlink(filepath.Base(path)+".b", path))
	must(t, os.Symlink(filepath.Base(path), path+".b"))
}

// addBFloat16Output gives a graph a second output, its first output cast to bfloat16 (which
// used to crash the first render: onnxruntime_go left a typed nil that was destroyed).
func addBFloat16Output(t *testing.T, path string) {
	m, err := onnxgraph.Load(path)
	must(t, err)
	must(t, m.Materialize())
	g := m.Graph()
	out := g.GetOutput()[0].GetName()
	g.Node = append(g.Node, onnxgraph.NewNode("Cast", "to_bf16", []string{out}, []string{"bf16"},
		onnxgraph.AttrInt("to", int64(onnxpb.TensorProto_BFLOAT16))))
	g.Output = append(g.Output, onnxgraph.NewValueInfo("bf16", onnxpb.TensorProto_BFLOAT16, nil))
	must(t, os.Remove(path))
	must(t, m.Save(path))
}

// A model file that is a FIFO is refused by the graph reader too (inspect, prepare).
func TestGraphLoadRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.onnx")
	must(t, syscall.Mkfifo(p, 0o644))
	done := make(chan error, 1)
	go func() { _, err := onnxgraph.Load(p); done <- err }()
	select {
	case err := <-done:
		var bm *onnxgraph.BadModelError
		if !errors.As(err, &bm) || !strings.Contains(err.Error(), "FIFO") {
			t.Fatalf("got %v, want a BadModelError naming a FIFO", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("onnxgraph.Load blocked on a FIFO")
	}
}

// A folder whose name holds an escape opened, but its session could never be saved (a
// session refuses control characters); it is refused when opened instead.
func TestOpenRefusesControlCharactersInThePath(t *testing.T) {
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "model\x1b]0;x\x07")
	must(t, os.Rename(cloneModel(t, demoModel(t, demomodel.Options{Preset: "tiny"})), dir))
	err := openWithin(t, dir)
	if err == nil || !runtime.IsBadInput(err) || strings.ContainsRune(err.Error(), 0x1b) {
		t.Fatalf("got %v", err)
	}
}
