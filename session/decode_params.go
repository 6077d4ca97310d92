package session

import "strconv"

// decodeParams reads the render parameters of a session or a history entry.
func decodeParams(t *table, p *Params) {
	t.str("prompt", &p.Prompt)
	t.str("negative", &p.Negative)
	t.integer("width", &p.Width)
	t.integer("height", &p.Height)
	t.integer("batch", &p.Batch)
	t.integer("clip_skip", &p.ClipSkip)
	if m := t.sub("model"); m != nil {
		decodeModel(m, &p.Model)
	}
	if r := t.sub("runtime"); r != nil {
		r.str("provider", &p.Runtime.Provider)
		r.str("precision", &p.Runtime.Precision)
		r.str("ort_version", &p.Runtime.ORTVersion)
		r.unknown()
	}
	if s := t.sub("sampler"); s != nil {
		decodeSampler(s, &p.Sampler)
	}
	if n := t.sub("noise"); n != nil {
		n.seed("seed", &p.Noise.Seed)
		n.str("generator", &p.Noise.Generator)
		n.unknown()
	}
	if s := t.sub("sega"); s != nil {
		p.SEGA = decodeSEGA(s)
	}
	if a := t.sub("attend_excite"); a != nil {
		p.AttendExcite = decodeAttendExcite(a)
	}
}

func decodeModel(t *table, m *Model) {
	t.str("path", &m.Path)
	t.str("fingerprint", &m.Fingerprint)
	if f := t.sub("files"); f != nil {
		m.Files = map[string]string{}
		for _, k := range sortedKeys(f.m) {
			var h string
			f.str(k, &h)
			m.Files[k] = h
		}
	}
	t.unknown()
}

func decodeSampler(t *table, s *Sampler) {
	t.str("scheduler", &s.Scheduler)
	t.integer("steps", &s.Steps)
	t.float("guidance", &s.Guidance)
	t.float("eta", &s.Eta)
	t.boolean("karras", &s.Karras)
	if o := t.sub("options"); o != nil {
		s.Options = map[string]any{}
		for _, k := range sortedKeys(o.m) {
			v, _ := o.get(k)
			switch v.(type) {
			case string, int64, float64, bool:
				s.Options[k] = v
			default:
				o.wrongType(k, v, "a string, number or boolean")
			}
		}
	}
	t.unknown()
}

func decodeSEGA(t *table) *SEGA {
	s := DefaultSEGA()
	t.boolean("enabled", &s.Enabled)
	t.float("momentum_scale", &s.MomentumScale)
	t.float("momentum_beta", &s.MomentumBeta)
	for _, ct := range t.array("concepts") {
		c := DefaultConcept("")
		ct.str("prompt", &c.Prompt)
		ct.float("weight", &c.Weight)
		ct.float("guidance", &c.Guidance)
		ct.integer("warmup", &c.Warmup)
		if _, ok := ct.m["cooldown"]; ok {
			n := 0
			ct.integer("cooldown", &n)
			c.Cooldown = &n
		} else {
			ct.get("cooldown")
		}
		ct.float("threshold", &c.Threshold)
		ct.boolean("reverse", &c.Reverse)
		ct.unknown()
		s.Concepts = append(s.Concepts, c)
	}
	t.unknown()
	return s
}

func decodeAttendExcite(t *table) *AttendExcite {
	a := DefaultAttendExcite()
	t.boolean("enabled", &a.Enabled)
	for i, v := range t.list("tokens") {
		n, ok := v.(int64)
		if !ok {
			t.ps.addf(t.key("tokens")+"["+strconv.Itoa(i)+"]", "write token positions as whole numbers", "is %s", tomlTypeName(v))
			continue
		}
		a.Tokens = append(a.Tokens, int(max(min(n, 1<<30), -1)))
	}
	for i, v := range t.list("token_texts") {
		s, ok := v.(string)
		if !ok {
			t.ps.addf(t.key("token_texts")+"["+strconv.Itoa(i)+"]", `write token texts as "strings"`, "is %s", tomlTypeName(v))
			continue
		}
		a.TokenTexts = append(a.TokenTexts, s)
	}
	if th := t.sub("thresholds"); th != nil {
		a.Thresholds = decodeThresholds(th)
	}
	t.float("scale_factor", &a.ScaleFactor)
	t.integer("max_iter_to_alter", &a.MaxIterToAlter)
	t.integer("max_refinement_steps", &a.MaxRefinementSteps)
	t.integer("attention_resolution", &a.AttentionResolution)
	t.unknown()
	return a
}

// decodeThresholds reads {step = threshold} with step keys written as integers.
func decodeThresholds(t *table) map[int]float64 {
	out := map[int]float64{}
	for _, k := range sortedKeys(t.m) {
		step, err := strconv.Atoi(k)
		if err != nil || step < 0 || step > 1000 {
			t.get(k)
			t.ps.add(t.key(k), "step key must be a whole number 0…1000", `write e.g. 10 = 0.5`)
			continue
		}
		var v float64
		t.float(k, &v)
		out[step] = v
	}
	return out
}
