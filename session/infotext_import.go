package session

import (
	"fmt"
	"strconv"
	"strings"
)

// Session rebuilds a session from infotext, starting from Default. Notes say what could not
// be carried over (an unknown sampler, A1111's GPU noise, keys nudge has no equivalent for),
// so the user knows why a re-render may differ. The result is not validated.
func (it *Infotext) Session() (*Session, []string) {
	s := Default()
	p := &s.Params
	p.Prompt, p.Negative = it.Prompt, it.Negative
	var notes, ignored []string
	note := func(format string, a ...any) { notes = append(notes, fmt.Sprintf(format, a...)) }
	rng := "GPU" // A1111's default when the key is absent
	for _, kv := range it.Params {
		switch kv.Key {
		case "Steps":
			setInt(&p.Sampler.Steps, kv, note)
		case "Sampler":
			importSampler(&p.Sampler, kv.Value, note)
		case "Schedule type":
			importScheduleType(&p.Sampler, kv.Value, note)
		case "CFG scale":
			setFloat(&p.Sampler.Guidance, kv, note)
		case "Eta":
			setFloat(&p.Sampler.Eta, kv, note)
		case "Clip skip":
			setInt(&p.ClipSkip, kv, note)
		case tiHashesKey:
			importTIHashes(p, kv.Value, note)
		case "Seed":
			if seed, err := strconv.ParseUint(kv.Value, 10, 64); err == nil {
				p.Noise.Seed = seed
			} else {
				note("Seed %q is not a seed; using 0", truncate(kv.Value, 30))
			}
		case "Size":
			importSize(p, kv.Value, note)
		case "Model":
			p.Model.Path = kv.Value
			note("model %q: set [model] path to your ONNX export of it (or an alias for it)", truncate(kv.Value, 80))
		case "RNG":
			rng = kv.Value
		case keyProvider:
			p.Runtime.Provider = kv.Value
		case keyPrecision:
			p.Runtime.Precision = kv.Value
		case keyORT:
			p.Runtime.ORTVersion = kv.Value
		case "Model hash", "Version", "Schedule max sigma", "Schedule min sigma":
		default:
			if c, ok := infotextCodec(kv.Key); ok {
				c.FromInfotext(p, kv.Key, kv.Value, note)
			} else {
				ignored = append(ignored, kv.Key)
			}
		}
	}
	if rng != "CPU" && rng != "torch_cpu" {
		note("noise came from A1111's %s RNG, which nudge does not reproduce; using torch_cpu, so the image will differ", truncate(rng, 20))
	}
	if len(ignored) > 0 {
		note("ignored settings nudge has no equivalent for: %s", strings.Join(ignored, ", "))
	}
	return s, notes
}

func setInt(dst *int, kv Param, note func(string, ...any)) {
	n, err := strconv.Atoi(strings.TrimSpace(kv.Value))
	if err != nil {
		note("%s %q is not a whole number; using %d", kv.Key, truncate(kv.Value, 30), *dst)
		return
	}
	*dst = n
}

// setFloat accepts A1111's numbers and sd.cpp's "7.000000".
func setFloat(dst *float64, kv Param, note func(string, ...any)) {
	f, err := strconv.ParseFloat(strings.TrimSpace(kv.Value), 64)
	if err != nil {
		note("%s %q is not a number; using %g", kv.Key, truncate(kv.Value, 30), *dst)
		return
	}
	*dst = f
}

func importSampler(s *Sampler, name string, note func(string, ...any)) {
	sched, karras, ok := SchedulerFromA1111(name)
	if !ok {
		note("sampler %q has no nudge scheduler; using %s (nudge has: %s)", truncate(name, 40), s.Scheduler,
			strings.Join(Schedulers(), ", "))
		return
	}
	s.Scheduler = sched
	s.Karras = s.Karras || karras
}

func importScheduleType(s *Sampler, v string, note func(string, ...any)) {
	switch v {
	case "Karras":
		s.Karras = true
	case "Automatic", "":
	default:
		note("schedule type %q is not available; using the scheduler's own", truncate(v, 30))
	}
}

func importSize(p *Params, v string, note func(string, ...any)) {
	w, h, ok := strings.Cut(v, "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil {
		note("Size %q is not WxH; using %dx%d", truncate(v, 30), p.Width, p.Height)
		return
	}
	p.Width, p.Height = wi, hi
}
