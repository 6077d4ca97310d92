package runtime

import (
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"
)

// onnxruntime_go leaves a typed nil in an output slot when it cannot wrap an output (a
// bfloat16 tensor); destroying it must not dereference nil (it was a SIGSEGV).
func TestDestroyAllSkipsTypedNil(t *testing.T) {
	var typedNil *ortgo.CustomDataTensor
	var tensorNil *ortgo.Tensor[float32]
	destroyAll([]ortgo.Value{nil, typedNil, tensorNil})
}
