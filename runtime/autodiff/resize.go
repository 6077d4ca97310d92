package autodiff

import (
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// resizeGeo is a Resize node's per-axis output size and scale.
type resizeGeo struct {
	out    []int64
	scales []float64
}

// resizeGeometry resolves Resize (opset ≥ 11: X, roi, scales, sizes; opset ≥ 18 may name
// axes) into an output size and a scale per axis of X.
func resizeGeometry(n *onnxpb.NodeProto, in []*tinfo) (*resizeGeo, error) {
	if err := needInputs(in, 1); err != nil {
		return nil, err
	}
	shape := in[0].shape
	r := int64(len(shape))
	axes := make([]int64, r)
	for i := range axes {
		axes[i] = int64(i)
	}
	if a, ok := attrInts(n, "axes"); ok {
		var err error
		if axes, err = normAxes(a, r); err != nil {
			return nil, err
		}
	}
	geo := &resizeGeo{out: append([]int64{}, shape...), scales: make([]float64, r)}
	for i := range geo.scales {
		geo.scales[i] = 1
	}
	switch {
	case len(in) > 3 && in[3] != nil && numel(in[3].shape) > 0:
		sizes, err := intsValue(in[3], "Resize's sizes")
		if err != nil || len(sizes) != len(axes) {
			return nil, fmt.Errorf("Resize's sizes must be a constant with one entry per axis")
		}
		for k, a := range axes {
			geo.out[a], geo.scales[a] = sizes[k], float64(sizes[k])/float64(shape[a])
		}
	case len(in) > 2 && in[2] != nil && numel(in[2].shape) > 0:
		sc, err := floatsValue(in[2], "Resize's scales")
		if err != nil || len(sc) != len(axes) {
			return nil, fmt.Errorf("Resize's scales must be a constant with one entry per axis")
		}
		for k, a := range axes {
			geo.out[a], geo.scales[a] = int64(math.Floor(float64(shape[a])*sc[k])), sc[k]
		}
	default:
		return nil, fmt.Errorf("Resize needs constant scales or sizes")
	}
	return geo, nil
}

func inferResize(n *onnxpb.NodeProto, in []*tinfo, _ int64) ([]*tinfo, error) {
	geo, err := resizeGeometry(n, in)
	if err != nil {
		return nil, err
	}
	return []*tinfo{shapeOnly(in[0].dtype, geo.out)}, nil
}

// nearestSource returns, for each output index along one axis, the input index nearest-mode
// Resize reads, following the ONNX coordinate_transformation_mode and nearest_mode rules.
func nearestSource(n *onnxpb.NodeProto, in, out int64, scale float64) ([]int64, error) {
	ctm := attrString(n, "coordinate_transformation_mode", "half_pixel")
	mode := attrString(n, "nearest_mode", "round_prefer_floor")
	src := make([]int64, out)
	for i := int64(0); i < out; i++ {
		x := float64(i)
		var orig float64
		switch ctm {
		case "half_pixel", "half_pixel_symmetric":
			orig = (x+0.5)/scale - 0.5
			if ctm == "half_pixel_symmetric" {
				adj := float64(out) / (scale * float64(in))
				orig = float64(in)/2*(1-adj) + (x+0.5)/scale - 0.5
			}
		case "pytorch_half_pixel":
			if out > 1 {
				orig = (x+0.5)/scale - 0.5
			}
		case "align_corners":
			if out > 1 {
				orig = x * float64(in-1) / float64(out-1)
			}
		case "asymmetric":
			orig = x / scale
		default:
			return nil, fmt.Errorf("coordinate_transformation_mode %q", ctm)
		}
		var k float64
		switch mode {
		case "round_prefer_floor":
			k = math.Ceil(orig - 0.5)
		case "round_prefer_ceil":
			k = math.Floor(orig + 0.5)
		case "floor":
			k = math.Floor(orig)
		case "ceil":
			k = math.Ceil(orig)
		default:
			return nil, fmt.Errorf("nearest_mode %q", mode)
		}
		src[i] = min(max(int64(k), 0), in-1)
	}
	return src, nil
}

// vjpResize differentiates nearest-mode Resize, which has no gradient in ORT at all (its
// ResizeGrad is bilinear and CUDA-only; docs/autodiff.md). Each output element copies one
// input element, so the gradient sums the gradient of all copies. When every resized axis
// repeats each input element s times in a row (torch's scale-2 upsampling) that is one
// Reshape + ReduceSum; otherwise each resized axis is contracted with its 0/1 selection
// matrix.
func vjpResize(c *vjpCtx) error {
	if m := attrString(c.n, "mode", "nearest"); m != "nearest" {
		return c.unsupported("Resize mode %q (only nearest has a backward)", m)
	}
	in := make([]*tinfo, len(c.n.GetInput()))
	for i, name := range c.n.GetInput() {
		if name != "" {
			in[i] = c.info(name)
		}
	}
	geo, err := resizeGeometry(c.n, in)
	if err != nil {
		return c.unsupported("%v", err)
	}
	shape := c.shape(c.in(0))
	srcs := make([][]int64, len(shape))
	for a := range shape {
		if srcs[a], err = nearestSource(c.n, shape[a], geo.out[a], geo.scales[a]); err != nil {
			return c.unsupported("%v", err)
		}
	}
	if rep, ok := blockRepeats(srcs, shape); ok {
		c.gx[0] = c.resizeBlockGrad(rep, shape)
		return nil
	}
	g := c.gy[0]
	cur := append([]int64{}, geo.out...)
	for a := range shape {
		if !isIdentityMap(srcs[a], shape[a]) {
			g = c.contractAxis(g, cur, a, srcs[a], shape[a])
			cur[a] = shape[a]
		}
	}
	c.gx[0] = g
	return nil
}

// blockRepeats reports whether every axis maps output i to input i/s for an integer s.
func blockRepeats(srcs [][]int64, shape []int64) ([]int64, bool) {
	rep := make([]int64, len(shape))
	for a, src := range srcs {
		if int64(len(src))%shape[a] != 0 {
			return nil, false
		}
		rep[a] = int64(len(src)) / shape[a]
		for i, s := range src {
			if s != int64(i)/rep[a] {
				return nil, false
			}
		}
	}
	return rep, true
}

func isIdentityMap(src []int64, in int64) bool {
	if int64(len(src)) != in {
		return false
	}
	for i, s := range src {
		if s != int64(i) {
			return false
		}
	}
	return true
}

// resizeBlockGrad views G [.., H·s, ..] as [.., H, s, ..] and sums the s axes.
func (c *vjpCtx) resizeBlockGrad(rep, shape []int64) string {
	var view, axes []int64
	for a, d := range shape {
		view = append(view, d)
		if rep[a] > 1 {
			view = append(view, rep[a])
			axes = append(axes, int64(len(view)-1))
		}
	}
	if len(axes) == 0 {
		return c.gy[0]
	}
	return c.reduceSum(c.reshape(c.gy[0], view), axes, false)
}

// contractAxis sums g [.., out_a, ..] into [.., in_a, ..] with the selection matrix
// U[i, src[i]] = 1: move axis a last, MatMul by U, move it back.
func (c *vjpCtx) contractAxis(g string, cur []int64, a int, src []int64, in int64) string {
	r := len(cur)
	perm := make([]int64, 0, r)
	for i := 0; i < r; i++ {
		if i != a {
			perm = append(perm, int64(i))
		}
	}
	perm = append(perm, int64(a))
	inv := make([]int64, r)
	for i, p := range perm {
		inv[p] = int64(i)
	}
	u := make([]float64, int64(len(src))*in)
	for i, s := range src {
		u[int64(i)*in+s] = 1
	}
	sel := c.floats(c.dtype(c.in(0)), []int64{int64(len(src)), in}, u)
	moved := g
	if a != r-1 {
		moved = c.transpose(g, perm)
	}
	prod := c.op("MatMul", []string{moved, sel})
	if a == r-1 {
		return prod
	}
	return c.transpose(prod, inv)
}
