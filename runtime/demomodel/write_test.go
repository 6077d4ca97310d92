package demomodel

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTree maps every file under root (relative path) to its contents.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriteIsDeterministic(t *testing.T) {
	root := t.TempDir()
	write := func(name string, seed uint64) map[string][]byte {
		dir := filepath.Join(root, name)
		if err := Write(context.Background(), dir, Options{Seed: seed, TAESD: true}); err != nil {
			t.Fatal(err)
		}
		return readTree(t, dir)
	}
	a, b, c := write("a", 7), write("b", 7), write("c", 8)
	if len(a) != len(b) {
		t.Fatalf("file sets differ: %d vs %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	for _, weights := range []string{"unet/model.onnx_data", "text_encoder/model.onnx", "taesd_decoder.onnx"} {
		if bytes.Equal(a[weights], c[weights]) {
			t.Errorf("%s is identical for seeds 7 and 8", weights)
		}
	}
	for _, side := range []string{"model_index.json", "tokenizer/vocab.json", "tokenizer/merges.txt",
		"tokenizer/tokenizer_config.json", "tokenizer/special_tokens_map.json", "scheduler/scheduler_config.json",
		"unet/config.json", "vae_decoder/config.json", "vae_encoder/config.json", "text_encoder/config.json"} {
		if _, ok := a[side]; !ok {
			t.Errorf("missing %s", side)
		}
	}
}

func TestWriteRejectsBadOptions(t *testing.T) {
	cases := []struct {
		o      Options
		option string
	}{
		{Options{Preset: "huge"}, "preset"},
		{Options{Opset: "18"}, "opset"},
		{Options{DType: "bf16"}, "dtype"},
		{Options{Layout: "tensorstack"}, "layout"},
		{Options{Variant: "inpaint"}, "variant"},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "m")
		err := Write(context.Background(), dir, c.o)
		var bad interface{ BadInput() bool }
		if !errors.As(err, &bad) || !bad.BadInput() {
			t.Errorf("%+v: error %v is not a BadInput error", c.o, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "--"+c.option) || strings.Contains(msg, "\n") {
			t.Errorf("%+v: message %q should name --%s on one line", c.o, msg, c.option)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%+v: output folder created despite bad options", c.o)
		}
	}
}

func TestWriteRefusesNonEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(context.Background(), dir, Options{})
	var exists *OutputExistsError
	if !errors.As(err, &exists) || !exists.BadInput() {
		t.Fatalf("got %v, want OutputExistsError", err)
	}
	if files := readTree(t, dir); len(files) != 1 {
		t.Errorf("folder now holds %d files, want the 1 it had", len(files))
	}
}

// TestCancelLeavesNothing: a cancelled write must not leave the target or a partial folder.
func TestCancelLeavesNothing(t *testing.T) {
	parent := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	o := Options{Preset: "small", Progress: func(done, total int64) {
		calls++
		if done > total/3 {
			cancel()
		}
	}}
	err := Write(ctx, filepath.Join(parent, "m"), o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Errorf("left %d entries behind (%s…)", len(entries), entries[0].Name())
	}
	if calls == 0 {
		t.Error("progress was never reported")
	}
}

func TestProgressReachesTotal(t *testing.T) {
	var last, total int64
	monotone := true
	o := Options{Progress: func(done, tot int64) {
		monotone = monotone && done >= last
		last, total = done, tot
	}}
	if err := Write(context.Background(), filepath.Join(t.TempDir(), "m"), o); err != nil {
		t.Fatal(err)
	}
	infos, _ := Describe(Options{})
	var want int64
	for _, i := range infos {
		want += i.WeightBytes
	}
	if !monotone || last != total || total != want {
		t.Errorf("progress ended at %d/%d (monotone %v), want %d/%d", last, total, monotone, want, want)
	}
}

func TestPresetsDeclareImageSizes(t *testing.T) {
	want := map[string][2]int64{"tiny": {64, 8}, "small": {128, 16}, "sd15": {512, 64}}
	for _, p := range Presets() {
		if w := want[p.Name]; p.ImageSize != w[0] || p.LatentSize() != w[1] {
			t.Errorf("%s: image %d latent %d, want %v", p.Name, p.ImageSize, p.LatentSize(), w)
		}
	}
}
