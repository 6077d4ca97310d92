package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"sort"
)

// ReadFile reads and parses the safetensors file at path.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(data)
	if err != nil {
		return nil, formatErrorf("%s: %s", path, err.(*FormatError).Msg)
	}
	return f, nil
}

// Parse reads a whole safetensors file held in data. The returned tensors' Data slices
// alias data. It checks everything the reference implementation checks: the header length
// is bounded and inside the file, every dtype is known, every tensor's byte range matches
// its shape, and the ranges tile the data section exactly (no gaps, no overlaps, nothing
// past the end).
func Parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, formatErrorf("file of %d bytes is shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data[:8])
	if n > MaxHeaderBytes {
		return nil, formatErrorf("header length %d exceeds the %d-byte limit", n, MaxHeaderBytes)
	}
	if n > uint64(len(data)-8) {
		return nil, formatErrorf("header length %d runs past the end of the %d-byte file", n, len(data))
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(data[8:8+n], &raw); err != nil {
		return nil, formatErrorf("header is not a JSON object: %v", err)
	}
	body := data[8+n:]
	f := &File{Tensors: map[string]Tensor{}}
	type span struct {
		name       string
		begin, end int64
	}
	var spans []span
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := strictDecode(msg, &f.Metadata); err != nil {
				return nil, formatErrorf("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e headerEntry
		if err := strictDecode(msg, &e); err != nil {
			return nil, formatErrorf("tensor %q: bad header entry: %v", name, err)
		}
		size, err := byteSize(e.DType, e.Shape)
		if err != nil {
			return nil, formatErrorf("tensor %q: %v", name, err)
		}
		b, end := e.DataOffsets[0], e.DataOffsets[1]
		if b < 0 || end < b || end > int64(len(body)) {
			return nil, formatErrorf("tensor %q: data offsets [%d, %d] are outside the %d-byte data section", name, b, end, len(body))
		}
		if end-b != size {
			return nil, formatErrorf("tensor %q: %d bytes of data for dtype %s shape %v, which needs %d", name, end-b, e.DType, e.Shape, size)
		}
		f.Tensors[name] = Tensor{DType: e.DType, Shape: e.Shape, Data: body[b:end:end]}
		spans = append(spans, span{name, b, end})
	}
	sort.Slice(spans, func(i, j int) bool {
		if spans[i].begin != spans[j].begin {
			return spans[i].begin < spans[j].begin
		}
		return spans[i].end < spans[j].end
	})
	var at int64
	for _, s := range spans {
		if s.begin != at {
			return nil, formatErrorf("tensor %q starts at byte %d of the data section, expected %d (gap or overlap)", s.name, s.begin, at)
		}
		at = s.end
	}
	if at != int64(len(body)) {
		return nil, formatErrorf("data section has %d bytes but the tensors cover %d", len(body), at)
	}
	return f, nil
}

// strictDecode decodes one JSON value, rejecting unknown fields and trailing data.
func strictDecode(msg json.RawMessage, v any) error {
	d := json.NewDecoder(bytes.NewReader(msg))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return formatErrorf("trailing data")
	}
	return nil
}
