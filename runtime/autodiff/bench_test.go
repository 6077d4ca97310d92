package autodiff

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// aeBench holds the small preset's UNet prepared for the Attend-and-Excite configuration:
// the forward graph a denoising step runs (noise prediction plus the attention maps as
// extra outputs) and the VJP graph of the maps with respect to the latent.
type aeBench struct {
	fwd, maps, vjp     *onnxpb.ModelProto // maps: the forward pruned to the attention maps
	fwdFeeds, vjpFeeds map[string]tensor
	fwdIns, vjpIns     []string
	fwdOuts            []string
}

func newAEBench(b *testing.B, opset string) *aeBench {
	m := demoUNet(b, "small", opset)
	req := unetRequest(16, 64, aeSmallMaps...)
	vjp, err := Build(m, req)
	if err != nil {
		b.Fatal(err)
	}
	fwd := proto.Clone(m).(*onnxpb.ModelProto)
	ab := &aeBench{fwd: fwd, vjp: vjp, fwdFeeds: unetFeeds(m, 16, 64), vjpFeeds: map[string]tensor{},
		fwdOuts: append([]string{"out_sample"}, aeSmallMaps...)}
	fwd.Graph.Output = nil
	for _, o := range ab.fwdOuts {
		fwd.Graph.Output = append(fwd.Graph.Output, &onnxpb.ValueInfoProto{Name: o, Type: floatType()})
	}
	ab.maps = proto.Clone(fwd).(*onnxpb.ModelProto)
	ab.maps.Graph.Output = ab.maps.Graph.Output[1:]
	ab.maps.Graph.Node = pruneNodes(ab.maps.Graph.Node, ab.maps.Graph.Output)
	rng := newSpec(1).rng
	for k, v := range ab.fwdFeeds {
		ab.vjpFeeds[k] = v
		ab.fwdIns = append(ab.fwdIns, k)
	}
	for _, o := range aeSmallMaps {
		ab.vjpFeeds[GradInputName(o)] = randTensor(rng, []int64{4, 64, 77}, 1e-3)
	}
	for k := range ab.vjpFeeds {
		ab.vjpIns = append(ab.vjpIns, k)
	}
	return ab
}

// BenchmarkAttendExciteSmall times one forward UNet call and one forward+VJP call of the
// A&E configuration on the small preset (one ORT thread each) and reports their ratio,
// goal ≤ 3.0 (issue item 6), and the process's peak resident memory. ratio-maps compares
// with a forward pruned to the attention maps, the strictest baseline.
func BenchmarkAttendExciteSmall(b *testing.B) {
	for _, opset := range []string{"14", "17"} {
		b.Run("opset"+opset, func(b *testing.B) {
			ab := newAEBench(b, opset)
			fwd := newSession(b, ab.fwd, ab.fwdIns, ab.fwdOuts)
			maps := newSession(b, ab.maps, ab.fwdIns, aeSmallMaps)
			vjp := newSession(b, ab.vjp, ab.vjpIns, []string{GradOutputName("sample")})
			fwd.run(ab.fwdFeeds) // warm-up: first runs allocate arenas
			maps.run(ab.fwdFeeds)
			vjp.run(ab.vjpFeeds)
			var tf, tm, tv time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				fwd.run(ab.fwdFeeds)
				t1 := time.Now()
				maps.run(ab.fwdFeeds)
				t2 := time.Now()
				vjp.run(ab.vjpFeeds)
				tf, tm, tv = tf+t1.Sub(t0), tm+t2.Sub(t1), tv+time.Since(t2)
			}
			b.ReportMetric(float64(tf.Milliseconds())/float64(b.N), "fwd-ms")
			b.ReportMetric(float64(tv.Milliseconds())/float64(b.N), "fwd+vjp-ms")
			b.ReportMetric(float64(tv)/float64(tf), "ratio")
			b.ReportMetric(float64(tv)/float64(tm), "ratio-maps")
			b.ReportMetric(peakRSSMiB(), "peakRSS-MiB")
		})
	}
}

// BenchmarkSessionCreateSmall measures ORT session creation (graph optimisation included)
// for the forward graph and for the VJP graph of the A&E configuration.
func BenchmarkSessionCreateSmall(b *testing.B) {
	ab := newAEBench(b, "17")
	b.Run("forward", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			newSession(b, ab.fwd, ab.fwdIns, ab.fwdOuts).s.Destroy()
		}
	})
	b.Run("vjp", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			newSession(b, ab.vjp, ab.vjpIns, []string{GradOutputName("sample")}).s.Destroy()
		}
	})
}

// BenchmarkBuildSmall measures Build itself on the small preset's UNet.
func BenchmarkBuildSmall(b *testing.B) {
	m := demoUNet(b, "small", "17")
	req := unetRequest(16, 64, aeSmallMaps...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Build(m, req); err != nil {
			b.Fatal(err)
		}
	}
}

// peakRSSMiB is the process's peak resident set size in MiB.
func peakRSSMiB() float64 {
	b, _ := ort.PeakRSS()
	return float64(b) / (1 << 20)
}
