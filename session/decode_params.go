package session

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
	decodeEmbeddings(t, p)
	decodeBlocks(t, p)
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
