package tui

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// A/B comparison in the history gallery: m marks the selected entry as A; c shows A and the
// selected entry B side by side in the preview and lists the settings that differ. Without
// a mark, A is the newest render, so c compares any entry with the current picture.

func (h *historyPane) toggleMark(hs host) tea.Cmd {
	e := h.selected()
	if h.markA == e.num {
		h.markA = 0
		hs.say(fmt.Sprintf("render %d is no longer A", e.num), false)
	} else {
		h.markA = e.num
		hs.say(fmt.Sprintf("render %d is A · select B and press c to compare", e.num), false)
	}
	if h.compare {
		return h.show(hs)
	}
	return nil
}

func (h *historyPane) toggleCompare(hs host) tea.Cmd {
	h.compare = !h.compare
	if !h.compare {
		return h.show(hs)
	}
	if _, ok := h.entryA(); !ok {
		h.compare = false
		hs.say("nothing to compare with: press m on an entry to mark it A", true)
		return nil
	}
	return h.show(hs)
}

// entryA is the marked entry, else the newest render's.
func (h *historyPane) entryA() (historyEntry, bool) {
	if i := slices.IndexFunc(h.entries, func(e historyEntry) bool { return e.num == h.markA }); i >= 0 {
		return h.entries[i], true
	}
	if h.newest >= 0 && h.newest < len(h.entries) {
		return h.entries[h.newest], true
	}
	if n := len(h.entries); n > 0 {
		return h.entries[n-1], true
	}
	return historyEntry{}, false
}

// showComparison draws A and B side by side once both pictures are in memory.
func (h *historyPane) showComparison(hs host) tea.Cmd {
	a, _ := h.entryA()
	b := h.selected()
	for _, e := range []historyEntry{a, b} {
		if len(e.images) == 0 {
			return h.load(hs, e)
		}
	}
	label := fmt.Sprintf("A %d | B %d", a.num, b.num)
	return hs.showImage(sideBySide(a.images[0], b.images[min(h.image, len(b.images)-1)]), label)
}

// comparisonText is the history line while comparing: which entries, and what differs.
func (h *historyPane) comparisonText() string {
	a, _ := h.entryA()
	b := h.selected()
	diff := paramsDiff(a.params, b.params)
	head := fmt.Sprintf("A %d vs B %d: ", a.num, b.num)
	if len(diff) == 0 {
		return head + "the same settings"
	}
	return head + session.Sanitize(strings.Join(diff, " · "))
}

// sideBySide puts a and b next to each other on black, a gap between, tops aligned.
func sideBySide(a, b image.Image) *image.RGBA {
	const gap = 4
	ab, bb := a.Bounds(), b.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, ab.Dx()+gap+bb.Dx(), max(ab.Dy(), bb.Dy())))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(0, 0, ab.Dx(), ab.Dy()), a, ab.Min, draw.Src)
	draw.Draw(out, image.Rect(ab.Dx()+gap, 0, out.Bounds().Dx(), bb.Dy()), b, bb.Min, draw.Src)
	return out
}

// paramsDiff lists the settings that differ between a and b as "key a → b", in the order
// the session file writes them. It compares the session TOML of both, so every setting,
// technique blocks included, is covered without naming any.
func paramsDiff(a, b session.Params) []string {
	ka, va := flatSettings(a)
	kb, vb := flatSettings(b)
	var out []string
	for _, k := range ka {
		if va[k] != vb[k] {
			out = append(out, fmt.Sprintf("%s %s → %s", k, orDash(va[k]), orDash(vb[k])))
		}
	}
	for _, k := range kb {
		if _, ok := va[k]; !ok {
			out = append(out, fmt.Sprintf("%s – → %s", k, vb[k]))
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// flatSettings turns the parameters' session TOML into "table.key" → value, numbering array
// tables ([[sega.concepts]] → sega.concepts.0.weight). Model file hashes are left out.
func flatSettings(p session.Params) ([]string, map[string]string) {
	p.Model = session.Model{Path: p.Model.Path}
	text := string(session.Marshal(&session.Session{Version: session.Version, Params: p}))
	var keys []string
	vals := map[string]string{}
	table := ""
	counts := map[string]int{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[["):
			name := strings.Trim(line, "[] ")
			table = fmt.Sprintf("%s.%d", name, counts[name])
			counts[name]++
		case strings.HasPrefix(line, "["):
			table = strings.Trim(line, "[] ")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			k = strings.TrimSpace(k)
			if table != "" {
				k = table + "." + k
			}
			if k == "version" {
				continue
			}
			keys = append(keys, k)
			vals[k] = strings.TrimSpace(v)
		}
	}
	return keys, vals
}
