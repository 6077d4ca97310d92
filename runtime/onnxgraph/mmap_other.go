//go:build !unix

package onnxgraph

import (
	"io"
	"os"
)

// mapFile reads the whole file where mmap is unavailable; correct, but inline weights then
// count towards memory use while the graph is parsed.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, func() {}, nil
}
