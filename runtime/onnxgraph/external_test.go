package onnxgraph

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSaveElsewhereKeepsExternalDataValid saves a model with external weights into other
// folders and checks ORT still runs it, with the expected location and no copy of the weights.
func TestSaveElsewhereKeepsExternalDataValid(t *testing.T) {
	tests := []struct {
		name         string
		target       string // relative to the temp root
		wantLocation string
		wantLink     bool
	}{
		{"same folder", "unet/edited.onnx", "weights.pb", false},
		{"parent folder", "edited.onnx", "unet/weights.pb", false},
		{"cache folder", "cache/nudge/unet-attn.onnx", "weights.pb", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			orig := filepath.Join(root, "unet", "model.onnx")
			must(t, os.MkdirAll(filepath.Dir(orig), 0o755))
			must(t, mlpModel().SaveWithExternalData(orig, "weights.pb"))
			m, err := Load(orig)
			must(t, err)
			target := filepath.Join(root, tc.target)
			must(t, os.MkdirAll(filepath.Dir(target), 0o755))
			must(t, m.Save(target))

			saved, err := Load(target)
			must(t, err)
			files, err := saved.ExternalFiles()
			must(t, err)
			if len(files) != 1 || files[0].Location != tc.wantLocation || files[0].Tensors != 2 {
				t.Fatalf("external files = %+v, want one %q holding 2 tensors", files, tc.wantLocation)
			}
			origInfo, _ := os.Stat(filepath.Join(root, "unet", "weights.pb"))
			newInfo, _ := os.Stat(files[0].Path)
			if !os.SameFile(origInfo, newInfo) {
				t.Fatalf("%s is not the original weights file: weights were copied", files[0].Path)
			}
			isLink := filepath.Dir(files[0].Path) != filepath.Join(root, "unet")
			if isLink != tc.wantLink {
				t.Fatalf("hard link made = %v, want %v", isLink, tc.wantLink)
			}
			a, _ := runModel(t, orig, mlpFeeds(), []string{"y"})
			b, _ := runModel(t, target, mlpFeeds(), []string{"y"})
			if !slices.Equal(a["y"], b["y"]) {
				t.Fatal("ORT outputs differ after saving elsewhere")
			}
			checkMLP(t, saved, a["y"])
		})
	}
}

// checkMLP recomputes mlpModel's output in float64 from the weights ReadInitializer returns,
// so a wrong offset or byte order in external data would show.
func checkMLP(t *testing.T, m *Model, got []float32) {
	t.Helper()
	w := readFloats(t, m, "fc.weight")
	b := readFloats(t, m, "fc.bias")
	x := mlpFeeds()[0].data
	for r := 0; r < 2; r++ {
		for c := 0; c < 256; c++ {
			sum := float64(b[c])
			for k := 0; k < 8; k++ {
				sum += float64(x[r*8+k]) * float64(w[k*256+c])
			}
			want := math.Max(sum, 0)
			if d := math.Abs(want - float64(got[r*256+c])); d > 1e-5 {
				t.Fatalf("y[%d,%d] = %g, float64 recomputation gives %g", r, c, got[r*256+c], want)
			}
		}
	}
}

func readFloats(t *testing.T, m *Model, name string) []float32 {
	t.Helper()
	td, err := m.ReadInitializer(name)
	must(t, err)
	v, err := td.Float32s()
	must(t, err)
	return v
}

// TestBrokenExternalDataIsBadInput covers a missing and a truncated weights file: one-line
// errors that name the file and say BadInput.
func TestBrokenExternalDataIsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		damage func(path string) error
		want   string
	}{
		{"missing", os.Remove, `external data file "weights.pb" is missing`},
		{"truncated", func(p string) error { return os.Truncate(p, 100) }, `external data file "weights.pb" is 100 bytes`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "model.onnx")
			must(t, mlpModel().SaveWithExternalData(path, "weights.pb"))
			must(t, tc.damage(filepath.Join(dir, "weights.pb")))
			m, err := Load(path)
			must(t, err) // the graph itself is fine
			_, err = m.ExternalFiles()
			checkBadInput(t, err, path, tc.want)
			_, err = m.ReadInitializer("fc.weight")
			checkBadInput(t, err, "", "")
		})
	}
}

// checkBadInput asserts err is a one-line BadInput error mentioning the given strings.
func checkBadInput(t *testing.T, err error, wants ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var bi interface{ BadInput() bool }
	if !errors.As(err, &bi) || !bi.BadInput() {
		t.Fatalf("error %q (%T) is not BadInput", err, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Fatalf("error is not one line: %q", msg)
	}
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Fatalf("error %q does not mention %q", msg, w)
		}
	}
}
