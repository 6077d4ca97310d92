package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func sample() map[string]Tensor {
	return map[string]Tensor{
		"b":      FromFloat32([]int64{3}, []float32{1, float32(math.NaN()), -0}),
		"a.w":    FromFloat32([]int64{2, 2}, []float32{1.5, -2, 3e-38, math.MaxFloat32}),
		"scalar": FromFloat32(nil, []float32{7}),
		"ids":    {DType: "I64", Shape: []int64{1}, Data: []byte{1, 0, 0, 0, 0, 0, 0, 0}},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	meta := map[string]string{"step": "12", "format": "nudge-train-1"}
	if err := Write(&buf, sample(), meta); err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(buf.Bytes()[:8]); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	f, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["step"] != "12" || len(f.Metadata) != 2 {
		t.Errorf("metadata %v", f.Metadata)
	}
	for name, want := range sample() {
		got, ok := f.Tensors[name]
		if !ok || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || len(got.Shape) != len(want.Shape) {
			t.Errorf("tensor %s: got %+v want %+v", name, got, want)
		}
	}
	vals := make([]float32, 3)
	if err := f.Tensors["b"].Float32s(vals); err != nil || vals[0] != 1 || !math.IsNaN(float64(vals[1])) {
		t.Errorf("Float32s: %v %v", vals, err)
	}
	var again bytes.Buffer
	if err := Write(&again, sample(), meta); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("two writes of the same tensors differ")
	}
}

// file assembles a safetensors file from a raw header and data section.
func file(header string, body int) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), make([]byte, body)...)
}

func TestParseRejects(t *testing.T) {
	huge := binary.LittleEndian.AppendUint64(nil, MaxHeaderBytes+1)
	cases := []struct {
		name string
		data []byte
		text string
	}{
		{"short", []byte{1, 2}, "shorter"},
		{"huge header", append(huge, "{}"...), "limit"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 50), "past the end"},
		{"not json", file("nope", 0), "JSON"},
		{"unknown dtype", file(`{"x":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}`, 4), "unknown dtype"},
		{"size mismatch", file(`{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4), "needs 8"},
		{"past data", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 4), "outside"},
		{"negative", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, 4), "outside"},
		{"overlap", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4), "overlap"},
		{"gap", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 8), "cover"},
		{"negative dim", file(`{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, 0), "negative"},
		{"overflow", file(`{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, 0), "overflows"},
		{"bad metadata", file(`{"__metadata__":{"a":1}}`, 0), "metadata"},
		{"extra field", file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"z":1}}`, 4), "unknown field"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data)
			var fe *FormatError
			if !errors.As(err, &fe) || !fe.BadInput() {
				t.Fatalf("got %v, want a FormatError", err)
			}
			if !strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), "\n") {
				t.Errorf("message %q should be one line mentioning %q", err, tc.text)
			}
		})
	}
}

func TestWriteRejectsMismatchedData(t *testing.T) {
	bad := map[string]Tensor{"x": {DType: "F32", Shape: []int64{2}, Data: make([]byte, 4)}}
	if err := Write(&bytes.Buffer{}, bad, nil); err == nil {
		t.Fatal("Write accepted 4 bytes for two float32 values")
	}
}

// FuzzParse: arbitrary bytes never panic, and whatever parses writes back and re-parses to
// the same tensors.
func FuzzParse(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(), map[string]string{"k": "v"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(file(`{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, 4))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Parse(data)
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, got.Tensors, got.Metadata); err != nil {
			t.Fatalf("parsed file does not write back: %v", err)
		}
		again, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("written file does not parse: %v", err)
		}
		for name, tn := range got.Tensors {
			if !bytes.Equal(again.Tensors[name].Data, tn.Data) {
				t.Fatalf("tensor %q changed in the round trip", name)
			}
		}
	})
}
