package runtime

import (
	"context"
	"fmt"
	"math"
)

// predictNoise runs the UNet on a batch of scaled latents with their text conditioning.
// Models exported with a fixed batch are called in chunks of that size, and so are larger
// batches when Options.MaxBatch caps the rows per call.
func (m *Model) predictNoise(ctx context.Context, x Tensor, t float64, cond Tensor) (Tensor, error) {
	rows := int(x.Shape[0])
	chunk, err := m.unetChunk(rows)
	if err != nil {
		return Tensor{}, err
	}
	if chunk == rows {
		return m.unetCall(ctx, x, t, cond)
	}
	parts := make([]Tensor, 0, rows/chunk)
	for i := 0; i < rows; i += chunk {
		p, err := m.unetCall(ctx, sliceRows(x, i, i+chunk), t, sliceRows(cond, i, i+chunk))
		if err != nil {
			return Tensor{}, err
		}
		parts = append(parts, p)
	}
	return concatRows(parts...), nil
}

// unetChunk is the rows per UNet call for a batch of rows: the export's fixed batch, else
// Options.MaxBatch (a divisor, so chunks are equal), else all of them.
func (m *Model) unetChunk(rows int) (int, error) {
	chunk := rows
	if spec, ok := m.UNet.Input("sample"); ok && len(spec.Dims) == 4 && spec.Dims[0] > 0 {
		chunk = int(spec.Dims[0])
	} else if m.Options.MaxBatch > 0 && rows > m.Options.MaxBatch {
		chunk = largestDivisor(rows, m.Options.MaxBatch)
	}
	if rows%chunk != 0 {
		return 0, modelError{m.UNet.Path, fmt.Sprintf("the UNet has a fixed batch of %d, which does not divide %d rows", chunk, rows)}
	}
	return chunk, nil
}

func (m *Model) unetCall(ctx context.Context, x Tensor, t float64, cond Tensor) (Tensor, error) {
	feeds := map[string]Feed{
		"sample":                {Shape: x.Shape, F: x.Data},
		"encoder_hidden_states": {Shape: cond.Shape, F: cond.Data},
		"timestep":              m.timestepFeed(t, x.Shape[0]),
	}
	out := m.UNet.Outputs[0]
	shape := []int64{x.Shape[0], m.latentChannels(), x.Shape[2], x.Shape[3]}
	res, err := m.UNet.Run(ctx, feeds, map[string][]int64{out.Name: shape})
	if err != nil {
		return Tensor{}, err
	}
	return res[out.Name], nil
}

// timestepFeed shapes the timestep the way the UNet declares it: a rank-0 scalar (Optimum
// ≥ 1.24), [1] or [B]; int64 timesteps are rounded (docs/references.md, "ONNX exports in the
// wild").
func (m *Model) timestepFeed(t float64, rows int64) Feed {
	spec, _ := m.UNet.Input("timestep")
	var shape []int64
	n := 1
	if len(spec.Dims) == 1 {
		shape = []int64{1}
		if spec.Dims[0] != 1 {
			shape, n = []int64{rows}, int(rows)
		}
	}
	f := Feed{Shape: shape}
	for i := 0; i < n; i++ {
		if spec.DType == Int32 || spec.DType == Int64 {
			f.I = append(f.I, int64(math.Round(t)))
		} else {
			f.F = append(f.F, float32(t))
		}
	}
	return f
}

// latentChannels is the UNet's output channel count (4 for every SD 1.x/2.x variant).
func (m *Model) latentChannels() int64 {
	if len(m.UNet.Outputs) > 0 && len(m.UNet.Outputs[0].Dims) == 4 && m.UNet.Outputs[0].Dims[1] > 0 {
		return m.UNet.Outputs[0].Dims[1]
	}
	return 4
}

func sliceRows(t Tensor, from, to int) Tensor {
	n := len(t.Data) / int(t.Shape[0])
	shape := append([]int64{int64(to - from)}, t.Shape[1:]...)
	return Tensor{Shape: shape, Data: t.Data[from*n : to*n]}
}

// largestDivisor is the largest d ≤ limit that divides n, so chunks are equal.
func largestDivisor(n, limit int) int {
	for d := min(n, limit); d > 1; d-- {
		if n%d == 0 {
			return d
		}
	}
	return 1
}
