// Package orttest gives tests a real ONNX Runtime: it loads the library that `make test`
// fetched (or $NUDGE_ORT_LIBRARY) and fails the test with instructions when it is missing,
// rather than skipping, so CI can never pass without running the real graphs.
package orttest

import (
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort"
)

// Setup initialises ONNX Runtime for a test or benchmark.
func Setup(tb testing.TB) {
	tb.Helper()
	if err := ort.Init(ort.ResolveLibrary("")); err != nil {
		tb.Fatalf("%v (run tests through `make test`, which fetches it)", err)
	}
}
