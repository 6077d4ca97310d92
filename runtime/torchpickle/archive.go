package torchpickle

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// MaxPickleBytes bounds data.pkl; a tensor checkpoint's pickle is a few kilobytes per tensor.
const MaxPickleBytes = 16 << 20

// ReadFile reads the torch checkpoint at path; storages may hold at most maxBytes in all.
func ReadFile(name string, maxBytes int64) (any, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, formatErrorf("%s is not a regular file", name)
	}
	return Read(f, fi.Size(), maxBytes)
}

// Read reads a torch zip checkpoint of size bytes from r and returns the object data.pkl
// builds, with every storage read (at most maxBytes in all).
func Read(r io.ReaderAt, size, maxBytes int64) (any, error) {
	var magic [4]byte
	if n, _ := r.ReadAt(magic[:], 0); n == 4 && magic[0] == 0x80 && magic[1] == 0x02 {
		return nil, formatErrorf("legacy (pre-1.6) torch format: load it in PyTorch and torch.save it again")
	} else if n < 4 || !bytes.Equal(magic[:], []byte("PK\x03\x04")) {
		return nil, formatErrorf("not a torch zip checkpoint")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, formatErrorf("not a readable zip archive: %v", err)
	}
	a, err := newArchive(zr, maxBytes)
	if err != nil {
		return nil, err
	}
	pkl, err := a.read(a.prefix+"data.pkl", MaxPickleBytes)
	if err != nil {
		return nil, err
	}
	return Unpickle(pkl, a.load)
}

// archive is an opened checkpoint: its entries by name and the storages read so far.
type archive struct {
	files    map[string]*zip.File
	prefix   string // "ARCHIVE/"
	storages map[string]*storage
	budget   int64 // bytes left for storages
	max      int64 // the whole budget, which also bounds any one tensor view
}

func newArchive(zr *zip.Reader, maxBytes int64) (*archive, error) {
	a := &archive{files: map[string]*zip.File{}, storages: map[string]*storage{}, budget: maxBytes, max: maxBytes}
	for _, f := range zr.File {
		a.files[f.Name] = f
		if dir, base := path.Split(f.Name); base == "data.pkl" && strings.Count(dir, "/") == 1 {
			a.prefix = dir
		}
	}
	if a.prefix == "" {
		return nil, formatErrorf("zip archive has no ARCHIVE/data.pkl: not a torch checkpoint")
	}
	return a, nil
}

// read returns an entry's bytes, at most limit of them.
func (a *archive) read(name string, limit int64) ([]byte, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, formatErrorf("archive has no %s", sanitize(name))
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, formatErrorf("%s is %d bytes, more than the %d allowed", sanitize(name), f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, formatErrorf("%s: %v", sanitize(name), err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, formatErrorf("%s: %v", sanitize(name), err)
	}
	if int64(len(b)) > limit {
		return nil, formatErrorf("%s is more than the %d bytes allowed", sanitize(name), limit)
	}
	return b, nil
}

// load resolves torch's persistent id ('storage', StorageType, key, location, numel)
// (torch/serialization.py, _load.persistent_load) by reading ARCHIVE/data/KEY.
func (a *archive) load(id Tuple) (any, error) {
	if len(id) != 5 || id[0] != "storage" {
		return nil, formatErrorf("persistent id is not a ('storage', type, key, location, numel) tuple")
	}
	g, _ := id[1].(Global)
	dtype, ok := storageDTypes[g]
	key, ok2 := id[2].(string)
	numel, ok3 := id[4].(int64)
	if !ok || !ok2 || !ok3 || numel < 0 {
		return nil, formatErrorf("persistent id has a bad storage type, key or size")
	}
	if s, ok := a.storages[key]; ok {
		return s, nil
	}
	size := elemSizes[dtype]
	if numel > a.budget/size {
		return nil, formatErrorf("storage %s of %d elements is over the %d-byte budget", sanitize(key), numel, a.budget)
	}
	data, err := a.read(a.prefix+"data/"+key, numel*size)
	if err != nil {
		return nil, err
	}
	if int64(len(data)) != numel*size {
		return nil, formatErrorf("storage %s has %d bytes, want %d", sanitize(key), len(data), numel*size)
	}
	a.budget -= numel * size
	s := &storage{dtype: dtype, numel: numel, data: data, budget: a.max}
	a.storages[key] = s
	return s, nil
}

// String describes a tensor for messages.
func (t *Tensor) String() string { return fmt.Sprintf("%s%v", t.DType, t.Shape) }
