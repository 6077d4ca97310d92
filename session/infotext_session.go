package session

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Infotext keys nudge adds after A1111's own. Their names fit A1111's key pattern
// (word characters, spaces, '-' and '/'), so A1111's PNG Info shows them.
const (
	keySEGA      = "SEGA"
	keyAETokens  = "Attend-and-Excite tokens"
	keyAEWords   = "Attend-and-Excite words"
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
	if p.Sampler.Eta != 0 {
		add("Eta", strconv.FormatFloat(p.Sampler.Eta, 'g', -1, 64))
	}
	if p.Noise.Generator == "torch_cpu" {
		add("RNG", "CPU") // A1111's CPU RNG is torch.randn on a CPU generator, as ours
	} else {
		add("RNG", p.Noise.Generator)
	}
	addTechniques(p, add)
	add(keyProvider, p.Runtime.Provider)
	add(keyPrecision, p.Runtime.Precision)
	if p.Runtime.ORTVersion != "" {
		add(keyORT, p.Runtime.ORTVersion)
	}
	add("Version", "nudge")
	return it.String()
}

// segaJSON is the SEGA value in infotext: the block as JSON.
type segaJSON struct {
	MomentumScale float64       `json:"momentum_scale"`
	MomentumBeta  float64       `json:"momentum_beta"`
	Concepts      []conceptJSON `json:"concepts"`
}

type conceptJSON struct {
	Prompt    string  `json:"prompt"`
	Weight    float64 `json:"weight"`
	Guidance  float64 `json:"guidance"`
	Warmup    int     `json:"warmup"`
	Cooldown  *int    `json:"cooldown,omitempty"`
	Threshold float64 `json:"threshold"`
	Reverse   bool    `json:"reverse,omitempty"`
}

func addTechniques(p *Params, add func(k, v string)) {
	if sg := p.SEGA; sg != nil && sg.Enabled && len(sg.Concepts) > 0 {
		v := segaJSON{MomentumScale: sg.MomentumScale, MomentumBeta: sg.MomentumBeta}
		for _, c := range sg.Concepts {
			v.Concepts = append(v.Concepts, conceptJSON(c))
		}
		data, _ := json.Marshal(v)
		add(keySEGA, string(data))
	}
	if ae := p.AttendExcite; ae != nil && ae.Enabled && len(ae.Tokens) > 0 {
		toks := make([]string, len(ae.Tokens))
		for i, t := range ae.Tokens {
			toks[i] = strconv.Itoa(t)
		}
		add(keyAETokens, strings.Join(toks, ","))
		if len(ae.TokenTexts) > 0 {
			data, _ := json.Marshal(ae.TokenTexts)
			add(keyAEWords, string(data))
		}
	}
}

// modelName is the model's name as A1111 shows it: the last path element.
func modelName(p string) string {
	p = strings.TrimRight(strings.ReplaceAll(p, `\`, "/"), "/")
	if p == "" {
		return "unknown"
	}
	return path.Base(p)
}
