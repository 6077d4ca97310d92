package autodiff

import "slices"

// Backward rules for MatMul and Gemm (ORT gradient_builder.cc GetMatMulGradient; docs/autodiff.md).
// ORT's builder emits FusedMatMul; here plain Transpose + MatMul is used, which ORT's
// MatMulTransposeFusion turns into FusedMatMul anyway.

// swapLast returns the perm exchanging the last two of rank axes.
func swapLast(rank int) []int64 {
	perm := make([]int64, rank)
	for i := range perm {
		perm[i] = int64(i)
	}
	perm[rank-1], perm[rank-2] = perm[rank-2], perm[rank-1]
	return perm
}

// vjpMatMul handles numpy matmul semantics: 1-D operands are lifted to matrices, batch dims
// broadcast and their gradients are summed back. For the common activation × 2-D weight
// case the weight gradient is one Gemm over the flattened batch instead of a batched
// product that is reduced afterwards.
func vjpMatMul(c *vjpCtx) error {
	a, b := c.in(0), c.in(1)
	sa, sb := c.shape(a), c.shape(b)
	a2s, b2s := sa, sb
	if len(sa) == 1 {
		a2s = []int64{1, sa[0]}
	}
	if len(sb) == 1 {
		b2s = []int64{sb[0], 1}
	}
	batch, err := broadcastShapes(a2s[:len(a2s)-2], b2s[:len(b2s)-2])
	if err != nil {
		return c.unsupported("%v", err)
	}
	m, k, n := a2s[len(a2s)-2], a2s[len(a2s)-1], b2s[len(b2s)-1]
	y2s := append(append([]int64{}, batch...), m, n)
	g := c.reshapeIf(c.gy[0], c.shape(c.out(0)), y2s)
	a2, b2 := c.reshapeIf(a, sa, a2s), c.reshapeIf(b, sb, b2s)
	if c.wants(0) {
		da := c.op("MatMul", []string{g, c.transpose(b2, swapLast(len(b2s)))})
		da = c.sumTo(da, append(append([]int64{}, batch...), m, k), a2s)
		c.gx[0] = c.reshapeIf(da, a2s, sa)
	}
	if c.wants(1) {
		var db string
		if len(b2s) == 2 && len(a2s) > 2 {
			rows := numel(a2s[:len(a2s)-1])
			af := c.reshape(a2, []int64{rows, k})
			gf := c.reshape(g, []int64{numel(y2s[:len(y2s)-1]), n})
			if numel(y2s[:len(y2s)-1]) != rows { // a was broadcast against b's batch: impossible for 2-D b
				return c.unsupported("unexpected MatMul broadcast %v × %v", sa, sb)
			}
			db = c.op("Gemm", []string{af, gf}, intAttr("transA", 1))
		} else {
			db = c.op("MatMul", []string{c.transpose(a2, swapLast(len(a2s))), g})
			db = c.sumTo(db, append(append([]int64{}, batch...), k, n), b2s)
		}
		c.gx[1] = c.reshapeIf(db, b2s, sb)
	}
	return nil
}

// reshapeIf reshapes x from shape from to shape to, emitting nothing when they are equal.
func (c *vjpCtx) reshapeIf(x string, from, to []int64) string {
	if slices.Equal(from, to) {
		return x
	}
	return c.reshape(x, to)
}

// vjpGemm: Y = α·op(A)·op(B) + β·C. Each input gradient is again one Gemm with the
// transpose flags chosen so no explicit Transpose is needed.
func vjpGemm(c *vjpCtx) error {
	ta, tb := attrInt(c.n, "transA", 0) != 0, attrInt(c.n, "transB", 0) != 0
	alpha, beta := attrFloat(c.n, "alpha", 1), attrFloat(c.n, "beta", 1)
	g, a, b := c.gy[0], c.in(0), c.in(1)
	gemm := func(x, y string, tx, ty bool) string {
		return c.op("Gemm", []string{x, y}, intAttr("transA", b2i(tx)), intAttr("transB", b2i(ty)), floatAttr("alpha", alpha))
	}
	if c.wants(0) {
		if !ta { // dA = G·op(B)ᵀ
			c.gx[0] = gemm(g, b, false, !tb)
		} else { // dA = op(B)·Gᵀ
			c.gx[0] = gemm(b, g, tb, true)
		}
	}
	if c.wants(1) {
		if !tb { // dB = op(A)ᵀ·G
			c.gx[1] = gemm(a, g, !ta, false)
		} else { // dB = Gᵀ·op(A)
			c.gx[1] = gemm(g, a, true, ta)
		}
	}
	if c.wants(2) {
		c.gx[2] = c.toInput(c.mulScalar(g, c.dt(), float64(beta)), 2)
	}
	return nil
}
