package runtime

import (
	"context"
	"fmt"

	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// imageInputOf finds the request's image conditioner; two are a programming or session error.
func imageInputOf(ts []Technique) (*ImageInput, error) {
	var found *ImageInput
	for _, t := range ts {
		ic, ok := t.(ImageConditioner)
		if !ok {
			continue
		}
		if found != nil {
			return nil, requestError{"two techniques give an input image; a render takes one"}
		}
		if found = ic.ImageInput(); found == nil || found.Image == nil {
			return nil, requestError{t.Name() + ": no input image"}
		}
	}
	if found != nil && (found.Strength < 0 || found.Strength > 1 || found.Strength != found.Strength) {
		return nil, requestError{fmt.Sprintf("strength %v: must be in [0, 1]", found.Strength)}
	}
	return found, nil
}

// start sets the initial latents and the first UNet call, per pipeline (diffusers'
// prepare_latents of each):
//   - text-to-image and instruct-pix2pix: randn(B,4,h,w)·init_noise_sigma from the seed;
//     instruct-pix2pix also keeps the image latent (the encoder's mode, unscaled);
//   - img2img and depth2img: the image's posterior sample (drawn first from the seed's
//     generator) × scaling factor, then noise (drawn next) added at the start call
//     t_start = StrengthStart(steps, strength) with the scheduler's add_noise.
func (r *render) start(ctx context.Context) error {
	h, w := int64(r.req.Height/8), int64(r.req.Width/8)
	shape := []int64{int64(r.req.Batch), 4, h, w}
	img := r.image
	if img == nil || r.kind == PipelineInstruct {
		if img != nil {
			if err := r.keepImageLatent(ctx); err != nil {
				return err
			}
		}
		r.latents = Tensor{Shape: shape, Data: r.gen.Randn(Elems(shape))}
		sigma := float32(r.sched.InitNoiseSigma())
		for i := range r.latents.Data {
			r.latents.Data[i] *= sigma
		}
		return nil
	}
	if r.kind == PipelineDepth {
		if err := r.prepareDepth(ctx); err != nil {
			return err
		}
	}
	return r.startFromImage(ctx, shape)
}

// startFromImage is StableDiffusionImg2ImgPipeline.get_timesteps + prepare_latents. At
// strength 0 nothing is denoised and the render decodes the posterior sample itself (the
// image's VAE round trip); diffusers refuses that case, which leaves no steps.
func (r *render) startFromImage(ctx context.Context, shape []int64) error {
	post, err := r.m.encode(ctx, imageTensor(r.image.Image, r.req.Width, r.req.Height))
	if err != nil {
		return err
	}
	init := r.m.scale(post.sample(r.gen.Randn))
	batch := make([]float32, 0, Elems(shape))
	for range r.req.Batch {
		batch = append(batch, init...)
	}
	r.latents = Tensor{Shape: shape, Data: batch}
	if r.image.Strength == 0 {
		r.offset = len(r.sched.Timesteps())
		return nil
	}
	r.offset = scheduler.StrengthStart(r.req.Steps, r.image.Strength)
	noise := r.gen.Randn(len(batch))
	r.latents.Data, err = r.sched.AddNoise(batch, noise, r.offset)
	return err
}

// keepImageLatent is InstructPix2Pix's prepare_image_latents: the encoder's mode (the
// posterior mean), not scaled, one copy per image of the batch; it draws nothing from the
// generator.
func (r *render) keepImageLatent(ctx context.Context) error {
	post, err := r.m.encode(ctx, imageTensor(r.image.Image, r.req.Width, r.req.Height))
	if err != nil {
		return err
	}
	r.extraIn = extraChannels{channels: 4, zeroGroup: -1}
	for range r.req.Batch {
		r.extraIn.data = append(r.extraIn.data, post.mean...)
	}
	return nil
}

// extraChannels are what a pix2pix or depth UNet takes after the 4 latent channels, one
// block of channels×h×w per image of the batch; zeroGroup, when ≥ 0, is the row group that
// gets zeros instead (instruct-pix2pix's image-unconditional rows).
type extraChannels struct {
	channels  int
	data      []float32
	zeroGroup int
}

// unetInput concatenates the scaled latents of every row group with the extra channels
// along dim 1, as torch.cat([scaled_latent_model_input, image_latents], dim=1) does; the
// scheduler scaling comes first, so the extra channels are never scaled.
func (e extraChannels) unetInput(x Tensor, groups int) Tensor {
	if e.channels == 0 {
		return repeatRows(x, groups)
	}
	batch := int(x.Shape[0])
	plane := int(x.Shape[2] * x.Shape[3])
	lat, ext := 4*plane, e.channels*plane
	out := Tensor{Shape: []int64{int64(groups * batch), int64(4 + e.channels), x.Shape[2], x.Shape[3]},
		Data: make([]float32, 0, groups*batch*(lat+ext))}
	zeros := make([]float32, ext)
	for g := range groups {
		for b := range batch {
			out.Data = append(out.Data, x.Data[b*lat:(b+1)*lat]...)
			if g == e.zeroGroup {
				out.Data = append(out.Data, zeros...)
			} else {
				out.Data = append(out.Data, e.data[b*ext:(b+1)*ext]...)
			}
		}
	}
	return out
}
