package onnxgraph

import (
	"strconv"
	"strings"
)

// UNet module paths come from torch.onnx's scoped node names, e.g.
// "/down_blocks.2/attentions.0/transformer_blocks.0/attn2/Softmax", sometimes under "/unet/"
// (docs/references.md, "ONNX exports in the wild").

// modulePath is the module part of a node name: the op's own name is dropped, and so is any
// prefix before the first UNet stage ("unet/"). Names without a stage keep their full scope.
func modulePath(nodeName string) string {
	parts := strings.FieldsFunc(nodeName, func(r rune) bool { return r == '/' })
	if len(parts) < 2 {
		return ""
	}
	parts = parts[:len(parts)-1]
	for i, p := range parts {
		if stageOf(p) >= 0 {
			return strings.Join(parts[i:], "/")
		}
	}
	return strings.Join(parts, "/")
}

// stageOf orders the three UNet stages: down, mid, up; -1 for anything else.
func stageOf(part string) int {
	switch {
	case strings.HasPrefix(part, "down_blocks."):
		return 0
	case part == "mid_block":
		return 1
	case strings.HasPrefix(part, "up_blocks."):
		return 2
	}
	return -1
}

// indexOf parses the number after "name." in a path component, or -1.
func indexOf(part, name string) int {
	rest, ok := strings.CutPrefix(part, name+".")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// unetKey sorts attention module paths in UNet execution order: stage, block, attention,
// transformer block, then attn1 before attn2. Unrecognised paths sort last.
type unetKey [6]int

func unetKeyOf(path string) unetKey {
	k := unetKey{3, 0, 0, 0, 0, 0}
	for _, p := range strings.Split(path, "/") {
		switch {
		case stageOf(p) >= 0:
			k[0] = stageOf(p)
			k[1] = max(indexOf(p, "down_blocks"), indexOf(p, "up_blocks"), 0)
		case indexOf(p, "attentions") >= 0:
			k[2] = indexOf(p, "attentions")
		case indexOf(p, "transformer_blocks") >= 0:
			k[3] = indexOf(p, "transformer_blocks")
		case p == "attn1" || p == "attn2":
			k[4] = int(p[4] - '0')
		}
	}
	return k
}

func (a unetKey) less(b unetKey) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// downsampleFactor is how much smaller than the latent a module's feature map is, from its
// stage: down_blocks.k → 2^k, mid_block → 2^(n-1), up_blocks.k → 2^(n-1-k), with n down blocks
// (docs/references.md, "SD 1.5 attention layout"). It is 0 when the path names no stage or the
// index is out of range.
func downsampleFactor(path string, downBlocks int) int {
	for _, p := range strings.Split(path, "/") {
		var level int
		switch stageOf(p) {
		case 0:
			level = indexOf(p, "down_blocks")
		case 1:
			level = downBlocks - 1
		case 2:
			level = downBlocks - 1 - indexOf(p, "up_blocks")
		default:
			continue
		}
		if level < 0 || downBlocks == 0 {
			return 0
		}
		return 1 << level
	}
	return 0
}

// countDownBlocks finds n, the number of down blocks, as one more than the highest
// "down_blocks.k" index in any node name.
func countDownBlocks(names []string) int {
	n := 0
	for _, name := range names {
		for _, p := range strings.Split(name, "/") {
			if k := indexOf(p, "down_blocks"); k+1 > n {
				n = k + 1
			}
		}
	}
	return n
}

// attnKind reads attn1 (self) or attn2 (cross) from the path's last component.
func attnKind(path string) string {
	switch path[strings.LastIndexByte(path, '/')+1:] {
	case "attn1":
		return KindSelf
	case "attn2":
		return KindCross
	}
	return ""
}

// DownBlocks is the number of down blocks of a diffusers UNet graph, read from its node
// names (0 when they carry no module paths).
func DownBlocks(m *Model) int {
	var names []string
	for _, n := range m.Graph().GetNode() {
		names = append(names, n.GetName())
	}
	return countDownBlocks(names)
}
