package autodiff

import "fmt"

// runBackward seeds the upstream gradients, walks the active nodes in reverse topological
// order calling each op's rule, and finally emits one grad_<x> output per Wrt tensor.
func runBackward(e *emitter, fg *fwdGraph, st *shapeTable, table map[string]opRule, act *activity, req Request) error {
	for _, o := range req.Outputs {
		name := GradInputName(o)
		if err := e.claim(name); err != nil {
			return err
		}
		e.addGrad(o, name)
	}
	for _, x := range req.Wrt {
		if err := e.claim(GradOutputName(x)); err != nil {
			return err
		}
	}
	for k := len(act.nodes) - 1; k >= 0; k-- {
		idx := act.nodes[k]
		if err := differentiateNode(e, fg, st, table, act, idx); err != nil {
			return err
		}
	}
	for _, x := range req.Wrt {
		e.scope = "grad"
		g := e.gradOf(x)
		if g == "" {
			in := st.info[x]
			g = e.zeros(in.dtype, in.shape)
		}
		e.opTo(GradOutputName(x), "Identity", []string{g})
	}
	return nil
}

func differentiateNode(e *emitter, fg *fwdGraph, st *shapeTable, table map[string]opRule, act *activity, idx int) error {
	n := fg.nodes[idx]
	label := nodeLabel(n, idx)
	rule, _ := lookupRule(table, n) // checkRules made sure it exists
	e.scope = label
	c := &vjpCtx{emitter: e, st: st, n: n, label: label,
		gy: make([]string, len(n.GetOutput())), want: make([]bool, len(n.GetInput())), gx: make([]string, len(n.GetInput()))}
	anyGrad := false
	for j, o := range n.GetOutput() {
		if o != "" && act.tensor[o] {
			c.gy[j] = e.gradOf(o)
			anyGrad = anyGrad || c.gy[j] != ""
		}
	}
	for i, in := range n.GetInput() {
		c.want[i] = in != "" && act.tensor[in] && rule.isDiff(i)
	}
	if !anyGrad {
		return nil
	}
	if err := c.checkKnown(); err != nil {
		return err
	}
	if err := safeVJP(rule, c); err != nil {
		return err
	}
	for i, g := range c.gx {
		if g != "" && c.want[i] {
			e.addGrad(n.GetInput()[i], g)
		}
	}
	return nil
}

// safeVJP runs a rule, turning a panic on a malformed node (an attribute or input count the
// shape pass let through) into an error: models are outside input.
func safeVJP(rule opRule, c *vjpCtx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ModelError{Node: c.label, Msg: fmt.Sprintf("malformed %s node: %v", c.n.GetOpType(), r)}
		}
	}()
	return rule.vjp(c)
}
