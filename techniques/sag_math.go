package techniques

import (
	"fmt"
	"math"
)

// The formulas of diffusers' StableDiffusionSAGPipeline
// (pipelines/deprecated/stable_diffusion_sag/pipeline_stable_diffusion_sag.py), in float32 as
// torch computes them there. Tensors are NCHW slices.

// sagBlurSize and sagBlurSigma are the Gaussian of sag_masking's gaussian_blur_2d call.
const (
	sagBlurSize  = 9
	sagBlurSigma = 1.0
)

// sagPredX0 is the pipeline's pred_x0: the DDIM-like clean-sample prediction from x_t and a
// model output at ᾱ_t.
func sagPredX0(sample, out []float32, alphaProd float64, prediction string) ([]float32, error) {
	a, b := sagSqrts(alphaProd)
	res := make([]float32, len(sample))
	for i := range res {
		switch prediction {
		case "epsilon":
			res[i] = (sample[i] - b*out[i]) / a
		case "v_prediction":
			res[i] = a*sample[i] - b*out[i]
		case "sample":
			res[i] = out[i]
		default:
			return nil, fmt.Errorf("prediction_type %q: SAG knows epsilon, v_prediction and sample", prediction)
		}
	}
	return res, nil
}

// sagPredEps is the pipeline's pred_epsilon: the noise a model output implies at ᾱ_t.
func sagPredEps(sample, out []float32, alphaProd float64, prediction string) ([]float32, error) {
	a, b := sagSqrts(alphaProd)
	res := make([]float32, len(sample))
	for i := range res {
		switch prediction {
		case "epsilon":
			res[i] = out[i]
		case "v_prediction":
			res[i] = b*sample[i] + a*out[i]
		case "sample":
			res[i] = (sample[i] - a*out[i]) / b
		default:
			return nil, fmt.Errorf("prediction_type %q: SAG knows epsilon, v_prediction and sample", prediction)
		}
	}
	return res, nil
}

// sagSqrts are ᾱ^0.5 and (1 − ᾱ)^0.5 with ᾱ and 1 − ᾱ float32 tensors, as in pred_x0.
func sagSqrts(alphaProd float64) (float32, float32) {
	a := float32(alphaProd)
	return float32(math.Sqrt(float64(a))), float32(math.Sqrt(float64(1 - a)))
}

// sagMask is sag_masking's attention mask at latent size: for each image, the head-averaged
// self-attention map [Lq, Lk] summed over its queries, > 1 per key (a key that more than one
// query's worth of attention lands on), reshaped to the map's mapH×mapW and resized to
// latentH×latentW by nearest-neighbour (F.interpolate's default mode). One value per latent
// pixel and image, 0 or 1; the channels share it.
func sagMask(attn []float32, batch, mapH, mapW, latentH, latentW int) []float32 {
	lq := mapH * mapW
	mask := make([]float32, batch*latentH*latentW)
	for b := 0; b < batch; b++ {
		row := attn[b*lq*lq : (b+1)*lq*lq]
		keyMass := make([]float32, lq)
		for q := 0; q < lq; q++ {
			for k, p := range row[q*lq : (q+1)*lq] {
				keyMass[k] += p
			}
		}
		for y := 0; y < latentH; y++ {
			sy := nearestIndex(y, mapH, latentH)
			for x := 0; x < latentW; x++ {
				if keyMass[sy*mapW+nearestIndex(x, mapW, latentW)] > 1 {
					mask[(b*latentH+y)*latentW+x] = 1
				}
			}
		}
	}
	return mask
}

// nearestIndex is torch's legacy "nearest" source index: floor(dst·in/out) with the scale in
// float32, capped at in−1 (aten/src/ATen/native/UpSample.h, nearest_idx).
func nearestIndex(dst, in, out int) int {
	switch {
	case in == out:
		return dst
	case out == 2*in:
		return dst >> 1
	}
	scale := float32(in) / float32(out)
	return min(int(math.Floor(float64(float32(dst)*scale))), in-1)
}

// sagKernel is gaussian_blur_2d's 1-D kernel: pdf = exp(−½(x/σ)²) at x = linspace(−4, 4, 9),
// divided by its sum, in float32.
func sagKernel() [sagBlurSize]float32 {
	var k [sagBlurSize]float32
	var sum float32
	half := float32(sagBlurSize-1) / 2
	for i := range k {
		x := (float32(i) - half) / float32(sagBlurSigma)
		k[i] = float32(math.Exp(float64(-0.5 * x * x)))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// sagBlur is gaussian_blur_2d(img, 9, 1.0): reflect padding by 4, then a depthwise 9×9
// convolution with the outer product of sagKernel. Every side must exceed 4 (reflect padding
// needs it).
func sagBlur(img []float32, planes, h, w int) []float32 {
	k := sagKernel()
	var k2 [sagBlurSize][sagBlurSize]float32
	for i := range k {
		for j := range k {
			k2[i][j] = k[i] * k[j]
		}
	}
	half := sagBlurSize / 2
	out := make([]float32, len(img))
	for p := 0; p < planes; p++ {
		src := img[p*h*w : (p+1)*h*w]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc float32
				for i := 0; i < sagBlurSize; i++ {
					sy := reflectIndex(y+i-half, h)
					for j := 0; j < sagBlurSize; j++ {
						acc += k2[i][j] * src[sy*w+reflectIndex(x+j-half, w)]
					}
				}
				out[p*h*w+y*w+x] = acc
			}
		}
	}
	return out
}

// reflectIndex maps a padded coordinate into 0…n−1 the way F.pad(mode="reflect") does (the
// edge is not repeated).
func reflectIndex(i, n int) int {
	if i < 0 {
		return -i
	}
	if i >= n {
		return 2*(n-1) - i
	}
	return i
}

// sagDegrade is sag_masking before the re-noising: blurred x₀ where the mask is 1, x₀ where
// it is 0 (blur·mask + x₀·(1 − mask)). x0 is [batch, channels, h, w]; mask is [batch, h, w].
func sagDegrade(x0, mask []float32, batch, channels, h, w int) []float32 {
	blurred := sagBlur(x0, batch*channels, h, w)
	out := make([]float32, len(x0))
	for b := 0; b < batch; b++ {
		m := mask[b*h*w : (b+1)*h*w]
		for c := 0; c < channels; c++ {
			off := (b*channels + c) * h * w
			for i, mv := range m {
				out[off+i] = blurred[off+i]*mv + x0[off+i]*(1-mv)
			}
		}
	}
	return out
}
