package recipe

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/runtime/train"
)

func TestTokenTableRoundTrip(t *testing.T) {
	tok, err := tokenizer.CLIP()
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"a red circle", "a blue square and a yellow triangle", ""}
	table := newTokenTable(tok, texts, maxTokens)
	if !slices.IsSorted(table.ids) {
		t.Fatalf("ids not ascending: %v", table.ids)
	}
	ids, _ := tok.Encode("a blue square and a yellow triangle", maxTokens)
	small, err := table.remap(ids)
	if err != nil {
		t.Fatal(err)
	}
	// The map is monotone, so the argmax (the end-of-text token) lands on the same position.
	if argmax(ids) != argmax(small) {
		t.Errorf("end-of-text position %d became %d", argmax(ids), argmax(small))
	}
	if _, err := table.remap([]int64{12345}); err == nil {
		t.Error("an id outside the table was remapped")
	}
	const width = 3
	full := train.Param{Dims: []int64{50000, width}, Data: make([]float32, 50000*width)}
	for i := range full.Data {
		full.Data[i] = float32(i)
	}
	rows := train.Param{Dims: []int64{int64(len(table.ids)), width}, Data: make([]float32, len(table.ids)*width)}
	for i := range rows.Data {
		rows.Data[i] = -1
	}
	back := table.expand(full, rows)
	for id := int64(0); id < 50000; id++ {
		want := float32(id * width)
		if _, used := table.index[id]; used {
			want = -1
		}
		if back.Data[id*width] != want {
			t.Fatalf("row %d = %v, want %v", id, back.Data[id*width], want)
		}
	}
	if full.Data[table.ids[0]*width] == -1 {
		t.Error("expand changed the table it was given")
	}
}

func argmax(x []int64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// TestVAELossMatchesComponents checks the composed training graph's loss against the
// reconstruction MSE and KL recomputed in float64 from the encoder and decoder run alone.
func TestVAELossMatchesComponents(t *testing.T) {
	orttest.Setup(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "init")
	if err := WriteInit(ctx, dir, Architecture(), 5); err != nil {
		t.Fatal(err)
	}
	enc, err := train.LoadModel(filepath.Join(dir, "vae_encoder", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := train.LoadModel(filepath.Join(dir, "vae_decoder", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	const beta = 0.25 // large, so a wrong KL shows
	m, err := vaeTrainingGraph(enc, dec, beta)
	if err != nil {
		t.Fatal(err)
	}
	src := imageSource{Seed: 9, Batch: 2, Size: ImageSize, Crop: 32, Image: prefixEncoder + "sample", Eps: prefixEncoder + inputEps}
	batch, err := src.batchAt(0)
	if err != nil {
		t.Fatal(err)
	}
	so, err := sessionOptions(1)
	if err != nil {
		t.Fatal(err)
	}
	defer so.Destroy()
	g, err := train.NewGraph(m, train.GraphConfig{Loss: train.LossName, Params: trainableParams(m)[:1],
		PinnedShapes: map[string][]int64{src.Image: {2, 3, 32, 32}, src.Eps: {2, 4, 4, 4}}, SessionOptions: so})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	got, err := g.Run(batch)
	if err != nil {
		t.Fatal(err)
	}

	img, eps := batch[src.Image], batch[src.Eps]
	moments, _, err := forward(enc, img.Shape, img.F32, 1)
	if err != nil {
		t.Fatal(err)
	}
	per := len(eps.F32) / 2
	z := make([]float32, len(eps.F32))
	var kl float64
	for i := 0; i < 2; i++ {
		for j := 0; j < per; j++ {
			mu, lv := float64(moments[i*2*per+j]), float64(moments[i*2*per+per+j])
			z[i*per+j] = float32(mu + math.Exp(lv/2)*float64(eps.F32[i*per+j]))
			kl += 0.5 * (mu*mu + math.Exp(lv) - 1 - lv)
		}
	}
	kl /= float64(len(z))
	recon, _, err := forward(dec, eps.Shape, z, 1)
	if err != nil {
		t.Fatal(err)
	}
	var mse float64
	for i, v := range recon {
		d := float64(v) - float64(img.F32[i])
		mse += d * d
	}
	mse /= float64(len(recon))
	want := mse + beta*kl
	if math.Abs(got-want) > 1e-4*math.Abs(want) {
		t.Errorf("loss %v, recomputed %v (mse %v, kl %v)", got, want, mse, kl)
	}
}
