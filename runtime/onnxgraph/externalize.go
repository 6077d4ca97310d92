package onnxgraph

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// externalThreshold matches Optimum's size_threshold: tensors of at least this many bytes go
// to the data file (as Optimum's model.onnx_data).
const externalThreshold = 1024

// SaveWithExternalData writes the model to path with every initializer of 1 KiB or more
// stored in one data file, dataName, next to it (the layout of Optimum's model.onnx_data or
// the diffusers script's weights.pb). Tensors already external are rewritten into the new
// file too, so the result does not depend on the old data files.
func (m *Model) SaveWithExternalData(path, dataName string) error {
	if dataName == "" || strings.ContainsAny(dataName, `/\`) || dataName == "." || dataName == ".." {
		return fmt.Errorf("external data name %q must be a plain file name", sanitize(dataName))
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := m.writeDataFile(filepath.Join(filepath.Dir(abs), dataName), dataName); err != nil {
		return err
	}
	m.Path = abs // the new locations are relative to the new folder
	return m.Save(abs)
}

// writeDataFile streams every large tensor into a temporary file one at a time, renames it to
// dataPath once every old source has been read, then points each tensor at its bytes. Small
// tensors that were external become inline, so nothing refers to the old folder any more.
func (m *Model) writeDataFile(dataPath, location string) error {
	atomicfile.RemoveStale(filepath.Dir(dataPath))
	f, err := atomicfile.CreateTemp(filepath.Dir(dataPath), filepath.Base(dataPath), 0o666)
	if err != nil {
		return fmt.Errorf("creating %s: %w", sanitize(dataPath), err)
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriter(f)
	type placed struct {
		t           *onnxpb.TensorProto
		offset, len int64
		raw         []byte
	}
	var done []placed
	var offset int64
	var firstErr error
	forEachTensor(m.Graph(), func(t *onnxpb.TensorProto) {
		if firstErr != nil || (!isExternal(t) && elemSize(onnxpb.TensorProto_DataType(t.GetDataType())) == 0) {
			return // strings and other unsized types stay in the model
		}
		raw, err := m.tensorBytes(t)
		if err != nil {
			firstErr = err
			return
		}
		if len(raw) < externalThreshold {
			done = append(done, placed{t, 0, int64(len(raw)), raw}) // kept to inline if external
			return
		}
		_, firstErr = w.Write(raw)
		done = append(done, placed{t, offset, int64(len(raw)), nil})
		offset += int64(len(raw))
	})
	if firstErr != nil {
		f.Close()
		return firstErr
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", sanitize(dataPath), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", sanitize(dataPath), err)
	}
	if err := os.Rename(f.Name(), dataPath); err != nil {
		return fmt.Errorf("writing %s: %w", sanitize(dataPath), err)
	}
	for _, p := range done {
		switch {
		case p.len >= externalThreshold:
			makeExternal(p.t, location, p.offset, p.len)
			delete(m.inline, p.t)
		case isExternal(p.t):
			makeInline(p.t, p.raw)
		}
	}
	return nil
}

// makeInline stores a small tensor's bytes in the model itself.
func makeInline(t *onnxpb.TensorProto, raw []byte) {
	t.RawData, t.FloatData, t.Int32Data, t.Int64Data, t.DoubleData, t.Uint64Data = raw, nil, nil, nil, nil, nil
	t.DataLocation = onnxpb.TensorProto_DEFAULT
	t.ExternalData = nil
}

// makeExternal clears a tensor's in-proto data and points it at a data file.
func makeExternal(t *onnxpb.TensorProto, location string, offset, length int64) {
	t.RawData, t.FloatData, t.Int32Data, t.Int64Data, t.DoubleData, t.Uint64Data = nil, nil, nil, nil, nil, nil
	t.DataLocation = onnxpb.TensorProto_EXTERNAL
	t.ExternalData = []*onnxpb.StringStringEntryProto{
		{Key: "location", Value: location},
		{Key: "offset", Value: strconv.FormatInt(offset, 10)},
		{Key: "length", Value: strconv.FormatInt(length, 10)},
	}
}
