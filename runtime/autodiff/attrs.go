package autodiff

import "github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"

// Attribute readers and writers. Readers return the default when the attribute is absent.

func findAttr(n *onnxpb.NodeProto, name string) *onnxpb.AttributeProto {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

func attrInt(n *onnxpb.NodeProto, name string, def int64) int64 {
	if a := findAttr(n, name); a != nil {
		return a.GetI()
	}
	return def
}

func attrFloat(n *onnxpb.NodeProto, name string, def float32) float32 {
	if a := findAttr(n, name); a != nil {
		return a.GetF()
	}
	return def
}

func attrString(n *onnxpb.NodeProto, name, def string) string {
	if a := findAttr(n, name); a != nil {
		return string(a.GetS())
	}
	return def
}

// attrInts returns the ints attribute and whether it was present.
func attrInts(n *onnxpb.NodeProto, name string) ([]int64, bool) {
	if a := findAttr(n, name); a != nil {
		return a.GetInts(), true
	}
	return nil, false
}

func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func intsAttr(name string, v []int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: append([]int64(nil), v...)}
}

func floatAttr(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func stringAttr(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func tensorAttr(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: t}
}
