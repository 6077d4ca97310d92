package app

// `nudge prepare`: the augmented UNet graphs that registered techniques need, built into the
// cache before the first render.

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// PrepareOptions are `nudge prepare`'s flags.
type PrepareOptions struct {
	// For lists technique names (session block names, "attend_excite"; "attend-excite" is
	// accepted too) or "all", the default: every registered technique that needs graphs.
	For []string
	// Width and Height are the image size the graphs are for; 0 takes the UNet's
	// sample_size × 8 (512 for SD 1.x).
	Width, Height int
	// AttentionResolution is the attention-map side; 0 applies AttentionResolution's rule.
	AttentionResolution int
}

// Prepare resolves the model (demo models included), builds the graphs each chosen technique
// needs into the cache (weights stay in the model's external data) and prints, per technique,
// what it built, how long it took and where; a second run reports the reuse. It needs no ONNX
// Runtime: only graphs are read and written.
func Prepare(ctx context.Context, cfg *session.Config, ref string, o PrepareOptions, w, stderr io.Writer) error {
	targets, err := prepareTargets(o.For)
	if err != nil {
		return err
	}
	dir, err := ModelDir(ctx, cfg, ref, stderr)
	if err != nil {
		return err
	}
	g, err := runtime.OpenGraphs(dir, o.Width, o.Height)
	if err != nil {
		return err
	}
	for _, t := range targets {
		needs, err := t.DefaultNeeds(g.LatentHeight, g.LatentWidth)
		if err != nil {
			return err
		}
		if needs.Select.Height > 0 {
			side, err := fitResolution(g, o.AttentionResolution, needs.Select.Height)
			if err != nil {
				return err
			}
			needs.Select.Height, needs.Select.Width = side, side
		}
		p, err := g.Prepare(ctx, needs)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", t.Name, err)
		}
		reportPrepared(w, t.Name, p, g.LatentHeight, g.LatentWidth)
	}
	return nil
}

// prepareTargets are the registered techniques named (all that need graphs for "all").
func prepareTargets(names []string) ([]techniques.Registration, error) {
	var all []techniques.Registration
	for _, r := range techniques.All() {
		if r.Needs != nil {
			all = append(all, r)
		}
	}
	if len(names) == 0 {
		return all, nil
	}
	var out []techniques.Registration
	for _, n := range names {
		if n == "all" {
			return all, nil
		}
		r, ok := techniques.Lookup(strings.ReplaceAll(n, "-", "_"))
		if !ok || r.Needs == nil {
			return nil, &UsageError{fmt.Sprintf("prepare --for %q: not a technique that needs graphs — use %s or all", n, registeredNames(all))}
		}
		out = append(out, r)
	}
	return out, nil
}

func registeredNames(rs []techniques.Registration) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return strings.Join(out, ", ")
}

func reportPrepared(w io.Writer, name string, p *runtime.Prepared, lh, lw int) {
	what := fmt.Sprintf("%d attention map(s) %s", len(p.Maps), mapSizes(p.Maps))
	if p.VJP != "" {
		what += " + gradient graph"
	}
	if p.Reused {
		fmt.Fprintf(w, "%s: reused %s for a %d×%d latent from %s\n", name, what, lh, lw, p.Dir)
		return
	}
	fmt.Fprintf(w, "%s: built %s for a %d×%d latent in %s → %s\n", name, what, lh, lw, p.BuildTime.Round(time.Millisecond), p.Dir)
}

// mapSizes summarises the maps' sizes, e.g. "(8×8 ×3, 4×4 ×1)", in table order.
func mapSizes(maps []runtime.AttentionMap) string {
	var order []string
	count := map[string]int{}
	for _, m := range maps {
		k := fmt.Sprintf("%d×%d", m.Height, m.Width)
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%s ×%d", k, count[k])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
