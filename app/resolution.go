package app

import (
	"context"
	"io"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// DiffusersAttentionResolution is diffusers' default attention-map side for
// Attend-and-Excite (StableDiffusionAttendAndExcitePipeline.__call__, attn_res=(16, 16)).
const DiffusersAttentionResolution = 16

// AttentionResolution is the one rule `render --excite`, `prepare` and the studio use to pick
// the attention-map side when the user gave none: diffusers' 16 where the UNet has 16×16
// cross-attention at this image size, else the nearest side it has (the larger on a tie), so
// the demo models (tiny: 8×8 and 4×4 at 64²) work with no flags. Width and height 0 take
// the UNet's own size.
func AttentionResolution(ctx context.Context, cfg *session.Config, ref string, width, height int, stderr io.Writer) (int, error) {
	dir, err := ModelDir(ctx, cfg, ref, stderr)
	if err != nil {
		return 0, err
	}
	return AttentionResolutionOf(dir, width, height)
}

// AttentionResolutionOf applies AttentionResolution's rule to a resolved model folder.
func AttentionResolutionOf(dir string, width, height int) (int, error) {
	g, err := runtime.OpenGraphs(dir, width, height)
	if err != nil {
		return 0, err
	}
	return fitResolution(g, 0, DiffusersAttentionResolution)
}

// fitResolution keeps a side the user asked for (checked later against the graph, with the
// available sizes in the error) and otherwise picks the side nearest to want.
func fitResolution(g *runtime.ModelGraphs, asked, want int) (int, error) {
	if asked > 0 {
		return asked, nil
	}
	sides, err := g.CrossAttentionSides()
	if err != nil {
		return 0, err
	}
	return nearestSide(sides, want), nil
}

// nearestSide is want if sides has it, else the closest side (the larger on a tie); want
// itself when there are none, so the error that follows lists what the UNet has.
func nearestSide(sides []int, want int) int {
	best := 0
	for _, s := range sides {
		d, bd := abs(s-want), abs(best-want)
		if best == 0 || d < bd || d == bd && s > best {
			best = s
		}
	}
	if best == 0 {
		return want
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
