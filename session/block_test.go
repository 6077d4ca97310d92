package session

import "strconv"

// toyBlock is a technique block as a technique would register it, so this package's tests
// cover Params.Blocks (decode, located problems, writing, cloning, infotext) without knowing
// any real technique: [toy] with a switch, a number, positions and [[toy.items]].
type toyBlock struct {
	On        bool
	Scale     float64
	Positions []int
	Items     []toyItem
}

type toyItem struct {
	Prompt string
	Weight float64
	Limit  *int
}

const toyInfotextKey = "Toy"

func init() {
	RegisterBlock("toy", BlockCodec{Decode: decodeToy, InfotextKeys: []string{toyInfotextKey}, FromInfotext: toyFromInfotext})
}

func decodeToy(t Table) Block {
	b := &toyBlock{On: true, Scale: 1}
	t.Bool("on", &b.On)
	t.Float("scale", &b.Scale)
	b.Positions = t.Ints("positions")
	for _, it := range t.Array("items") {
		i := toyItem{Weight: 1}
		it.Str("prompt", &i.Prompt)
		it.Float("weight", &i.Weight)
		if it.Has("limit") {
			n := 0
			it.Int("limit", &n)
			i.Limit = &n
		}
		b.Items = append(b.Items, i)
	}
	return b
}

func (b *toyBlock) CheckBlock(c Checker, p *Params, opts ValidateOptions) {
	c.Number("scale", b.Scale, 0, 10)
	limit := 75
	if opts.TokenCount != nil {
		limit = opts.TokenCount(p.Prompt)
	}
	for i, n := range b.Positions {
		c.IntRange("positions["+strconv.Itoa(i)+"]", n, 1, limit)
	}
	for i, it := range b.Items {
		ic := c.Sub("items[" + strconv.Itoa(i) + "]")
		ic.Text("prompt", it.Prompt, MaxTextBytes, true)
		if it.Limit != nil && *it.Limit < 1 {
			ic.Add("limit", "is below 1", "use 1 or more")
		}
	}
}

func (b *toyBlock) WriteBlock(w BlockWriter) {
	w.KV("on", b.On)
	w.KV("scale", b.Scale)
	pos := make([]any, len(b.Positions))
	for i, n := range b.Positions {
		pos[i] = int64(n)
	}
	w.KV("positions", pos)
	for _, it := range b.Items {
		iw := w.ArrayTable("items")
		iw.KV("prompt", it.Prompt)
		iw.KV("weight", it.Weight)
		if it.Limit != nil {
			iw.KV("limit", int64(*it.Limit))
		}
	}
}

func (b *toyBlock) Infotext(add func(k, v string)) {
	if b.On && len(b.Items) > 0 {
		add(toyInfotextKey, b.Items[0].Prompt)
	}
}

func toyFromInfotext(p *Params, _, value string, _ func(string, ...any)) {
	p.SetBlock("toy", &toyBlock{On: true, Scale: 1, Items: []toyItem{{Prompt: value, Weight: 1}}})
}

func (b *toyBlock) CloneBlock() Block {
	c := *b
	c.Positions = append([]int(nil), b.Positions...)
	c.Items = append([]toyItem(nil), b.Items...)
	for i, it := range c.Items {
		if it.Limit != nil {
			v := *it.Limit
			c.Items[i].Limit = &v
		}
	}
	return &c
}

func toyOf(p *Params) *toyBlock {
	b, _ := p.Blocks["toy"].(*toyBlock)
	return b
}

// toyPrompts is the items' prompts, for comparing with other readers of the TOML.
func toyPrompts(p *Params) []string {
	var out []string
	if b := toyOf(p); b != nil {
		for _, it := range b.Items {
			out = append(out, it.Prompt)
		}
	}
	return out
}
