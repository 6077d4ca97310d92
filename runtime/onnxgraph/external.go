package onnxgraph

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// externalRef is a tensor's external_data entry parsed (ONNX docs/ExternalData.md): location
// is relative to the model's folder; length < 0 means "to the end of the file".
type externalRef struct {
	location     string
	offset, size int64
}

func isExternal(t *onnxpb.TensorProto) bool {
	return t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL
}

// parseExternal reads a tensor's external_data key/value list.
func parseExternal(t *onnxpb.TensorProto) (externalRef, error) {
	ref := externalRef{size: -1}
	for _, kv := range t.GetExternalData() {
		var err error
		switch kv.GetKey() {
		case "location":
			ref.location = kv.GetValue()
		case "offset":
			ref.offset, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		case "length":
			ref.size, err = strconv.ParseInt(kv.GetValue(), 10, 64)
		}
		if err != nil || ref.offset < 0 {
			return ref, fmt.Errorf("tensor %q has a bad external_data %s %q", sanitize(t.GetName()), kv.GetKey(), sanitize(kv.GetValue()))
		}
	}
	if ref.location == "" {
		return ref, fmt.Errorf("tensor %q is marked external but names no location", sanitize(t.GetName()))
	}
	return ref, nil
}

// setLocation replaces a tensor's external_data location in place.
func setLocation(t *onnxpb.TensorProto, location string) {
	for _, kv := range t.GetExternalData() {
		if kv.GetKey() == "location" {
			kv.Value = location
		}
	}
}

// ExternalFile is one external-data file a model refers to.
type ExternalFile struct {
	Location string `json:"location"` // as written in the model, relative to its folder
	Path     string `json:"-"`        // resolved absolute path
	Size     int64  `json:"size"`     // file size in bytes
	Tensors  int    `json:"tensors"`  // number of tensors stored in it
}

// ExternalFiles lists the external-data files the model uses, sorted by location, after
// checking each exists and is long enough for the tensors stored in it. It stats files only.
func (m *Model) ExternalFiles() ([]ExternalFile, error) {
	files := map[string]*ExternalFile{}
	var firstErr error
	forEachTensor(m.Graph(), func(t *onnxpb.TensorProto) {
		if firstErr != nil || !isExternal(t) {
			return
		}
		firstErr = m.addExternal(files, t)
	})
	if firstErr != nil {
		return nil, firstErr
	}
	out := make([]ExternalFile, 0, len(files))
	for _, f := range files {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out, nil
}

func (m *Model) addExternal(files map[string]*ExternalFile, t *onnxpb.TensorProto) error {
	ref, err := parseExternal(t)
	if err != nil {
		return badModel(m.Path, "the file may be corrupt; export it again", "%v", err)
	}
	f, ok := files[ref.location]
	if !ok {
		path, err := m.resolve(ref.location)
		if err != nil {
			return err
		}
		f = &ExternalFile{Location: ref.location, Path: path}
		st, err := os.Stat(f.Path)
		if err != nil {
			return badModel(m.Path, "keep the weights file next to the model, as the export wrote it",
				"external data file %q is missing", sanitize(ref.location))
		}
		if !st.Mode().IsRegular() { // ORT would block reading a FIFO
			return badModel(m.Path, "point the model at its own weights file",
				"external data file %q is a %s, not a regular file", sanitize(ref.location), modeKind(st.Mode()))
		}
		f.Size = st.Size()
		files[ref.location] = f
	}
	f.Tensors++
	if ref.size >= 0 && ref.offset+ref.size > f.Size {
		return badModel(m.Path, "the weights file looks truncated; download it again",
			"external data file %q is %d bytes but tensor %q needs bytes up to %d",
			sanitize(ref.location), f.Size, sanitize(t.GetName()), ref.offset+ref.size)
	}
	return nil
}

// resolve turns an external-data location into a path. Like ONNX Runtime ≥ 1.24 (PR #26776)
// it refuses absolute locations and ones that leave the model's folder, so a hostile model
// cannot make nudge read or hard-link arbitrary files. The check is lexical: symlinks inside
// the folder (as in the Hugging Face cache) are followed.
func (m *Model) resolve(location string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(location))
	if filepath.IsAbs(clean) || strings.HasPrefix(location, "/") || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
		return "", badModel(m.Path, "external data must sit in the model's folder", "external data location %q points outside the model's folder", sanitize(location))
	}
	return filepath.Join(m.Dir(), clean), nil
}

// forEachTensor visits the graph's initializers and every tensor held in node attributes,
// including those of subgraphs (If/Loop bodies), since any of them may be external.
func forEachTensor(g *onnxpb.GraphProto, fn func(*onnxpb.TensorProto)) {
	if g == nil {
		return
	}
	for _, t := range g.GetInitializer() {
		fn(t)
	}
	for _, n := range g.GetNode() {
		for _, a := range n.GetAttribute() {
			if a.GetT() != nil {
				fn(a.GetT())
			}
			for _, t := range a.GetTensors() {
				fn(t)
			}
			forEachTensor(a.GetG(), fn)
			for _, sub := range a.GetGraphs() {
				forEachTensor(sub, fn)
			}
		}
	}
}
