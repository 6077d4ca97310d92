// Package autodiff builds reverse-mode gradient (vector–Jacobian product) graphs for ONNX
// models, made only of standard ONNX operators so that they run on stock ONNX Runtime on CPU
// and GPU. ONNX Runtime's own gradient builder exists only in its training build and emits
// training-only kernels (SoftmaxGrad, ConvGrad, …); see ORT
// orttraining/orttraining/core/graph/gradient_builder.cc and docs/autodiff.md.
//
// Given a forward graph, chosen output tensors O_i and chosen tensors x (graph inputs,
// initializers or intermediate tensors), Build emits one graph whose inputs are the forward
// inputs plus upstream gradients grad_<O_i> and whose outputs are grad_<x> =
// ∂(Σ_i ⟨grad_<O_i>, O_i⟩)/∂x. Only nodes that lie on a differentiable path from some x to
// some O_i get a backward; the forward activations the backward needs are computed once in
// the same graph. Shapes are resolved statically (inputs with symbolic dims are pinned), so
// every emitted broadcast reduction, reshape and padding is a constant.
//
// docs/autodiff.md describes the design, how the graph is cut and how to add an op rule.
package autodiff
