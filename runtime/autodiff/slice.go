package autodiff

import (
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// sliceRange is one axis of a Slice after ONNX's clamping rules.
type sliceRange struct{ start, end, step, count int64 }

// sliceParams resolves a Slice node (opset ≥ 10: starts, ends, axes, steps as inputs) into
// one normalised range per axis of data; axes not sliced keep [0, dim).
func sliceParams(in []*tinfo) ([]sliceRange, error) {
	if err := needInputs(in, 3); err != nil {
		return nil, err
	}
	shape := in[0].shape
	r := int64(len(shape))
	starts, err := intsValue(in[1], "Slice's starts")
	if err != nil {
		return nil, err
	}
	ends, err := intsValue(in[2], "Slice's ends")
	if err != nil {
		return nil, err
	}
	axes := make([]int64, len(starts))
	for i := range axes {
		axes[i] = int64(i)
	}
	if len(in) > 3 && in[3] != nil {
		if axes, err = intsValue(in[3], "Slice's axes"); err != nil {
			return nil, err
		}
	}
	steps := make([]int64, len(starts))
	for i := range steps {
		steps[i] = 1
	}
	if len(in) > 4 && in[4] != nil {
		if steps, err = intsValue(in[4], "Slice's steps"); err != nil {
			return nil, err
		}
	}
	if len(ends) != len(starts) || len(axes) != len(starts) || len(steps) != len(starts) {
		return nil, fmt.Errorf("Slice's starts, ends, axes and steps differ in length")
	}
	out := make([]sliceRange, r)
	for i, d := range shape {
		out[i] = sliceRange{0, d, 1, d}
	}
	for i := range starts {
		a, err := normAxis(axes[i], r)
		if err != nil {
			return nil, err
		}
		if steps[i] == 0 {
			return nil, fmt.Errorf("Slice step 0")
		}
		out[a] = clampSlice(starts[i], ends[i], steps[i], shape[a])
	}
	return out, nil
}

// clampSlice applies the ONNX Slice rules for negative and out-of-range bounds.
func clampSlice(start, end, step, dim int64) sliceRange {
	if start < 0 {
		start += dim
	}
	if end < 0 && end > math.MinInt64+dim {
		end += dim
	}
	if step > 0 {
		start, end = min(max(start, 0), dim), min(max(end, 0), dim)
	} else {
		start, end = min(max(start, 0), dim-1), min(max(end, -1), dim-1)
	}
	count := int64(0)
	if step > 0 && end > start {
		count = (end - start + step - 1) / step
	} else if step < 0 && start > end {
		count = (start - end - step - 1) / -step
	}
	return sliceRange{start, end, step, count}
}

func inferSlice(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	rs, err := sliceParams(in)
	if err != nil {
		return nil, err
	}
	shape := make([]int64, len(rs))
	for i, r := range rs {
		shape[i] = r.count
	}
	out := shapeOnly(in[0].dtype, shape)
	if len(rs) == 1 && in[0].hasVal && in[0].ints != nil {
		out.hasVal, out.ints = true, []int64{}
		for k, i := int64(0), rs[0].start; k < rs[0].count; k, i = k+1, i+rs[0].step {
			out.ints = append(out.ints, in[0].ints[i])
		}
	}
	return []*tinfo{out}, nil
}

// vjpSlice scatters the gradient back into zeros. With unit steps (every Slice in SD and
// CLIP exports) that is one Pad; other steps are not implemented.
func vjpSlice(c *vjpCtx) error {
	in := make([]*tinfo, len(c.n.GetInput()))
	for i, name := range c.n.GetInput() {
		if name != "" {
			in[i] = c.info(name)
		}
	}
	rs, err := sliceParams(in)
	if err != nil {
		return c.unsupported("%v", err)
	}
	shape := c.shape(c.in(0))
	r := len(rs)
	pads := make([]int64, 2*r)
	for i, s := range rs {
		if s.step != 1 {
			return c.unsupported("Slice with step %d on axis %d (only step 1 has a backward)", s.step, i)
		}
		pads[i], pads[r+i] = s.start, shape[i]-s.start-s.count
	}
	c.gx[0] = c.padZeros(c.gy[0], pads)
	return nil
}

// padZeros pads with zeros; no node when every pad is 0.
func (c *vjpCtx) padZeros(x string, pads []int64) string {
	for _, p := range pads {
		if p != 0 {
			return c.op("Pad", []string{x, c.ints(pads...)}, stringAttr("mode", "constant"))
		}
	}
	return x
}

// vjpPad: the gradient of a constant-mode Pad with non-negative pads is the Slice of the
// gradient that drops the padding.
func vjpPad(c *vjpCtx) error {
	if m := attrString(c.n, "mode", "constant"); m != "constant" {
		return c.unsupported("Pad mode %q (only constant has a backward)", m)
	}
	shape := c.shape(c.in(0))
	r := len(shape)
	if !c.hasIn(1) || c.hasIn(3) {
		return c.unsupported("Pad needs a constant pads input and no axes input")
	}
	pads, err := intsValue(c.info(c.in(1)), "Pad's pads")
	if err != nil || len(pads) != 2*r {
		return c.unsupported("Pad's pads must be constant with one begin and end per axis")
	}
	starts, ends, axes := make([]int64, r), make([]int64, r), make([]int64, r)
	for i := 0; i < r; i++ {
		if pads[i] < 0 || pads[r+i] < 0 {
			return c.unsupported("negative pads (cropping) on axis %d", i)
		}
		starts[i], ends[i], axes[i] = pads[i], pads[i]+shape[i], int64(i)
	}
	c.gx[0] = c.op("Slice", []string{c.gy[0], c.ints(starts...), c.ints(ends...), c.ints(axes...)})
	return nil
}
