package onnxgraph

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Save writes the model to path (atomically, through a temporary file in the same folder)
// and rewrites every external_data location so it stays valid from the new folder. Weights
// are never copied:
//
//   - a data file inside the new folder's tree gets a plain relative location;
//   - any other data file is hard-linked into the new folder under its own base name.
//
// ONNX Runtime ≥ 1.24 rejects external data given by absolute paths or paths that leave the
// model's folder, resolving symlinks (microsoft/onnxruntime PR #26776), so a "../" location or
// a symlink would produce a model ORT refuses. When a hard link is impossible (another
// filesystem), Save fails and names the file; saving next to the original always works.
func (m *Model) Save(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	newDir := filepath.Dir(abs)
	oldLocations, links, err := m.relocate(newDir)
	if err != nil {
		return err
	}
	data, err := m.marshal()
	if err == nil {
		err = writeAtomic(abs, data)
	}
	if err != nil {
		for t, loc := range oldLocations {
			setLocation(t, loc)
		}
		for _, l := range links {
			_ = os.Remove(l)
		}
		return err
	}
	m.Path = abs
	return m.adoptSource(abs, data)
}

// relocate points every external tensor at its data file as seen from newDir, creating hard
// links where needed. It returns the previous locations (to undo) and the links it made.
func (m *Model) relocate(newDir string) (map[*onnxpb.TensorProto]string, []string, error) {
	old := map[*onnxpb.TensorProto]string{}
	chosen := map[string]string{} // old location → new location
	var links []string
	var firstErr error
	forEachTensor(m.Graph(), func(t *onnxpb.TensorProto) {
		if firstErr != nil || !isExternal(t) {
			return
		}
		ref, err := parseExternal(t)
		if err != nil {
			firstErr = badModel(m.Path, "", "%v", err)
			return
		}
		loc, ok := chosen[ref.location]
		if !ok {
			var link string
			loc, link, err = m.placeDataFile(ref.location, newDir)
			if err != nil {
				firstErr = err
				return
			}
			chosen[ref.location] = loc
			if link != "" {
				links = append(links, link)
			}
		}
		old[t] = ref.location
		setLocation(t, loc)
	})
	if firstErr != nil {
		for t, loc := range old {
			setLocation(t, loc)
		}
		for _, l := range links {
			_ = os.Remove(l)
		}
		return nil, nil, firstErr
	}
	return old, links, nil
}

// placeDataFile returns the location under which newDir reaches the data file, and the path
// of a hard link it created for that ("" if none was needed).
func (m *Model) placeDataFile(location, newDir string) (string, string, error) {
	src, err := m.resolve(location)
	if err != nil {
		return "", "", err
	}
	st, err := os.Stat(src)
	if err != nil {
		return "", "", badModel(m.Path, "keep the weights file next to the model", "external data file %q is missing", sanitize(location))
	}
	if rel, err := filepath.Rel(newDir, src); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel), "", nil
	}
	// Link the file itself, not a symlink to it, which ONNX Runtime would resolve and refuse.
	if real, err := filepath.EvalSymlinks(src); err == nil {
		src = real
	}
	base := filepath.Base(src)
	for i := 0; i < 100; i++ {
		name := base
		if i > 0 {
			name = fmt.Sprintf("%s.%d", base, i)
		}
		dst := filepath.Join(newDir, name)
		if existing, err := os.Stat(dst); err == nil {
			if os.SameFile(st, existing) {
				return name, "", nil
			}
			continue
		}
		if err := os.Link(src, dst); err != nil {
			return "", "", fmt.Errorf("cannot reach external data %s from %s: hard link failed (%v); ONNX Runtime only reads external data inside the model's folder, so save the model next to %s", sanitize(src), sanitize(newDir), err, sanitize(filepath.Base(src)))
		}
		return name, dst, nil
	}
	return "", "", fmt.Errorf("cannot place external data %s in %s: too many files named %s.N", sanitize(src), sanitize(newDir), sanitize(base))
}

// marshal encodes the model with its inline weights read back from the source file; the
// tensors are emptied again afterwards so memory stays at graph size.
func (m *Model) marshal() ([]byte, error) {
	for t, s := range m.inline {
		raw, err := readSpan(m.source, s.off, s.n)
		if err != nil {
			return nil, err
		}
		t.RawData = raw
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m.Proto)
	for t := range m.inline {
		t.RawData = nil
	}
	return data, err
}

// adoptSource makes the freshly written file the home of the inline weights, since the old
// source may just have been replaced by it.
func (m *Model) adoptSource(path string, data []byte) error {
	sk, err := readSkeleton(data)
	if err != nil {
		return fmt.Errorf("re-reading saved model %s: %w", sanitize(path), err)
	}
	inits := m.Graph().GetInitializer()
	m.inline = map[*onnxpb.TensorProto]span{}
	for i, s := range sk.inline {
		if i < len(inits) {
			inits[i].RawData = nil
			m.inline[inits[i]] = s
		}
	}
	m.source = path
	return nil
}

// writeAtomic writes data to a temporary file beside path and renames it into place; a new
// file's mode follows the umask (atomicfile).
func writeAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o666); err != nil {
		return fmt.Errorf("saving %s: %w", sanitize(path), err)
	}
	return nil
}
