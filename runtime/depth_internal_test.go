package runtime

import (
	"context"
	"image"
	"image/color"
	"math"
	"slices"
	"strings"
	"testing"
)

// Bicubic's known properties (Keys 1981, and torch's upsample_bicubic2d): the same size is
// the identity, constants stay constant, and away from the clamped edges a linear ramp is
// reproduced exactly (cubic convolution with A = −0.75 has linear precision).
func TestBicubicProperties(t *testing.T) {
	ramp := make([]float32, 6*8)
	for y := range 6 {
		for x := range 8 {
			ramp[y*8+x] = float32(3*x - 2*y)
		}
	}
	if got := Bicubic(ramp, 6, 8, 6, 8); !slices.Equal(got, ramp) {
		t.Fatalf("same size is not the identity: %v", got)
	}
	flat := make([]float32, 12)
	for i := range flat {
		flat[i] = 0.7
	}
	for _, v := range Bicubic(flat, 3, 4, 7, 5) {
		if math.Abs(float64(v)-0.7) > 1e-6 {
			t.Fatalf("constant map became %v", v)
		}
	}
	// The align_corners=False mapping is mirror-symmetric: flipping the input flips the output.
	rev := slices.Clone(ramp)
	slices.Reverse(rev)
	up, upRev := Bicubic(ramp, 6, 8, 9, 13), Bicubic(rev, 6, 8, 9, 13)
	for i := range up {
		if math.Abs(float64(up[i]-upRev[len(up)-1-i])) > 1e-5 {
			t.Fatalf("mirror: [%d] %v vs %v", i, up[i], upRev[len(up)-1-i])
		}
	}
	// Worked by hand: [0 1] → 4 samples; the first tap set is clamped to (0,0,0,1) with
	// t = 0.75, so the value is the far weight at 1.25: ((A·x − 5A)x + 8A)x − 4A = −0.10546875;
	// the second (t = 0.25, taps 0,0,1,1) is near(0.75) + far(1.75) = 0.26171875 − 0.03515625.
	got := Bicubic([]float32{0, 1}, 1, 2, 1, 4)
	if want := []float32{-0.10546875, 0.2265625, 0.7734375, 1.10546875}; !slices.Equal(got, want) {
		t.Fatalf("Bicubic([0 1]) = %v, want %v", got, want)
	}
}

func TestNormalizeDepth(t *testing.T) {
	got := NormalizeDepth([]float32{2, 4, 3, 6})
	if !slices.Equal(got, []float32{-1, 0, -0.5, 1}) {
		t.Fatalf("got %v", got)
	}
	if got := NormalizeDepth([]float32{5, 5}); !slices.Equal(got, []float32{0, 0}) {
		t.Fatalf("flat map: %v, want zeros (diffusers would divide by zero)", got)
	}
}

// A depth2img render with the user's depth map: the depth channel the UNet gets is the map
// resized to the latent size and normalised, and the render is deterministic.
func TestDepth2ImgWithUserDepth(t *testing.T) {
	m := openVariant(t, "depth")
	depth := image.NewGray(image.Rect(0, 0, 40, 24))
	for y := range 24 {
		for x := range 40 {
			depth.SetGray(x, y, color.Gray{uint8(6 * x)})
		}
	}
	req := img2imgRequest("ddim", 0.6)
	req.Techniques = []Technique{&imageTechnique{ImageInput{Image: testPicture(64, 64), Strength: 0.6, Depth: depth}}}
	r, err := m.newRender(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	d, h, w := depthFromImage(depth)
	want := NormalizeDepth(Bicubic(d, h, w, 8, 8))
	if r.extraIn.channels != 1 || !slices.Equal(r.extraIn.data[:64], want) || !slices.Equal(r.extraIn.data[64:], want) {
		t.Fatal("the depth channel is not the resized, normalised map for every image")
	}
	a, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Images[0].Pix, b.Images[0].Pix) {
		t.Fatal("depth2img is not deterministic")
	}
}

// Instruct-pix2pix: three row groups with CFG, one without (image guidance < 1), the image
// latent is the posterior mean, and the render runs.
func TestInstructPix2PixRows(t *testing.T) {
	m := openVariant(t, "instruct-pix2pix")
	req := img2imgRequest("euler_a", 0)
	in := &imageTechnique{ImageInput{Image: testPicture(64, 64), ImageGuidance: 1.5}}
	req.Techniques = []Technique{in}
	r, err := m.newRender(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	post, _ := m.encode(context.Background(), imageTensor(in.in.Image, 64, 64))
	if r.groups != 3 || r.extraIn.zeroGroup != 2 || !slices.Equal(r.extraIn.data[:256], post.mean) {
		t.Fatalf("groups %d, zero group %d; want 3 and 2 with the posterior mean", r.groups, r.extraIn.zeroGroup)
	}
	if len(r.timesteps) != 10 {
		t.Fatalf("pix2pix runs %d steps, want all 10 (no strength)", len(r.timesteps))
	}
	in.in.ImageGuidance = 0.5
	if r, err = m.newRender(context.Background(), req); err != nil || r.groups != 1 {
		t.Fatalf("image guidance < 1: %d groups (err %v), want 1 as diffusers' do_classifier_free_guidance", r.groups, err)
	}
	if _, err := m.Render(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
}

// A UNet and an image input that do not fit are refused in one line naming both.
func TestPipelineMismatch(t *testing.T) {
	m := openVariant(t, "instruct-pix2pix")
	req := img2imgRequest("ddim", 0.5)
	req.Techniques = nil
	if _, err := m.Render(context.Background(), req, nil); err == nil || !strings.Contains(err.Error(), "8 input channels") {
		t.Fatalf("text-to-image on a pix2pix UNet: %v", err)
	}
	req.Techniques = []Technique{&imageTechnique{ImageInput{Image: testPicture(64, 64), Strength: 0.5, Want: PipelineDepth}}}
	_, err := m.Render(context.Background(), req, nil)
	if err == nil || !strings.Contains(err.Error(), "depth2img") || !strings.Contains(err.Error(), "instruct-pix2pix") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("depth asked of a pix2pix UNet: %v", err)
	}
}

// depth2img with the folder's depth estimator (the demo's tiny random one): the depth
// channel is its predicted depth, resized and normalised, so it spans exactly [−1, 1].
func TestDepth2ImgWithEstimator(t *testing.T) {
	m := openVariant(t, "depth")
	req := img2imgRequest("euler", 0.5)
	req.Techniques = []Technique{&imageTechnique{ImageInput{Image: testPicture(64, 64), Strength: 0.5}}}
	r, err := m.newRender(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	d := r.extraIn.data[:64]
	if slices.Min(d) != -1 || slices.Max(d) != 1 {
		t.Fatalf("depth channel spans [%v, %v], want [−1, 1]", slices.Min(d), slices.Max(d))
	}
	if p := m.readDepthPreprocess(); p.size != 32 || p.mean[0] != 0.5 {
		t.Fatalf("preprocessor config not read: %+v", p)
	}
	if _, err := m.Render(context.Background(), req, nil); err != nil {
		t.Fatal(err)
	}
}
