package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"

	"github.com/disintegration/imaging"

	"github.com/nudge-studio/nudge/runtime/modelfile"
)

// DepthEstimatorDir is where a depth2img folder keeps its DPT-style depth estimator
// (model.onnx: pixel_values [1,3,S,S] → predicted_depth [1,S,S]), as the
// stable-diffusion-2-depth export's depth_estimator/ next to feature_extractor/.
const DepthEstimatorDir = "depth_estimator"

// depthPreprocess is the feature extractor's DPTImageProcessor settings that matter here.
type depthPreprocess struct {
	size      int
	mean, std [3]float64
}

// readDepthPreprocess reads feature_extractor/preprocessor_config.json; stable-diffusion-2-
// depth's DPT-Hybrid uses 384×384, mean = std = 0.5, which are the defaults.
func (m *Model) readDepthPreprocess() depthPreprocess {
	p := depthPreprocess{size: 384, mean: [3]float64{0.5, 0.5, 0.5}, std: [3]float64{0.5, 0.5, 0.5}}
	raw, err := modelfile.ReadFile(filepath.Join(m.Dir, "feature_extractor", "preprocessor_config.json"), 1<<20)
	if err != nil {
		return p
	}
	var cfg struct {
		Size      json.RawMessage `json:"size"`
		ImageMean []float64       `json:"image_mean"`
		ImageStd  []float64       `json:"image_std"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return p
	}
	var side int
	var hw struct{ Height, Width int }
	if json.Unmarshal(cfg.Size, &side) == nil && side > 0 && side <= 2048 {
		p.size = side
	} else if json.Unmarshal(cfg.Size, &hw) == nil && hw.Height > 0 && hw.Height == hw.Width && hw.Height <= 2048 {
		p.size = hw.Height
	}
	if len(cfg.ImageMean) == 3 && len(cfg.ImageStd) == 3 && cfg.ImageStd[0] > 0 && cfg.ImageStd[1] > 0 && cfg.ImageStd[2] > 0 {
		copy(p.mean[:], cfg.ImageMean)
		copy(p.std[:], cfg.ImageStd)
	}
	return p
}

// prepareDepth is StableDiffusionDepth2ImgPipeline.prepare_depth_map: the depth estimator's
// predicted_depth (or the user's depth map), bicubic to the latent size, then each map
// scaled to [−1, 1] by its own min and max; one copy per image of the batch, the same for
// every row group (diffusers repeats it for the CFG rows).
func (r *render) prepareDepth(ctx context.Context) error {
	h, w := r.req.Height/8, r.req.Width/8
	var src []float32
	var sh, sw int
	var err error
	if r.image.Depth != nil {
		src, sh, sw = depthFromImage(r.image.Depth)
	} else if src, sh, sw, err = r.m.estimateDepth(ctx, r.image.Image); err != nil {
		return err
	}
	d := NormalizeDepth(Bicubic(src, sh, sw, h, w))
	r.extraIn = extraChannels{channels: 1, zeroGroup: -1}
	for range r.req.Batch {
		r.extraIn.data = append(r.extraIn.data, d...)
	}
	return nil
}

// depthFromImage reads a depth picture's luminance (16 bits where it has them) as depth.
func depthFromImage(img image.Image) ([]float32, int, int) {
	b := img.Bounds()
	out := make([]float32, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g := color.Gray16Model.Convert(img.At(x, y)).(color.Gray16)
			out = append(out, float32(g.Y)/65535)
		}
	}
	return out, b.Dy(), b.Dx()
}

// estimateDepth runs depth_estimator/model.onnx on the input image, preprocessed as
// DPTImageProcessor does for stable-diffusion-2-depth: resized to S×S (bicubic), /255,
// normalised by mean and std.
func (m *Model) estimateDepth(ctx context.Context, img image.Image) ([]float32, int, int, error) {
	if m.DepthEstimator == nil {
		c, err := openComponent("depth estimator", filepath.Join(m.Dir, DepthEstimatorDir, "model.onnx"), m.Options)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("%w (or give a depth map: render --depth d.png)", err)
		}
		m.DepthEstimator = c
	}
	p := m.readDepthPreprocess()
	fit := imaging.Resize(img, p.size, p.size, imaging.CatmullRom)
	t := NewTensor(1, 3, int64(p.size), int64(p.size))
	plane := p.size * p.size
	for y := 0; y < p.size; y++ {
		for x := 0; x < p.size; x++ {
			o := fit.PixOffset(x, y)
			for c := 0; c < 3; c++ {
				t.Data[c*plane+y*p.size+x] = float32((float64(fit.Pix[o+c])/255 - p.mean[c]) / p.std[c])
			}
		}
	}
	in, out := m.DepthEstimator.Inputs[0].Name, m.DepthEstimator.Outputs[0].Name
	res, err := m.DepthEstimator.Run(ctx, map[string]Feed{in: {Shape: t.Shape, F: t.Data}},
		map[string][]int64{out: {1, int64(p.size), int64(p.size)}})
	if err != nil {
		return nil, 0, 0, err
	}
	d := res[out]
	if n := len(d.Shape); n < 2 || Elems(d.Shape) != int(d.Shape[n-2]*d.Shape[n-1]) {
		return nil, 0, 0, modelError{m.DepthEstimator.Path, fmt.Sprintf("predicted depth has shape %v; want one map [1,H,W]", d.Shape)}
	}
	n := len(d.Shape)
	return d.Data, int(d.Shape[n-2]), int(d.Shape[n-1]), nil
}

// Bicubic resizes one h×w map to oh×ow as torch.nn.functional.interpolate(mode="bicubic",
// align_corners=False) does: source x = (dst + 0.5)·in/out − 0.5, Keys' cubic convolution
// with A = −0.75, edge indices clamped, no antialiasing (upsample_bicubic2d).
func Bicubic(src []float32, h, w, oh, ow int) []float32 {
	tmp := make([]float64, h*ow)
	for y := range h {
		for x := range ow {
			tmp[y*ow+x] = cubicAt(func(i int) float64 { return float64(src[y*w+i]) }, w, x, ow)
		}
	}
	out := make([]float32, oh*ow)
	for y := range oh {
		for x := range ow {
			out[y*ow+x] = float32(cubicAt(func(i int) float64 { return tmp[i*ow+x] }, h, y, oh))
		}
	}
	return out
}

// cubicAt interpolates along one axis of length n at output index d of out.
func cubicAt(at func(int) float64, n, d, out int) float64 {
	s := (float64(d)+0.5)*float64(n)/float64(out) - 0.5
	i0 := int(math.Floor(s))
	t := s - float64(i0)
	w := cubicWeights(t)
	var acc float64
	for k := range 4 {
		acc += w[k] * at(min(max(i0-1+k, 0), n-1))
	}
	return acc
}

// cubicWeights are the four taps of Keys' kernel at offset t (torch's get_cubic_upsample_coefficients).
func cubicWeights(t float64) [4]float64 {
	const a = -0.75
	near := func(x float64) float64 { return ((a+2)*x-(a+3))*x*x + 1 }
	far := func(x float64) float64 { return ((a*x-5*a)*x+8*a)*x - 4*a }
	return [4]float64{far(t + 1), near(t), near(1 - t), far(2 - t)}
}

// NormalizeDepth maps a depth map to [−1, 1] by its min and max, 2(d − min)/(max − min) − 1;
// a flat map (max = min) becomes zeros rather than NaNs.
func NormalizeDepth(d []float32) []float32 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range d {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	out := make([]float32, len(d))
	if !(hi > lo) {
		return out
	}
	for i, v := range d {
		out[i] = float32(2*(float64(v)-lo)/(hi-lo) - 1)
	}
	return out
}
