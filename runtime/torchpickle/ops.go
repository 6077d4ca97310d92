package torchpickle

import (
	"bytes"
	"strings"
)

func (m *machine) tupleN(n int) error {
	t := make(Tuple, n)
	for i := n - 1; i >= 0; i-- {
		v, err := m.pop()
		if err != nil {
			return err
		}
		t[i] = v
	}
	m.push(t)
	return nil
}

// fromMark builds a tuple, list or dict from the values since the last MARK.
func (m *machine) fromMark(op byte) error {
	items, err := m.popMark()
	if err != nil {
		return err
	}
	switch op {
	case opTuple:
		m.push(Tuple(items))
	case opList:
		m.push(&List{Items: items})
	default:
		d := NewDict()
		if err := setPairs(d, items); err != nil {
			return err
		}
		m.push(d)
	}
	return nil
}

func setPairs(d *Dict, items []any) error {
	if len(items)%2 != 0 {
		return formatErrorf("dict built from an odd number of values (%d)", len(items))
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.Set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// operands pops what APPEND/SETITEM (n values) or APPENDS/SETITEMS (everything above the
// mark) add, and returns it with the container they add to, which stays on the stack.
func (m *machine) operands(one bool, n int) ([]any, any, error) {
	var items []any
	var err error
	if one {
		items = make([]any, n)
		for i := n - 1; i >= 0 && err == nil; i-- {
			items[i], err = m.pop()
		}
	} else {
		items, err = m.popMark()
	}
	if err != nil {
		return nil, nil, err
	}
	target, err := m.top()
	return items, target, err
}

func (m *machine) appends(one bool) error {
	items, target, err := m.operands(one, 1)
	if err != nil {
		return err
	}
	l, ok := target.(*List)
	if !ok {
		return formatErrorf("APPEND to a %s, not a list", typeName(target))
	}
	l.Items = append(l.Items, items...)
	return nil
}

func (m *machine) setItems(one bool) error {
	items, target, err := m.operands(one, 2)
	if err != nil {
		return err
	}
	d, ok := target.(*Dict)
	if !ok {
		return formatErrorf("SETITEM on a %s, not a dict", typeName(target))
	}
	return setPairs(d, items)
}

func (m *machine) put(op byte) error {
	var idx uint64
	var err error
	switch op {
	case opBinPut:
		idx, err = m.uint(1)
	case opLongBinPut:
		idx, err = m.uint(4)
	default:
		idx = uint64(len(m.memo))
	}
	if err != nil {
		return err
	}
	v, err := m.top()
	if err != nil {
		return err
	}
	m.memo[idx] = v
	return nil
}

func (m *machine) get(op byte) error {
	size := 1
	if op == opLongBinGet {
		size = 4
	}
	idx, err := m.uint(size)
	if err != nil {
		return err
	}
	v, ok := m.memo[idx]
	if !ok {
		return formatErrorf("pickle reads memo entry %d it never stored", idx)
	}
	m.push(v)
	return nil
}

// global reads GLOBAL's "module\nname\n" and checks it against the allow-list.
func (m *machine) global() (any, error) {
	module, err := m.line()
	if err != nil {
		return nil, err
	}
	name, err := m.line()
	if err != nil {
		return nil, err
	}
	return allowGlobal(module, name)
}

func (m *machine) line() (string, error) {
	end := bytes.IndexByte(m.data[m.pos:], '\n')
	if end < 0 {
		return "", formatErrorf("GLOBAL at byte %d has no end of line (truncated file?)", m.pos)
	}
	s := string(m.data[m.pos : m.pos+end])
	m.pos += end + 1
	return s, nil
}

func (m *machine) stackGlobal() error {
	name, err := m.pop()
	if err != nil {
		return err
	}
	module, err := m.pop()
	if err != nil {
		return err
	}
	ms, ok1 := module.(string)
	ns, ok2 := name.(string)
	if !ok1 || !ok2 {
		return formatErrorf("STACK_GLOBAL with a %s and a %s, not two strings", typeName(module), typeName(name))
	}
	g, err := allowGlobal(ms, ns)
	if err == nil {
		m.push(g)
	}
	return err
}

// allowGlobal returns the global when it is on the allow-list and a one-line refusal naming
// it otherwise: the reader never imports or calls anything.
func allowGlobal(module, name string) (any, error) {
	g := Global{module, name}
	if _, ok := rebuilders[g]; ok {
		return g, nil
	}
	if _, ok := storageDTypes[g]; ok {
		return g, nil
	}
	return nil, formatErrorf("refusing Python global %s: only tensors, parameters, storages and OrderedDict are read (allowed: %s)",
		sanitize(g.String()), allowedList())
}

// sanitize keeps a name from the file printable and short.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}

func (m *machine) reduce() error {
	args, err := m.pop()
	if err != nil {
		return err
	}
	fn, err := m.pop()
	if err != nil {
		return err
	}
	t, ok := args.(Tuple)
	if !ok {
		return formatErrorf("REDUCE with %s arguments, not a tuple", typeName(args))
	}
	g, ok := fn.(Global)
	if !ok {
		return formatErrorf("REDUCE calls a %s", typeName(fn))
	}
	call, ok := rebuilders[g]
	if !ok {
		return formatErrorf("refusing to call %s: it is not a tensor rebuild function", g)
	}
	v, err := call(t)
	if err == nil {
		m.push(v)
	}
	return err
}

// build is BUILD (setstate). torch.save writes it only with an empty state (or None) on
// the objects this package makes, so that is all it accepts.
func (m *machine) build() error {
	state, err := m.pop()
	if err != nil {
		return err
	}
	if _, err := m.top(); err != nil {
		return err
	}
	if d, ok := state.(*Dict); state == nil || ok && d.Len() == 0 {
		return nil
	}
	return formatErrorf("BUILD with a %s state: object state is not read", typeName(state))
}

// newObj is NEWOBJ (cls.__new__(cls, *args)); only OrderedDict() is made this way.
func (m *machine) newObj() error {
	args, err := m.pop()
	if err != nil {
		return err
	}
	cls, err := m.pop()
	if err != nil {
		return err
	}
	if t, ok := args.(Tuple); ok && len(t) == 0 && cls == orderedDict {
		m.push(NewDict())
		return nil
	}
	return formatErrorf("NEWOBJ of a %s: objects are not built", typeName(cls))
}

func (m *machine) persID() error {
	id, err := m.pop()
	if err != nil {
		return err
	}
	t, ok := id.(Tuple)
	if !ok {
		return formatErrorf("persistent id is a %s, not a tuple", typeName(id))
	}
	if m.persistent == nil {
		return formatErrorf("persistent id outside a checkpoint archive")
	}
	v, err := m.persistent(t)
	if err == nil {
		m.push(v)
	}
	return err
}
