// Package onnxpb holds the ONNX protobuf message types, generated with protoc-gen-go from
// onnx.proto (the ONNX project's proto3 rendering of onnx.in.proto, Apache-2.0).
//
// The messages keep unknown fields, so a model written by a newer exporter survives a
// load/save round trip through nudge. Regenerate with `go generate ./runtime/onnxgraph/onnxpb`
// after updating onnx.proto (needs protoc and protoc-gen-go).
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative onnx.proto
