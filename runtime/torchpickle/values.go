package torchpickle

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Tuple is a Python tuple.
type Tuple []any

// List is a Python list (a pointer, because APPEND changes it in place on the stack).
type List struct{ Items []any }

// Dict is a Python dict or collections.OrderedDict: insertion order kept, keys hashable
// scalars or tuples of them.
type Dict struct {
	Keys   []any
	Values []any
	index  map[string]int
}

// NewDict returns an empty dict.
func NewDict() *Dict { return &Dict{index: map[string]int{}} }

// Set adds or replaces key.
func (d *Dict) Set(key, value any) error {
	k, err := hashKey(key, 0)
	if err != nil {
		return err
	}
	if i, ok := d.index[k]; ok {
		d.Values[i] = value
		return nil
	}
	d.index[k] = len(d.Keys)
	d.Keys = append(d.Keys, key)
	d.Values = append(d.Values, value)
	return nil
}

// Get returns the value of key.
func (d *Dict) Get(key any) (any, bool) {
	k, err := hashKey(key, 0)
	if err != nil {
		return nil, false
	}
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.Values[i], true
}

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.Keys) }

// maxKeyDepth bounds nested tuples used as dict keys; nothing torch writes comes close.
const maxKeyDepth = 32

// hashKey spells a hashable value so that equal Python values (1 == 1.0 == True aside) get
// equal strings.
func hashKey(v any, depth int) (string, error) {
	switch x := v.(type) {
	case nil:
		return "N", nil
	case bool:
		return "b" + strconv.FormatBool(x), nil
	case int64:
		return "i" + strconv.FormatInt(x, 10), nil
	case float64:
		return "f" + strconv.FormatUint(math.Float64bits(x), 16), nil
	case string:
		return "s" + strconv.Quote(x), nil
	case []byte:
		return "y" + strconv.Quote(string(x)), nil
	case Tuple:
		if depth >= maxKeyDepth {
			return "", formatErrorf("dict key nested deeper than %d tuples", maxKeyDepth)
		}
		var b strings.Builder
		b.WriteString("t(")
		for _, e := range x {
			k, err := hashKey(e, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(k)
			b.WriteByte(',')
		}
		b.WriteByte(')')
		return b.String(), nil
	}
	return "", formatErrorf("unhashable dict key of type %s", typeName(v))
}

// Global is an allowed Python global (module and name), the value GLOBAL pushes.
type Global struct{ Module, Name string }

func (g Global) String() string { return g.Module + "." + g.Name }

// typeName is the Python-ish name of a value's type, for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case Global:
		return "global " + v.(Global).String()
	case *Tensor:
		return "tensor"
	case *storage:
		return "storage"
	}
	return fmt.Sprintf("%T", v)
}
