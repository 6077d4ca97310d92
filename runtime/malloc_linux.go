//go:build linux && cgo

package runtime

/*
#include <malloc.h>
*/
import "C"

// returnFreedMemory makes glibc serve every allocation of 64 KiB or more with its own mmap,
// so that activation buffers ONNX Runtime frees go straight back to the system. Without it
// glibc's sliding mmap threshold moves up to 32 MiB after the first large frees, later
// buffers come from the heap, and the heap fragments: an SD 1.5 render at 512² then grows its
// resident set step after step (measured in docs/benchmarks.md). Used with LowMemory only,
// since it costs a system call per large allocation.
func returnFreedMemory() {
	C.mallopt(C.M_MMAP_THRESHOLD, 64<<10)
}
