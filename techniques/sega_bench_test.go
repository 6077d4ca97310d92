package techniques

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
)

// BenchmarkSEGAGuide measures one step of SEGA at SD1.5's 512×512 latent (B=1, 4×64×64)
// with every concept warm, the costliest branch. A UNet call at this size takes hundreds of
// milliseconds on a CPU; Guide must stay far below that.
func BenchmarkSEGAGuide(b *testing.B) {
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("concepts=%d", n), func(b *testing.B) {
			concepts := make([]Concept, n)
			for c := range concepts {
				concepts[c] = DefaultConcept(fmt.Sprint("concept ", c))
				concepts[c].WarmUp = 0
			}
			s := mustSEGA(b, DefaultSEGAConfig(concepts...), renderInfo(1, 4, 64, 64, 51))
			d := randomStep(rand.New(rand.NewPCG(1, 1)), 4*64*64, n)
			g := &runtime.Guidance{Uncond: d.uncond, Text: d.text, Extra: d.extra, Delta: cfgDelta(d, 7.5)}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				g.Step = i % 51
				if err := s.Guide(g); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
