package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/nudge-studio/nudge/runtime/modelfile"
	"github.com/nudge-studio/nudge/runtime/scheduler"
	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// Model is an opened Stable Diffusion ONNX folder (Optimum or legacy diffusers layout) with
// one ORT session per component. It belongs to one goroutine — the Engine's — because the
// embedding cache is not locked and ORT sessions are the engine's to schedule.
type Model struct {
	Dir        string
	Text       *Component
	UNet       *Component
	VAEDecoder *Component
	// TAESD is taesd_decoder.onnx for live previews, opened on the first job that asks for
	// TAESD previews (nil before, and when the folder has none). The VAE encoder is not
	// opened at all until a technique needs images in (txt2img never does), which keeps its
	// weights out of memory.
	TAESD     *Component
	taesdOnce bool
	// VAEEncoder and DepthEstimator are opened on the first render that puts an image in
	// (img2img, instruct-pix2pix, depth2img); nil before.
	VAEEncoder, DepthEstimator *Component
	Tokenizer                  *tokenizer.Tokenizer
	Scheduler                  scheduler.Config
	ScalingFactor              float64 // VAE latent scale, 0.18215 for SD 1.x/2.x
	// LatentsMean and LatentsStd, when the VAE config has them (diffusers' AutoencoderKL
	// latents_mean / latents_std), standardise each latent channel: the UNet's latents are
	// (z − mean)·ScalingFactor/std, so decoding takes latents·std/ScalingFactor + mean.
	LatentsMean, LatentsStd []float64
	MaxLength               int      // text encoder sequence length (77)
	Sizes                   SizeRule // which image sizes the UNet takes
	Options                 Options

	embeds    map[string]Tensor
	texts     map[TextSpec]*Component     // edited text encoders (clip skip, added tokens), opened on first use
	tiFiles   textinv.Cache               // embedding files read so far
	vocab     *textinv.Vocab              // the added tokens of the last request's embeddings
	vocabOf   []*textinv.Embedding        // the embeddings vocab was built from
	unetGraph string                      // the UNet graph techniques prepare from: never the sliced copy
	slicedAt  [2]int                      // latent size the UNet session is sliced for (attention slicing)
	attention map[string]*AttentionRunner // prepared attention graphs, opened once per need
	lora      *loraState                  // LoRA-patched components (lora.go); nil until a render asks
}

// Open loads a model folder: the text encoder, UNet and VAE decoder, which are required.
func Open(dir string, o Options) (*Model, error) {
	if strings.ContainsFunc(dir, unicode.IsControl) {
		// A session records the model's path and refuses control characters in it, so such
		// a model could be opened but its session never saved.
		return nil, modelError{strconv.Quote(dir), "the path has control characters, which a session cannot record — rename the folder"}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, modelError{dir, "not a folder — give the path of a Stable Diffusion ONNX export (or demo:tiny)"}
	}
	if err := modelfile.Check(filepath.Join(dir, "unet", "model.onnx")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, modelError{dir, "not a Stable Diffusion ONNX folder: unet/model.onnx is missing"}
		}
		return nil, modelError{filepath.Join(dir, "unet", "model.onnx"), "cannot be opened: " + oneLine(unwrapPathError(err))}
	}
	m := &Model{Dir: dir, Options: o, ScalingFactor: 0.18215, MaxLength: 77, embeds: map[string]Tensor{}}
	if err := m.openParts(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

func (m *Model) openParts() error {
	var err error
	if m.Tokenizer, err = tokenizer.LoadModel(m.Dir); err != nil {
		return err
	}
	if err = m.checkVocabSize(); err != nil {
		return err
	}
	if m.Scheduler, err = scheduler.LoadConfig(filepath.Join(m.Dir, "scheduler", "scheduler_config.json")); err != nil {
		return err
	}
	m.readVAEConfig()
	parts := []struct {
		name string
		dst  **Component
	}{{"text_encoder", &m.Text}, {"unet", &m.UNet}, {"vae_decoder", &m.VAEDecoder}}
	for _, p := range parts {
		if *p.dst, err = openComponent(p.name, filepath.Join(m.Dir, p.name, "model.onnx"), m.Options); err != nil {
			return err
		}
	}
	m.unetGraph = m.UNet.Path
	m.Sizes = sizeRuleOf(m.Dir, m.UNet)
	if spec, ok := m.Text.Input("input_ids"); ok && len(spec.Dims) == 2 && spec.Dims[1] > 0 {
		m.MaxLength = int(spec.Dims[1])
	}
	return nil
}

// checkVocabSize refuses a tokenizer whose ids the text encoder has no embedding rows for,
// as when a folder without tokenizer/ (which gets CLIP's 49,408 ids) holds a smaller text
// encoder: ORT's Gather would otherwise fail mid-render. text_encoder/config.json's vocab_size
// is transformers' CLIPTextConfig.vocab_size; a folder without it is not checked.
func (m *Model) checkVocabSize() error {
	path := filepath.Join(m.Dir, "text_encoder", "config.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var cfg struct {
		VocabSize int `json:"vocab_size"`
	}
	if json.Unmarshal(raw, &cfg) != nil || cfg.VocabSize <= 0 || cfg.VocabSize >= m.Tokenizer.VocabSize() {
		return nil
	}
	return modelError{path, fmt.Sprintf("vocab_size is %d but the tokenizer (%s) has %d ids — put the model's own tokenizer/ folder beside it",
		cfg.VocabSize, m.Tokenizer.Source(), m.Tokenizer.VocabSize())}
}

// readVAEConfig takes scaling_factor from vae_decoder/config.json (diffusers writes it there);
// SD 1.x/2.x exports without it use 0.18215 as diffusers' ONNX pipeline hard-codes.
func (m *Model) readVAEConfig() {
	raw, err := modelfile.ReadFile(filepath.Join(m.Dir, "vae_decoder", "config.json"), 1<<20)
	if err != nil {
		return
	}
	var cfg struct {
		ScalingFactor *float64  `json:"scaling_factor"`
		LatentsMean   []float64 `json:"latents_mean"`
		LatentsStd    []float64 `json:"latents_std"`
	}
	if json.Unmarshal(raw, &cfg) != nil {
		return
	}
	if cfg.ScalingFactor != nil && *cfg.ScalingFactor > 0 {
		m.ScalingFactor = *cfg.ScalingFactor
	}
	if len(cfg.LatentsMean) > 0 && len(cfg.LatentsMean) == len(cfg.LatentsStd) && !slices.ContainsFunc(cfg.LatentsStd, func(v float64) bool { return v <= 0 }) {
		m.LatentsMean, m.LatentsStd = cfg.LatentsMean, cfg.LatentsStd
	}
}

// unscale turns one image's UNet latents [C,h,w] into the VAE decoder's input, as
// diffusers' pipelines do before vae.decode: latents/scaling_factor, or with per-channel
// statistics latents·latents_std/scaling_factor + latents_mean (StableDiffusionXLPipeline).
func (m *Model) unscale(row []float32) []float32 {
	z := make([]float32, len(row))
	if c := len(m.LatentsMean); c > 0 && len(row)%c == 0 {
		plane := len(row) / c
		for i, v := range row {
			ch := i / plane
			z[i] = float32(float64(v)*m.LatentsStd[ch]/m.ScalingFactor + m.LatentsMean[ch])
		}
		return z
	}
	scale := float32(1 / m.ScalingFactor)
	for i, v := range row {
		z[i] = v * scale
	}
	return z
}

// Close releases every ORT session.
func (m *Model) Close() {
	if m.lora != nil && m.lora.unet != nil { // m.UNet/m.Text may be the patched ones: close each once
		m.UNet, m.Text = m.lora.unet.base, m.lora.text.base
		m.lora.unet.close()
		m.lora.text.close()
	}
	for _, c := range []*Component{m.Text, m.UNet, m.VAEDecoder, m.TAESD, m.VAEEncoder, m.DepthEstimator} {
		c.Close()
	}
	for _, c := range m.texts {
		c.Close()
	}
	for _, a := range m.attention {
		a.close()
	}
	m.attention = nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// IsBadInput reports whether err is the user's to fix (exit code 2 in the CLI).
func IsBadInput(err error) bool {
	var b interface{ BadInput() bool }
	return errors.As(err, &b) && b.BadInput()
}
