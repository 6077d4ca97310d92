package session

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Infotext keys nudge adds after A1111's own. Their names fit A1111's key pattern
// (word characters, spaces, '-' and '/'), so A1111's PNG Info shows them.
const (
	keyProvider  = "Provider"
	keyPrecision = "Precision"
	keyORT       = "ORT"
)

// FormatA1111 writes the session's parameters as A1111 infotext (A1111 modules/processing.py,
// create_infotext), in A1111's key order, then nudge's own keys, then Version. The text is lossy;
// the `nudge` PNG chunk is the lossless record.
func FormatA1111(s *Session) string {
	p := &s.Params
	it := &Infotext{Prompt: p.Prompt, Negative: p.Negative}
	add := func(k, v string) { it.Params = append(it.Params, Param{k, v}) }
	add("Steps", strconv.Itoa(p.Sampler.Steps))
	add("Sampler", A1111SamplerName(p.Sampler.Scheduler))
	if p.Sampler.Karras {
		add("Schedule type", "Karras")
	}
	add("CFG scale", strconv.FormatFloat(p.Sampler.Guidance, 'g', -1, 64))
	add("Seed", strconv.FormatUint(p.Noise.Seed, 10))
	add("Size", fmt.Sprintf("%dx%d", p.Width, p.Height))
	if len(p.Model.Fingerprint) >= 10 {
		add("Model hash", p.Model.Fingerprint[:10])
	}
	add("Model", modelName(p.Model.Path))
	if p.ClipSkip > 1 {
		add("Clip skip", strconv.Itoa(p.ClipSkip))
	}
	embeddingsInfotext(p, add)
	if p.Sampler.Eta != 0 {
		add("Eta", strconv.FormatFloat(p.Sampler.Eta, 'g', -1, 64))
	}
	if p.Noise.Generator == "torch_cpu" {
		add("RNG", "CPU") // A1111's CPU RNG is torch.randn on a CPU generator, as ours
	} else {
		add("RNG", p.Noise.Generator)
	}
	for _, k := range p.blockNames() {
		p.Blocks[k].Infotext(add)
	}
	add(keyProvider, p.Runtime.Provider)
	add(keyPrecision, p.Runtime.Precision)
	if p.Runtime.ORTVersion != "" {
		add(keyORT, p.Runtime.ORTVersion)
	}
	add("Version", "nudge")
	return it.String()
}

// modelName is the model's name as A1111 shows it: the last path element.
func modelName(p string) string {
	p = strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/")
	if p == "" {
		return "unknown"
	}
	return path.Base(p)
}
