package techniques

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// Config is a technique's settings, the one value that goes from the session (Settings) to
// the technique (New) and, for the studio, to its pane. Each technique asserts its own type.
type Config any

// Registration is everything the rest of nudge knows about a technique, in the spirit of
// image.RegisterFormat and database/sql.Register: the application layer builds render jobs,
// `nudge prepare` builds graphs and the studio shows stats by asking the registry, never by
// naming a technique.
type Registration struct {
	// Name is the session block name ("sega", "attend_excite") and the technique's Name().
	Name string
	// Block, when its Decode is set, is how the technique's session block is read: session
	// then holds the block as the technique's own config type (session.Block), checks it
	// when a file loads and writes it back. Without it the block stays verbatim in
	// Params.Extra and Settings reads it with DecodeBlock.
	Block session.BlockCodec
	// Default returns the settings with the technique's defaults (diffusers' where it ports a
	// pipeline), defined once.
	Default func() Config
	// Settings reads the technique's settings from a session's parameters; ok is false when
	// the block is absent or switched off (the render is then as without the technique).
	Settings func(p *session.Params) (cfg Config, ok bool, err error)
	// New validates the settings and returns a fresh technique for one render.
	New func(cfg Config) (runtime.Technique, error)
	// Needs, when set, is what the technique needs from the model at a latent size
	// (attention maps, their gradient), so `nudge prepare` builds the graphs a render uses.
	Needs func(cfg Config, latentH, latentW int) runtime.AttentionNeeds
}

// DefaultNeeds is Needs with the default settings.
func (r Registration) DefaultNeeds(latentH, latentW int) (runtime.AttentionNeeds, error) {
	if r.Needs == nil {
		return runtime.AttentionNeeds{}, fmt.Errorf("technique %s needs no graphs", r.Name)
	}
	return r.Needs(r.Default(), latentH, latentW), nil
}

// registry is written only by Register, from package init functions (the pattern of
// image.RegisterFormat), and read afterwards; the lock makes a late Register safe too.
var registry struct {
	sync.RWMutex
	byName map[string]Registration
}

// Register makes a technique known. It panics when the name is empty or taken, or a required
// function is missing: a programming error, found when the program starts.
func Register(r Registration) {
	registry.Lock()
	defer registry.Unlock()
	if r.Name == "" || r.Default == nil || r.Settings == nil || r.New == nil {
		panic("techniques: Register needs a Name, Default, Settings and New")
	}
	if _, dup := registry.byName[r.Name]; dup {
		panic("techniques: Register called twice for " + r.Name)
	}
	if registry.byName == nil {
		registry.byName = map[string]Registration{}
	}
	registry.byName[r.Name] = r
	if r.Block.Decode != nil {
		session.RegisterBlock(r.Name, r.Block)
	}
}

// Lookup returns the technique registered under a session block name.
func Lookup(name string) (Registration, bool) {
	registry.RLock()
	defer registry.RUnlock()
	r, ok := registry.byName[name]
	return r, ok
}

// All returns every registered technique, by name. A render applies them in this order
// (which only matters between techniques that use the same hook; see runtime/technique.go).
func All() []Registration {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]Registration, 0, len(registry.byName))
	for _, r := range registry.byName {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Build returns a fresh technique for every registered block the parameters switch on.
func Build(p *session.Params) ([]runtime.Technique, error) {
	var out []runtime.Technique
	for _, r := range All() {
		cfg, ok, err := r.Settings(p)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		t, err := r.New(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// DecodeBlock decodes a block that session keeps verbatim (Params.Extra: a technique this
// build's session package does not know by name) into dst, a pointer to a struct with toml
// tags whose fields hold the defaults. ok is false when the block is absent. A key dst does
// not have is an error naming the block and the key.
func DecodeBlock(p *session.Params, name string, dst any) (ok bool, err error) {
	raw, present := p.Extra[name]
	if !present {
		return false, nil
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(raw); err != nil {
		return false, &ConfigError{Technique: name, Problems: []string{"not a table — write it as [" + name + "]"}}
	}
	md, err := toml.Decode(buf.String(), dst)
	if err != nil {
		return false, &ConfigError{Technique: name, Problems: []string{strings.ReplaceAll(err.Error(), "\n", " ")}}
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return false, &ConfigError{Technique: name, Problems: []string{"unknown key " + strings.Join(keys, ", ") + " — see the technique's documentation"}}
	}
	return true, nil
}
