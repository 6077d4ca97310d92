//go:build !linux || !cgo

package runtime

// returnFreedMemory is a no-op where the C library is not glibc.
func returnFreedMemory() {}
