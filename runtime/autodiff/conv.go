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
//   - dW (group 1) = im2col: tap slices of the padded input times G (convWeightGrad);
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

// convWeightGrad is dW[m, c, k] = Σ_{n, o} G[n, m, o] · Xpad[n, c, o·s + k·d] in im2col form:
// the k-th tap of the padded input, sliced with the forward strides, gives a column block
// [N, C, P] (P = output positions); stacking the taps gives cols [N, C·taps, P], and one
// batched MatMul G[N, M, P] × colsᵀ summed over N gives [M, C·taps], reshaped to W's shape.
// ORT runs this as GEMMs of the forward conv's size; the swapped-role Conv it replaces
// (X and G with batch as channels, output = kernel size) ran as a GEMM with 1–9 columns and
// was the largest cost of a UNet training step.
func (c *vjpCtx) convWeightGrad(geo *convGeo) string {
	x, xs, ws := c.in(0), c.shape(c.in(0)), c.shape(c.in(1))
	n, ch, sp := xs[0], xs[1], len(geo.out)
	p, taps := int64(1), int64(1)
	for i := 0; i < sp; i++ {
		p *= geo.out[i]
		taps *= geo.kernel[i]
	}
	padded := false
	for i := 0; i < sp; i++ {
		padded = padded || geo.padBegin[i] != 0 || geo.padEnd[i] != 0
	}
	if padded {
		pads := make([]int64, 2*(sp+2))
		for i := 0; i < sp; i++ {
			pads[2+i], pads[sp+4+i] = geo.padBegin[i], geo.padEnd[i]
		}
		x = c.op("Pad", []string{x, c.ints(pads...)})
	}
	var cols []string
	for t := int64(0); t < taps; t++ {
		cols = append(cols, c.reshape(c.convTap(x, geo, t), []int64{n, ch, 1, p}))
	}
	col := cols[0]
	if len(cols) > 1 {
		col = c.op("Concat", cols, intAttr("axis", 2))
	}
	col = c.reshape(col, []int64{n, ch * taps, p})
	g := c.reshape(c.gy[0], []int64{n, ws[0], p})
	dw := c.op("MatMul", []string{g, c.transpose(col, []int64{0, 2, 1})})
	return c.reshape(c.reduceSum(dw, []int64{0}, false), ws)
}

// convTap slices tap t (row-major over the kernel) of padded input x: positions
// k·d + o·s for every output position o. Taps that cover x exactly are x itself.
func (c *vjpCtx) convTap(x string, geo *convGeo, t int64) string {
	sp := len(geo.out)
	xs := c.shape(c.in(0))
	k := make([]int64, sp)
	for i := sp - 1; i >= 0; i-- {
		k[i] = t % geo.kernel[i]
		t /= geo.kernel[i]
	}
	starts, ends, axes, steps := make([]int64, sp), make([]int64, sp), make([]int64, sp), make([]int64, sp)
	whole := true
	for i := 0; i < sp; i++ {
		starts[i] = k[i] * geo.dilations[i]
		ends[i] = starts[i] + geo.strides[i]*(geo.out[i]-1) + 1
		axes[i], steps[i] = int64(2+i), geo.strides[i]
		full := xs[2+i] + geo.padBegin[i] + geo.padEnd[i]
		whole = whole && starts[i] == 0 && steps[i] == 1 && ends[i] == full
	}
	if whole {
		return x
	}
	return c.op("Slice", []string{x, c.ints(starts...), c.ints(ends...), c.ints(axes...), c.ints(steps...)})
}
