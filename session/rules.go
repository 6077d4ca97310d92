package session

import (
	"sort"
	"sync"
)

// Rule checks part of a session whose rule its technique owns (SEGA's threshold range, say),
// so that a session that validates is one the technique accepts, with the rule written once.
// add records a problem under the block ("concepts[1].threshold"); it is located to a file
// line like any other. A rule must do nothing when its block is absent.
type Rule func(p *Params, add func(key, what, hint string))

// rules is written only by RegisterRule, from package init functions (the pattern of
// image.RegisterFormat), and read by every validation.
var rules struct {
	sync.RWMutex
	byBlock map[string]Rule
}

// RegisterRule adds a technique's rule for its block; package techniques registers its
// rules in init. Registering a block twice panics: a programming error.
func RegisterRule(block string, r Rule) {
	rules.Lock()
	defer rules.Unlock()
	if _, dup := rules.byBlock[block]; dup {
		panic("session: RegisterRule called twice for " + block)
	}
	if rules.byBlock == nil {
		rules.byBlock = map[string]Rule{}
	}
	rules.byBlock[block] = r
}

// checkRules runs every registered rule on p, in block order.
func checkRules(c checker, p *Params) {
	rules.RLock()
	defer rules.RUnlock()
	blocks := make([]string, 0, len(rules.byBlock))
	for b := range rules.byBlock {
		blocks = append(blocks, b)
	}
	sort.Strings(blocks)
	for _, b := range blocks {
		sub := c.sub(b)
		rules.byBlock[b](p, func(key, what, hint string) { sub.add(key, what, hint) })
	}
}
