package preview

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Explain writes what was detected and why, for `nudge doctor`.
func (r Result) Explain(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "preview protocol: %s\n", r.Protocol)
	for _, why := range r.Reasons {
		fmt.Fprintf(&b, "  - %s\n", why)
	}
	fmt.Fprintf(&b, "  cell size: %d×%d px (%s)\n", r.CellW, r.CellH, r.CellSource)
	if r.Cols > 0 {
		fmt.Fprintf(&b, "  window: %d×%d cells\n", r.Cols, r.Rows)
	}
	fmt.Fprintf(&b, "  tmux: %v, ssh: %v\n", r.InTmux, r.OverSSH)
	keys := make([]string, 0, len(r.Env))
	for k := range r.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var env []string
	for _, k := range keys {
		env = append(env, k+"="+r.Env[k])
	}
	fmt.Fprintf(&b, "  environment: %s\n", orNone(strings.Join(env, " ")))
	fmt.Fprintf(&b, "  override with --preview %s (or preview = \"…\" in the config)\n", protocolList())
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(none of the hints set)"
	}
	return s
}

func protocolList() string {
	var names []string
	for _, p := range Protocols() {
		names = append(names, string(p))
	}
	return strings.Join(names, "|")
}
