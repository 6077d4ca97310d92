package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// onnxruntime_go leaves a typed nil in an output slot when it cannot wrap an output (a
// bfloat16 tensor); destroying it must not dereference nil (it was a SIGSEGV).
func TestDestroyAllSkipsTypedNil(t *testing.T) {
	var typedNil *ortgo.CustomDataTensor
	var tensorNil *ortgo.Tensor[float32]
	destroyAll([]ortgo.Value{nil, typedNil, tensorNil})
}

// The prompt-embedding cache stays bounded however many prompts the studio renders.
func TestEmbedCacheIsBounded(t *testing.T) {
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"}); err != nil {
		t.Fatal(err)
	}
	m, err := Open(dir, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := range embedCacheSize + 10 {
		if _, err := m.Embed(context.Background(), fmt.Sprintf("prompt %d", i)); err != nil {
			t.Fatal(err)
		}
		if len(m.embeds) > embedCacheSize {
			t.Fatalf("%d prompts cached, bound %d", len(m.embeds), embedCacheSize)
		}
	}
}
