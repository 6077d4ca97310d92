package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// opRule is the backward of one operator: which inputs are differentiable edges, and the
// function that emits their gradients. Adding an op is one entry in ruleTable plus one vjp
// function in the file of its family (docs/autodiff.md, "Adding an op rule").
type opRule struct {
	// diff lists the differentiable input positions; nil means every input. Inputs not
	// listed (shapes, axes, indices, conditions) stop the gradient, like ORT's
	// STOP_GRADIENT_EDGES table.
	diff []int
	vjp  func(c *vjpCtx) error
}

func (r opRule) isDiff(i int) bool {
	if r.diff == nil {
		return true
	}
	for _, d := range r.diff {
		if d == i {
			return true
		}
	}
	return false
}

// stopRule marks ops whose derivative is zero almost everywhere (Floor, Sign, …): no input
// is a differentiable edge, so they cut the active path instead of failing it.
var stopRule = opRule{diff: []int{}}

// ruleTable maps default-domain op types to their rules. It is built per Build call so the
// package keeps no mutable state.
func ruleTable() map[string]opRule {
	first := []int{0}
	return map[string]opRule{
		// elementwise.go
		"Identity": {first, vjpIdentity},
		"Neg":      {first, vjpNeg},
		"Add":      {nil, vjpAdd},
		"Sub":      {nil, vjpSub},
		"Mul":      {nil, vjpMul},
		"Div":      {nil, vjpDiv},
		"Pow":      {nil, vjpPow},
		"Sum":      {nil, vjpSum},
		"Where":    {[]int{1, 2}, vjpWhere},
		"Cast":     {first, vjpCast},
		// activation.go
		"Sqrt":       {first, vjpSqrt},
		"Exp":        {first, vjpExp},
		"Log":        {first, vjpLog},
		"Reciprocal": {first, vjpReciprocal},
		"Sigmoid":    {first, vjpSigmoid},
		"Tanh":       {first, vjpTanh},
		"Erf":        {first, vjpErf},
		"Sin":        {first, vjpSin},
		"Cos":        {first, vjpCos},
		"Relu":       {first, vjpRelu},
		"Softmax":    {first, vjpSoftmax},
		"LogSoftmax": {first, vjpLogSoftmax},
		// matmul.go, conv.go, norm.go, reduce.go
		"MatMul":                {nil, vjpMatMul},
		"Gemm":                  {nil, vjpGemm},
		"Conv":                  {nil, vjpConv},
		"InstanceNormalization": {nil, vjpInstanceNorm},
		"LayerNormalization":    {nil, vjpLayerNorm},
		"ReduceSum":             {first, vjpReduce},
		"ReduceMean":            {first, vjpReduce},
		// shape.go, slice.go, select.go, resize.go
		"Reshape":   {first, vjpReshapeLike},
		"Flatten":   {first, vjpReshapeLike},
		"Squeeze":   {first, vjpReshapeLike},
		"Unsqueeze": {first, vjpReshapeLike},
		"Transpose": {first, vjpTranspose},
		"Expand":    {first, vjpExpand},
		"Slice":     {first, vjpSlice},
		"Pad":       {first, vjpPad},
		"Concat":    {nil, vjpConcat},
		"Split":     {first, vjpSplit},
		"Gather":    {first, vjpGather},
		"Resize":    {first, vjpResize},
		// zero almost everywhere
		"Floor": stopRule,
		"Ceil":  stopRule,
		"Round": stopRule,
		"Sign":  stopRule,
	}
}

// lookupRule returns the rule for a node, and false for ops without one (including every
// op outside the default domain).
func lookupRule(table map[string]opRule, n *onnxpb.NodeProto) (opRule, bool) {
	if d := n.GetDomain(); d != "" && d != "ai.onnx" {
		return opRule{}, false
	}
	r, ok := table[n.GetOpType()]
	return r, ok
}

// vjpCtx is what a rule sees: the forward node, the static facts of its tensors, the
// gradients arriving at its outputs ("" where none flows) and which inputs need one. The
// rule stores input gradients in gx; it emits through the embedded emitter.
type vjpCtx struct {
	*emitter
	st    *shapeTable
	n     *onnxpb.NodeProto
	label string
	gy    []string
	want  []bool
	gx    []string
}

func (c *vjpCtx) in(i int) string  { return c.n.GetInput()[i] }
func (c *vjpCtx) out(i int) string { return c.n.GetOutput()[i] }

// hasIn reports whether optional input i is present.
func (c *vjpCtx) hasIn(i int) bool { return i < len(c.n.GetInput()) && c.n.GetInput()[i] != "" }

// info returns the static facts of a tensor of this node; checkKnown made sure they exist.
func (c *vjpCtx) info(name string) *tinfo   { return c.st.info[name] }
func (c *vjpCtx) shape(name string) []int64 { return c.st.info[name].shape }
func (c *vjpCtx) dtype(name string) int32   { return c.st.info[name].dtype }

// wants reports whether input i needs a gradient.
func (c *vjpCtx) wants(i int) bool { return i < len(c.want) && c.want[i] }

// unsupported reports an attribute combination the rule does not cover.
func (c *vjpCtx) unsupported(format string, a ...any) error {
	return &UnsupportedOpError{Op: c.n.GetOpType(), Domain: c.n.GetDomain(), Node: c.label, Reason: fmt.Sprintf(format, a...)}
}

// checkKnown verifies that every tensor the node touches has static facts, so rules can
// read shapes without error plumbing.
func (c *vjpCtx) checkKnown() error {
	for _, list := range [][]string{c.n.GetInput(), c.n.GetOutput()} {
		for _, name := range list {
			if name == "" {
				continue
			}
			if _, err := c.st.get(name); err != nil {
				return &ModelError{Node: c.label, Msg: err.Error() + " (needed to differentiate this node)"}
			}
		}
	}
	return nil
}
