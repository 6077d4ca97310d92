package onnxgraph

import (
	"slices"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// AddedTokenRows is the graph input ExtendTokenEmbedding adds: [rows, hidden] vectors that
// token ids base, base+1, … look up.
const AddedTokenRows = "added_token_embeddings"

// ExtendTokenEmbedding lets a CLIP text encoder look up token ids at or above base in a new
// input, AddedTokenRows, instead of its token-embedding table: textual-inversion embeddings
// become new tokens without copying or rewriting the table (transformers does the same with
// resize_token_embeddings, which copies it). Around the token-embedding Gather it inserts
//
//	known = ids < base
//	rows  = Where(known[..., None], Gather(table, Where(known, ids, 0)),
//	              Gather(added, Where(known, 0, ids - base)))
//
// so known ids read exactly the rows they read before. The Gather is the one whose data is
// a rank-2 initializer and whose indices come from input_ids (through Cast, Reshape and the
// like).
func ExtendTokenEmbedding(m *Model, base int64) error {
	g := m.Graph()
	at, gather, table := tokenGather(m)
	if gather == nil {
		return badModel(m.Path, "textual-inversion embeddings need a text encoder with an unfused token-embedding Gather",
			"no Gather reads input_ids from a [vocab, hidden] table")
	}
	if base < 1 || base > table.Dims[0] {
		return badModel(m.Path, "use the model's own tokenizer", "the tokenizer has %d tokens but the token-embedding table %d rows", base, table.Dims[0])
	}
	if m.graphSources()[AddedTokenRows] {
		return badModel(m.Path, "", "the text encoder already has an input %s", AddedTokenRows)
	}
	elem := onnxpb.TensorProto_DataType(table.GetDataType())
	added := NewValueInfo(AddedTokenRows, elem, []int64{-1, table.Dims[1]})
	SetDimParam(added, 0, "added_tokens")
	g.Input = append(g.Input, added)
	g.Initializer = append(g.Initializer, TensorInt64("ti/base", []int64{}, []int64{base}),
		TensorInt64("ti/zero", []int64{}, []int64{0}), TensorInt64("ti/last_axis", []int64{1}, []int64{-1}))
	out := gather.Output[0]
	gather.Output[0] = "ti/known_rows"
	ids := gather.Input[1]
	gather.Input[1] = "ti/known_ids"
	unsqueeze := NewNode("Unsqueeze", "ti/known_3d", []string{"ti/known", "ti/last_axis"}, []string{"ti/known_3d"})
	if m.Opset() < 13 {
		unsqueeze = NewNode("Unsqueeze", "ti/known_3d", []string{"ti/known"}, []string{"ti/known_3d"}, AttrInts("axes", -1))
	}
	before := []*onnxpb.NodeProto{
		NewNode("Cast", "ti/ids", []string{ids}, []string{"ti/ids"}, AttrInt("to", int64(onnxpb.TensorProto_INT64))),
		NewNode("Less", "ti/known", []string{"ti/ids", "ti/base"}, []string{"ti/known"}),
		NewNode("Where", "ti/known_ids", []string{"ti/known", "ti/ids", "ti/zero"}, []string{"ti/known_ids"}),
		NewNode("Sub", "ti/shifted", []string{"ti/ids", "ti/base"}, []string{"ti/shifted"}),
		NewNode("Where", "ti/added_ids", []string{"ti/known", "ti/zero", "ti/shifted"}, []string{"ti/added_ids"}),
		NewNode("Gather", "ti/added_rows", []string{AddedTokenRows, "ti/added_ids"}, []string{"ti/added_rows"}),
		unsqueeze,
	}
	after := NewNode("Where", "ti/rows", []string{"ti/known_3d", "ti/known_rows", "ti/added_rows"}, []string{out})
	g.Node = slices.Insert(g.Node, at+1, after)
	g.Node = slices.Insert(g.Node, at, before...)
	return nil
}

// tokenGather finds the token-embedding Gather, its index in the node list and its table.
func tokenGather(m *Model) (int, *onnxpb.NodeProto, *onnxpb.TensorProto) {
	producers := m.Producers()
	for i, n := range m.Graph().Node {
		if n.OpType != "Gather" || len(n.Input) != 2 || len(n.Output) != 1 {
			continue
		}
		t := m.Initializer(n.Input[0])
		if t == nil || len(t.Dims) != 2 || !fromInputIDs(n.Input[1], producers) {
			continue
		}
		return i, n, t
	}
	return -1, nil, nil
}

// fromInputIDs tells whether value v is input_ids, possibly cast or reshaped.
func fromInputIDs(v string, producers map[string]*onnxpb.NodeProto) bool {
	for range 8 {
		if v == "input_ids" {
			return true
		}
		p := producers[v]
		if p == nil || len(p.Input) == 0 {
			return false
		}
		switch p.OpType {
		case "Cast", "Reshape", "Unsqueeze", "Flatten", "Identity", "View":
			v = p.Input[0]
		default:
			return false
		}
	}
	return false
}
