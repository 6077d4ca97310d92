package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// convGeo is a Conv node's resolved geometry over its spatial axes.
type convGeo struct {
	kernel, strides, dilations, padBegin, padEnd, out []int64
	group                                             int64
}

// convGeometryOf resolves kernel, strides, dilations, auto_pad and the output size of a
// Conv with input shape x [N, C, D…] and weight shape w [M, C/group, k…].
func convGeometryOf(n *onnxpb.NodeProto, x, w []int64) (*convGeo, error) {
	sp := len(x) - 2
	if sp < 1 || len(w) != len(x) {
		return nil, fmt.Errorf("Conv input %v and weight %v ranks do not fit", x, w)
	}
	geo := &convGeo{group: attrInt(n, "group", 1), kernel: w[2:]}
	if geo.group < 1 || x[1] != w[1]*geo.group {
		return nil, fmt.Errorf("Conv input channels %d do not match weight %v with group %d", x[1], w, geo.group)
	}
	geo.strides = intsOr(n, "strides", sp, 1)
	geo.dilations = intsOr(n, "dilations", sp, 1)
	pads := intsOr(n, "pads", 2*sp, 0)
	geo.padBegin, geo.padEnd = pads[:sp], pads[sp:]
	autoPad := attrString(n, "auto_pad", "NOTSET")
	for i := 0; i < sp; i++ {
		s, d, k, in := geo.strides[i], geo.dilations[i], geo.kernel[i], x[2+i]
		if s < 1 || d < 1 || k < 1 {
			return nil, fmt.Errorf("Conv strides, dilations and kernel must be positive")
		}
		ext := (k-1)*d + 1
		switch autoPad {
		case "SAME_UPPER", "SAME_LOWER":
			outDim := (in + s - 1) / s
			total := max(0, (outDim-1)*s+ext-in)
			small := total / 2
			geo.padBegin[i], geo.padEnd[i] = small, total-small
			if autoPad == "SAME_LOWER" {
				geo.padBegin[i], geo.padEnd[i] = total-small, small
			}
		case "VALID":
			geo.padBegin[i], geo.padEnd[i] = 0, 0
		}
		span := in + geo.padBegin[i] + geo.padEnd[i] - ext
		if span < 0 {
			return nil, fmt.Errorf("Conv kernel extent %d exceeds padded input %d", ext, in+geo.padBegin[i]+geo.padEnd[i])
		}
		geo.out = append(geo.out, span/s+1)
	}
	return geo, nil
}

// intsOr reads an ints attribute of length k, or k copies of def when absent.
func intsOr(n *onnxpb.NodeProto, name string, k int, def int64) []int64 {
	if v, ok := attrInts(n, name); ok && len(v) == k {
		return append([]int64{}, v...)
	}
	out := make([]int64, k)
	for i := range out {
		out[i] = def
	}
	return out
}

// vjpConv emits the three Conv gradients with standard ops (docs/autodiff.md, "Background";
// checked numerically):
//   - dX = ConvTranspose(G, W) with the forward strides/pads/dilations/group and the
//     output_padding that restores X's size exactly;
//   - dW (group 1) = the swapped-role Conv of Xᵀ with Gᵀ (strides ↔ dilations), sliced to the
//     kernel size and transposed back;
//   - dB = Σ G over batch and space.
func vjpConv(c *vjpCtx) error {
	x, w := c.in(0), c.in(1)
	geo, err := convGeometryOf(c.n, c.shape(x), c.shape(w))
	if err != nil {
		return c.unsupported("%v", err)
	}
	if c.wants(0) {
		c.gx[0] = c.convInputGrad(geo)
	}
	if c.wants(1) {
		if geo.group != 1 {
			return c.unsupported("the weight gradient of a grouped Conv (group %d) is not implemented", geo.group)
		}
		c.gx[1] = c.convWeightGrad(geo)
	}
	if c.wants(2) {
		axes := []int64{0}
		for i := range geo.out {
			axes = append(axes, int64(2+i))
		}
		c.gx[2] = c.reduceSum(c.gy[0], axes, false)
	}
	return nil
}

func (c *vjpCtx) convInputGrad(geo *convGeo) string {
	xs := c.shape(c.in(0))
	outPad := make([]int64, len(geo.out))
	for i := range geo.out {
		ext := (geo.kernel[i]-1)*geo.dilations[i] + 1
		outPad[i] = xs[2+i] + geo.padBegin[i] + geo.padEnd[i] - ext - geo.strides[i]*(geo.out[i]-1)
	}
	return c.op("ConvTranspose", []string{c.gy[0], c.in(1)},
		intsAttr("strides", geo.strides), intsAttr("dilations", geo.dilations),
		intsAttr("pads", append(append([]int64{}, geo.padBegin...), geo.padEnd...)),
		intsAttr("output_padding", outPad), intAttr("group", geo.group),
		intsAttr("kernel_shape", geo.kernel))
}

func (c *vjpCtx) convWeightGrad(geo *convGeo) string {
	xs := c.shape(c.in(0))
	sp := len(geo.out)
	swap := make([]int64, sp+2)
	for i := range swap {
		swap[i] = int64(i)
	}
	swap[0], swap[1] = 1, 0
	xt := c.transpose(c.in(0), swap)
	gt := c.transpose(c.gy[0], swap)
	padEnd, grown := make([]int64, sp), false
	for i := 0; i < sp; i++ {
		// The end pad that makes the swapped conv produce exactly kernel[i] taps, when
		// non-negative; otherwise no pad and a slice afterwards.
		exact := (geo.kernel[i]-1)*geo.dilations[i] + geo.strides[i]*(geo.out[i]-1) + 1 - xs[2+i] - geo.padBegin[i]
		padEnd[i] = max(0, exact)
		grown = grown || exact < 0
	}
	dw := c.op("Conv", []string{xt, gt},
		intsAttr("strides", geo.dilations), intsAttr("dilations", geo.strides),
		intsAttr("pads", append(append([]int64{}, geo.padBegin...), padEnd...)))
	if grown {
		axes, zeros := make([]int64, sp), make([]int64, sp)
		for i := range axes {
			axes[i] = int64(2 + i)
		}
		dw = c.op("Slice", []string{dw, c.ints(zeros...), c.ints(geo.kernel...), c.ints(axes...)})
	}
	return c.transpose(dw, swap)
}
