package session

import (
	"sort"
	"sync"
)

// Block is a technique's settings block in a session ([sega], [attend_excite]): a value of
// the technique's one config type. The technique reads it (BlockCodec.Decode), checks it,
// writes it and puts it into infotext through the types below, so this package knows no
// technique by name and a technique's settings exist in one type only.
type Block interface {
	// CheckBlock records range problems; c's keys are relative to the block, and each is
	// reported as `file:line: block.key: what — hint` like any other problem. p is the
	// whole parameter set (a token index is checked against the prompt).
	CheckBlock(c Checker, p *Params, opts ValidateOptions)
	// WriteBlock writes the block's keys; the block's header is already written.
	WriteBlock(w BlockWriter)
	// Infotext adds the block's A1111 infotext keys (none when it changes nothing).
	Infotext(add func(key, value string))
	// CloneBlock returns a deep copy: history entries and undo states never share memory
	// with the live parameters.
	CloneBlock() Block
}

// BlockCodec reads a technique's block; a technique registers one with RegisterBlock.
type BlockCodec struct {
	// Decode reads the block's table. Wrong types are recorded on t and located to a file
	// line; keys Decode never asked for are reported as unknown.
	Decode func(t Table) Block
	// InfotextKeys are the infotext keys FromInfotext reads back (optional).
	InfotextKeys []string
	// FromInfotext sets the block from one of its infotext keys; note says what could not
	// be carried over.
	FromInfotext func(p *Params, key, value string, note func(format string, a ...any))
}

// codecs is written only by RegisterBlock, from package init functions (the pattern of
// image.RegisterFormat), and read by every decode.
var codecs struct {
	sync.RWMutex
	byName map[string]BlockCodec
}

// RegisterBlock makes a block name known: files decode it with codec into Params.Blocks
// instead of keeping it verbatim in Params.Extra. Registering a name twice, or without a
// Decode, panics: a programming error.
func RegisterBlock(name string, codec BlockCodec) {
	codecs.Lock()
	defer codecs.Unlock()
	if _, dup := codecs.byName[name]; dup || codec.Decode == nil || name == "" {
		panic("session: RegisterBlock needs a new name and a Decode: " + name)
	}
	if codecs.byName == nil {
		codecs.byName = map[string]BlockCodec{}
	}
	codecs.byName[name] = codec
}

// registeredBlocks returns the registered codecs by name, in name order.
func registeredBlocks() ([]string, map[string]BlockCodec) {
	codecs.RLock()
	defer codecs.RUnlock()
	names := sortedKeys(codecs.byName)
	out := make(map[string]BlockCodec, len(names))
	for _, n := range names {
		out[n] = codecs.byName[n]
	}
	return names, out
}

// infotextCodec returns the codec that reads an infotext key.
func infotextCodec(key string) (BlockCodec, bool) {
	_, all := registeredBlocks()
	for _, c := range all {
		for _, k := range c.InfotextKeys {
			if k == key && c.FromInfotext != nil {
				return c, true
			}
		}
	}
	return BlockCodec{}, false
}

// decodeBlocks reads every registered block present in t into p.Blocks; every table the
// codec opened is then checked for keys it did not read.
func decodeBlocks(t *table, p *Params) {
	names, all := registeredBlocks()
	for _, name := range names {
		bt := t.sub(name)
		if bt == nil {
			continue
		}
		opened := &[]*table{bt}
		b := all[name].Decode(Table{t: bt, opened: opened})
		for _, o := range *opened {
			o.unknown()
		}
		if b != nil {
			if p.Blocks == nil {
				p.Blocks = map[string]Block{}
			}
			p.Blocks[name] = b
		}
	}
}

// Clone returns a deep copy of the parameters: blocks are cloned, maps copied (unknown
// blocks one level deep; nothing edits them in place).
func (p Params) Clone() Params {
	q := p
	q.Model.Files = cloneMap(p.Model.Files)
	q.Sampler.Options = cloneMap(p.Sampler.Options)
	q.Extra = cloneMap(p.Extra)
	q.Embeddings = append([]Embedding(nil), p.Embeddings...)
	if p.Blocks != nil {
		q.Blocks = make(map[string]Block, len(p.Blocks))
		for k, b := range p.Blocks {
			q.Blocks[k] = b.CloneBlock()
		}
	}
	return q
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// SetBlock stores b under name; a nil b removes the block (the technique is off).
func (p *Params) SetBlock(name string, b Block) {
	if b == nil {
		delete(p.Blocks, name)
		if len(p.Blocks) == 0 {
			p.Blocks = nil
		}
		return
	}
	if p.Blocks == nil {
		p.Blocks = map[string]Block{}
	}
	p.Blocks[name] = b
}

// blockNames is p.Blocks' names in the order they are checked, written and listed.
func (p *Params) blockNames() []string {
	names := make([]string, 0, len(p.Blocks))
	for k := range p.Blocks {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
