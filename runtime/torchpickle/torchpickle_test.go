package torchpickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
)

// float32s decodes F32 bytes.
func float32s(t *testing.T, b []byte) []float32 {
	t.Helper()
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// The fixtures come from scripts/make-torch-fixtures.py: Python's own pickler writing the
// opcodes torch.save writes (protocol 2, its default, and protocol 4).
func TestReadStateDict(t *testing.T) {
	for _, name := range []string{"testdata/state-dict.pt", "testdata/state-dict-p4.pt"} {
		t.Run(name, func(t *testing.T) {
			v, err := ReadFile(name, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			d, ok := v.(*Dict)
			if !ok || d.Len() != 3 {
				t.Fatalf("got %s, want an OrderedDict of 3", typeName(v))
			}
			if d.Keys[0] != "w" || d.Keys[1] != "t" || d.Keys[2] != "h" {
				t.Fatalf("keys %v: order not kept", d.Keys)
			}
			cases := []struct {
				key   string
				shape []int64
				want  []float32
			}{
				{"w", []int64{2, 3}, []float32{-1, -0.75, -0.5, -0.25, 0, 0.25}},
				// stride (1, 3): the transpose of w viewed as [[-1,-0.75,-0.5],[-0.25,0,0.25]]
				{"t", []int64{3, 2}, []float32{-1, -0.25, -0.75, 0, -0.5, 0.25}},
			}
			for _, c := range cases {
				x, _ := d.Get(c.key)
				tn := x.(*Tensor)
				if tn.DType != "F32" || !equalInts(tn.Shape, c.shape) {
					t.Fatalf("%s: %s", c.key, tn)
				}
				if got := float32s(t, tn.Bytes()); !equalFloats(got, c.want) {
					t.Fatalf("%s = %v, want %v", c.key, got, c.want)
				}
			}
			x, _ := d.Get("h")
			h := x.(*Tensor)
			// half storage [-1, -0.5, 0, 0.5]; offset 1, stride 2 → [-0.5, 0.5] = 0xb800, 0x3800
			if b := h.Bytes(); h.DType != "F16" || binary.LittleEndian.Uint16(b) != 0xb800 || binary.LittleEndian.Uint16(b[2:]) != 0x3800 {
				t.Fatalf("h = %s % x", h, b)
			}
		})
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHostileCheckpointsRefused(t *testing.T) {
	cases := []struct{ file, want string }{
		{"evil-global.pt", "refusing Python global posix.system"},
		{"huge-shape.pt", "overflows"},
		{"wide-view.pt", "over the 1048576-byte budget"},
		{"past-storage.pt", "reads past its storage"},
		{"short-storage.pt", "has 8 bytes, want 16"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			_, err := ReadFile("testdata/"+c.file, 1<<20)
			var fe *FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, c.want)
			}
		})
	}
}

func TestBudgetAndTruncation(t *testing.T) {
	if _, err := ReadFile("testdata/state-dict.pt", 16); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("a 24-byte storage under a 16-byte budget: %v", err)
	}
	data, err := os.ReadFile("testdata/state-dict.pt")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3, 30, len(data) / 2, len(data) - 1} {
		if _, err := Read(bytes.NewReader(data[:n]), int64(n), 1<<20); err == nil {
			t.Fatalf("a file cut to %d bytes was read", n)
		}
	}
	legacy := []byte{0x80, 0x02, 0x8a, 0x0a}
	if _, err := Read(bytes.NewReader(legacy), 4, 1<<20); err == nil || !strings.Contains(err.Error(), "legacy") {
		t.Fatalf("legacy format: %v", err)
	}
}

// Pickles written by hand for the opcodes the fixtures do not reach.
func TestUnpickleOpcodes(t *testing.T) {
	cases := []struct {
		name string
		pkl  string
		want string // hashKey of the result, or an error substring prefixed with "!"
	}{
		{"long1 negative", "\x80\x02\x8a\x02\x00\xff.", "i-256"},
		{"long1 empty", "\x80\x02\x8a\x00.", "i0"},
		{"binint negative", "\x80\x02J\xfe\xff\xff\xff.", "i-2"},
		{"binint2", "\x80\x02M\x01\x01.", "i257"},
		{"binfloat", "\x80\x02G?\xf8\x00\x00\x00\x00\x00\x00.", "f3ff8000000000000"},
		{"tuple memo", "\x80\x02K\x01q\x00h\x00\x86.", "t(i1,i1,)"},
		{"short binbytes", "\x80\x03C\x02ab.", `y"ab"`},
		{"bools none", "\x80\x02\x88\x89N\x87.", "t(btrue,bfalse,N,)"},
		{"long too wide", "\x80\x02\x8a\x09000000000.", "!64-bit"},
		{"protocol 1", "\x80\x01N.", "!protocol 1"},
		{"memo miss", "\x80\x02h\x05.", "!memo entry 5"},
		{"empty pop", "\x80\x020.", "!empty stack"},
		{"no stop", "\x80\x02N", "!without STOP"},
		{"two left", "\x80\x02NN.", "!2 values"},
		{"string too long", "\x80\x02X\xff\xff\xff\x7fabc.", "!truncated"},
		{"inst refused", "\x80\x02ios\nsystem\n.", "!opcode 0x69"},
		{"stack global refused", "\x80\x04\x8c\x08builtins\x8c\x04eval\x93.", "!refusing Python global builtins.eval"},
		{"reduce non-rebuilder", "\x80\x02ctorch\nFloatStorage\n)R.", "!not a tensor rebuild"},
		{"unhashable key", "\x80\x02}]Ns.", "!unhashable"},
		{"bad utf8", "\x80\x02X\x01\x00\x00\x00\xff.", "!UTF-8"},
		{"persistent outside", "\x80\x02)Q.", "!outside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Unpickle([]byte(c.pkl), nil)
			if strings.HasPrefix(c.want, "!") {
				if err == nil || !strings.Contains(err.Error(), c.want[1:]) {
					t.Fatalf("err = %v, want %q", err, c.want[1:])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k, err := hashKey(v, 0); err != nil || k != c.want {
				t.Fatalf("got %s (%v), want %s", k, err, c.want)
			}
		})
	}
}
