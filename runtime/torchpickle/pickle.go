package torchpickle

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// Persistent resolves a BINPERSID id (torch.save writes ('storage', type, key, location,
// numel) tuples) to the value it stands for.
type Persistent func(id Tuple) (any, error)

// machine is the unpickler's state (Lib/pickle.py, _Unpickler).
type machine struct {
	data       []byte
	pos        int
	stack      []any
	marks      []int
	memo       map[uint64]any
	persistent Persistent
}

// Unpickle runs the pickle in data and returns the object it builds. persistent may be nil,
// in which case a persistent id is an error.
func Unpickle(data []byte, persistent Persistent) (any, error) {
	m := &machine{data: data, memo: map[uint64]any{}, persistent: persistent}
	for {
		if m.pos >= len(m.data) {
			return nil, formatErrorf("pickle ends without STOP (truncated file?)")
		}
		op := m.data[m.pos]
		m.pos++
		if op == opStop {
			if len(m.stack) != 1 || len(m.marks) != 0 {
				return nil, formatErrorf("pickle stops with %d values on the stack, want 1", len(m.stack))
			}
			return m.stack[0], nil
		}
		if err := m.step(op); err != nil {
			return nil, err
		}
	}
}

// Opcodes (Lib/pickletools.py). Protocol-0/1 text opcodes and the object-building ones
// (INST, OBJ, NEWOBJ_EX, EXT*) are deliberately absent: torch.save never writes them.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
	opByteArray8     = 0x96
)

func (m *machine) step(op byte) error {
	switch op {
	case opProto:
		v, err := m.uint(1)
		if err != nil {
			return err
		}
		if v < 2 || v > 5 {
			return formatErrorf("pickle protocol %d: only protocols 2 to 5 are read", v)
		}
		return nil
	case opFrame:
		_, err := m.uint(8) // frames only group opcodes for buffered reading
		return err
	case opMark:
		m.marks = append(m.marks, len(m.stack))
		return nil
	}
	if push, ok := m.scalar(op); ok {
		v, err := push()
		if err != nil {
			return err
		}
		m.push(v)
		return nil
	}
	return m.structural(op)
}

// scalar returns how to read the value of a scalar-pushing opcode.
func (m *machine) scalar(op byte) (func() (any, error), bool) {
	switch op {
	case opNone:
		return func() (any, error) { return nil, nil }, true
	case opNewTrue:
		return func() (any, error) { return true, nil }, true
	case opNewFalse:
		return func() (any, error) { return false, nil }, true
	case opBinInt:
		return func() (any, error) { v, err := m.uint(4); return int64(int32(v)), err }, true
	case opBinInt1:
		return func() (any, error) { v, err := m.uint(1); return int64(v), err }, true
	case opBinInt2:
		return func() (any, error) { v, err := m.uint(2); return int64(v), err }, true
	case opLong1:
		return func() (any, error) { return m.long(1) }, true
	case opLong4:
		return func() (any, error) { return m.long(4) }, true
	case opBinFloat:
		return func() (any, error) {
			b, err := m.bytes(8)
			if err != nil {
				return nil, err
			}
			return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
		}, true
	case opShortBinString, opShortBinUni:
		return func() (any, error) { return m.text(1, op == opShortBinUni) }, true
	case opBinString, opBinUnicode:
		return func() (any, error) { return m.text(4, op == opBinUnicode) }, true
	case opBinUnicode8:
		return func() (any, error) { return m.text(8, true) }, true
	case opShortBinBytes:
		return func() (any, error) { return m.blob(1) }, true
	case opBinBytes:
		return func() (any, error) { return m.blob(4) }, true
	case opBinBytes8, opByteArray8:
		return func() (any, error) { return m.blob(8) }, true
	case opEmptyTuple:
		return func() (any, error) { return Tuple{}, nil }, true
	case opEmptyList:
		return func() (any, error) { return &List{}, nil }, true
	case opEmptyDict:
		return func() (any, error) { return NewDict(), nil }, true
	case opGlobal:
		return m.global, true
	}
	return nil, false
}

// structural handles the opcodes that consume stack values.
func (m *machine) structural(op byte) error {
	switch op {
	case opPop:
		_, err := m.pop()
		return err
	case opPopMark:
		_, err := m.popMark()
		return err
	case opDup:
		v, err := m.top()
		if err == nil {
			m.push(v)
		}
		return err
	case opTuple1, opTuple2, opTuple3:
		return m.tupleN(int(op-opTuple1) + 1)
	case opTuple, opList, opDict:
		return m.fromMark(op)
	case opAppend, opAppends:
		return m.appends(op == opAppend)
	case opSetItem, opSetItems:
		return m.setItems(op == opSetItem)
	case opBinPut, opLongBinPut, opMemoize:
		return m.put(op)
	case opBinGet, opLongBinGet:
		return m.get(op)
	case opStackGlobal:
		return m.stackGlobal()
	case opReduce:
		return m.reduce()
	case opBuild:
		return m.build()
	case opNewObj:
		return m.newObj()
	case opBinPersID:
		return m.persID()
	}
	return formatErrorf("pickle opcode 0x%02x at byte %d is not one a tensor checkpoint uses", op, m.pos-1)
}

func (m *machine) push(v any) { m.stack = append(m.stack, v) }

func (m *machine) pop() (any, error) {
	floor := 0
	if len(m.marks) > 0 {
		floor = m.marks[len(m.marks)-1]
	}
	if len(m.stack) <= floor {
		return nil, formatErrorf("pickle pops an empty stack at byte %d", m.pos-1)
	}
	v := m.stack[len(m.stack)-1]
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

func (m *machine) top() (any, error) {
	v, err := m.pop()
	if err == nil {
		m.push(v)
	}
	return v, err
}

// popMark returns the values pushed since the last MARK and removes them and the mark.
func (m *machine) popMark() ([]any, error) {
	if len(m.marks) == 0 {
		return nil, formatErrorf("pickle uses a MARK it never set at byte %d", m.pos-1)
	}
	at := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]any(nil), m.stack[at:]...)
	m.stack = m.stack[:at]
	return items, nil
}

// bytes returns the next n bytes of the pickle, refusing lengths past its end before any
// allocation (a hostile length cannot make the reader allocate).
func (m *machine) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(m.data)-m.pos) {
		return nil, formatErrorf("pickle is truncated: %d bytes needed at byte %d, %d left", n, m.pos, len(m.data)-m.pos)
	}
	b := m.data[m.pos : m.pos+int(n)]
	m.pos += int(n)
	return b, nil
}

// uint reads an n-byte little-endian unsigned integer.
func (m *machine) uint(n int) (uint64, error) {
	b, err := m.bytes(uint64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// long reads LONG1/LONG4: a length, then a little-endian two's-complement integer. Only
// values that fit in 64 bits are accepted.
func (m *machine) long(lenBytes int) (any, error) {
	n, err := m.uint(lenBytes)
	if err != nil {
		return nil, err
	}
	if n > 8 {
		return nil, formatErrorf("integer of %d bytes: only 64-bit integers are read", n)
	}
	b, err := m.bytes(n)
	if err != nil || n == 0 {
		return int64(0), err
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if shift := 64 - 8*n; shift > 0 {
		return int64(v<<shift) >> shift, nil // sign-extend
	}
	return int64(v), nil
}

func (m *machine) blob(lenBytes int) (any, error) {
	n, err := m.uint(lenBytes)
	if err != nil {
		return nil, err
	}
	b, err := m.bytes(n)
	return append([]byte(nil), b...), err
}

func (m *machine) text(lenBytes int, utf bool) (any, error) {
	n, err := m.uint(lenBytes)
	if err != nil {
		return nil, err
	}
	b, err := m.bytes(n)
	if err != nil {
		return nil, err
	}
	if utf && !utf8.Valid(b) {
		return nil, formatErrorf("string at byte %d is not valid UTF-8", m.pos-int(n))
	}
	return string(b), nil
}
