package torchpickle

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func addTestdata(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pt")
	more, _ := filepath.Glob("../textinv/testdata/*")
	for _, name := range append(files, more...) {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
}

// FuzzRead feeds whole files: the zip layer, the pickle and the storage checks. Nothing may
// panic, and a tensor that is returned must be readable within the budget.
func FuzzRead(f *testing.F) {
	addTestdata(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Read(bytes.NewReader(data), int64(len(data)), 1<<16)
		if err != nil {
			return
		}
		visits := 0
		walk(v, 0, &visits)
	})
}

// FuzzUnpickle feeds the pickle VM directly, with a persistent loader that hands out small
// storages, so mutations reach the opcodes rather than the zip checks.
func FuzzUnpickle(f *testing.F) {
	f.Add([]byte("\x80\x02}q\x00X\x01\x00\x00\x00xctorch._utils\n_rebuild_tensor_v2\n(X\x07\x00\x00\x00storageq\x01ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x02K\x02\x86K\x02K\x01\x86\x89ccollections\nOrderedDict\n)RtRs."))
	f.Add([]byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x01a\x94]\x94(K\x01K\x02e\x86."))
	f.Fuzz(func(t *testing.T, data []byte) {
		load := func(id Tuple) (any, error) {
			return &storage{dtype: "F32", numel: 4, data: make([]byte, 16), budget: 1 << 16}, nil
		}
		if v, err := Unpickle(data, load); err == nil {
			visits := 0
			walk(v, 0, &visits)
		}
	})
}

// walk touches every tensor's bytes (shape checks must have made that safe). Pickles can
// build containers that hold themselves ("]2a": a list appended to itself), so the walk is
// bounded in depth and in the nodes it visits, as every consumer's must be.
func walk(v any, depth int, visits *int) {
	*visits++
	if depth > 64 || *visits > 100_000 {
		return
	}
	switch x := v.(type) {
	case *Tensor:
		_ = x.Bytes()
	case *Dict:
		for _, e := range x.Values {
			walk(e, depth+1, visits)
		}
	case *List:
		for _, e := range x.Items {
			walk(e, depth+1, visits)
		}
	case Tuple:
		for _, e := range x {
			walk(e, depth+1, visits)
		}
	}
}
