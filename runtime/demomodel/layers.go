package demomodel

import (
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// The layers below emit the op patterns torch.onnx produces for the corresponding torch
// modules (see docs/references.md, "ONNX exports in the wild"). Weights are fan-in scaled:
// uniform(±gain·√(3/fan_in)) has variance gain²/fan_in, which keeps activations near unit
// scale; residual branches use a gain below one so deep stacks stay unsaturated.

const (
	gainUnit     = 1.0
	gainResidual = 0.5
	biasBound    = 0.02
)

func fanInBound(fanIn int64, gain float64) float32 {
	return float32(gain * math.Sqrt(3/float64(fanIn)))
}

// conv2d emits Conv with weight [out, in, k, k] and a bias, in the current module scope.
func (g *graph) conv2d(x string, in, out, k, stride, pad int64, gain float64) string {
	w := g.param("weight", []int64{out, in, k, k}, 0, fanInBound(in*k*k, gain))
	b := g.param("bias", []int64{out}, 0, biasBound)
	return g.op("Conv", []string{x, w, b},
		attrInts("dilations", 1, 1), attrInt("group", 1), attrInts("kernel_shape", k, k),
		attrInts("pads", pad, pad, pad, pad), attrInts("strides", stride, stride))
}

// linear emits MatMul (+Add for the bias), torch's export of nn.Linear on a 3-D input.
func (g *graph) linear(x string, in, out int64, bias bool, gain float64) string {
	y := g.op("MatMul", []string{x, g.matmulWeight(in, out, fanInBound(in, gain))})
	if bias {
		y = g.op("Add", []string{g.param("bias", []int64{out}, 0, biasBound), y})
	}
	return y
}

// gemm emits Gemm(transB=1), torch's export of nn.Linear on a 2-D input.
func (g *graph) gemm(x string, in, out int64, gain float64) string {
	w := g.param("weight", []int64{out, in}, 0, fanInBound(in, gain))
	b := g.param("bias", []int64{out}, 0, biasBound)
	return g.op("Gemm", []string{x, w, b}, attrFloat("alpha", 1), attrFloat("beta", 1), attrInt("transB", 1))
}

// groupNorm emits torch's GroupNorm export: Reshape → InstanceNormalization → Reshape →
// Mul → Add, with the affine parameters as [C,1,1] tensors.
func (g *graph) groupNorm(x string, channels, groups int64, eps float32) string {
	ones := make([]float32, groups)
	for i := range ones {
		ones[i] = 1
	}
	grouped := g.op("Reshape", []string{x, g.constInts(false, 0, groups, -1)})
	normed := g.op("InstanceNormalization",
		[]string{grouped, g.constFloats([]int64{groups}, ones), g.constFloats([]int64{groups}, make([]float32, groups))},
		attrFloat("epsilon", eps))
	back := g.op("Reshape", []string{normed, g.op("Shape", []string{x})})
	scaled := g.op("Mul", []string{back, g.param("weight", []int64{channels, 1, 1}, 1, 0.1)})
	return g.op("Add", []string{scaled, g.param("bias", []int64{channels, 1, 1}, 0, biasBound)})
}

// layerNorm normalises the last axis: one LayerNormalization node from opset 17, and the
// ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add decomposition before it.
func (g *graph) layerNorm(x string, width int64, eps float32) string {
	w := g.param("weight", []int64{width}, 1, 0.1)
	b := g.param("bias", []int64{width}, 0, biasBound)
	if g.opset >= 17 {
		return g.op("LayerNormalization", []string{x, w, b}, attrInt("axis", -1), attrFloat("epsilon", eps))
	}
	mean := g.op("ReduceMean", []string{x}, attrInts("axes", -1), attrInt("keepdims", 1))
	centred := g.op("Sub", []string{x, mean})
	sq := g.op("Pow", []string{centred, g.constFloat(2)})
	variance := g.op("ReduceMean", []string{sq}, attrInts("axes", -1), attrInt("keepdims", 1))
	std := g.op("Sqrt", []string{g.op("Add", []string{variance, g.constFloat(eps)})})
	normed := g.op("Div", []string{centred, std})
	return g.op("Add", []string{g.op("Mul", []string{normed, w}), b})
}

// silu is x·sigmoid(x), as torch exports nn.SiLU below opset 20.
func (g *graph) silu(x string) string {
	return g.op("Mul", []string{x, g.op("Sigmoid", []string{x})})
}

// geluErf is the exact GELU, 0.5·x·(1+erf(x/√2)), as exported before opset 20.
func (g *graph) geluErf(x string) string {
	e := g.op("Erf", []string{g.op("Div", []string{x, g.constFloat(math.Sqrt2)})})
	return g.op("Mul", []string{g.op("Mul", []string{x, g.op("Add", []string{e, g.constFloat(1)})}), g.constFloat(0.5)})
}

// quickGELU is CLIP's x·sigmoid(1.702·x) (Radford et al. 2021, openai/CLIP model.py).
func (g *graph) quickGELU(x string) string {
	return g.op("Mul", []string{x, g.op("Sigmoid", []string{g.op("Mul", []string{x, g.constFloat(1.702)})})})
}

// axisLength returns a 1-D int64 tensor holding x's size along axis.
func (g *graph) axisLength(x string, axis int64) string {
	return g.op("Slice", []string{g.op("Shape", []string{x}), g.constInts(false, axis), g.constInts(false, axis+1)})
}

func (g *graph) unsqueeze(x string, axes ...int64) string {
	return g.op("Unsqueeze", []string{x, g.constInts(false, axes...)})
}

func (g *graph) transpose(x string, perm ...int64) string {
	return g.op("Transpose", []string{x}, attrInts("perm", perm...))
}

func (g *graph) castTo(x string, to onnxpb.TensorProto_DataType) string {
	return g.op("Cast", []string{x}, attrInt("to", int64(to)))
}
