//go:build unix

package onnxgraph

import (
	"os"
	"syscall"
)

// mapFile maps a model file read-only. Pages of initializer data that loadSkeleton skips are
// never touched, so a 500 MB inline text encoder costs only its graph's pages in RSS.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}
