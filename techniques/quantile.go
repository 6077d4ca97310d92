package techniques

import (
	"math"
)

// magnitudeQuantile computes torch.quantile(|v|, q) — linear interpolation, float32 — the
// way PyTorch's CPU kernel does (aten/src/ATen/native/Sorting.cpp, quantile_impl): rank =
// q·(n−1) in float32, the values at ⌊rank⌋ and ⌈rank⌉ of the sorted magnitudes, joined by
// torch's lerp. A NaN anywhere makes the result NaN, as in torch.
//
// Torch sorts; SEGA needs one quantile per latent channel per concept per step, so this finds
// the two order statistics by radix selection instead, O(n) and exact: the bit patterns of
// non-negative float32 values sort like the values themselves. Its buffers are reused across
// calls, so a value serves one goroutine.
type magnitudeQuantile struct {
	keys []uint32 // bit patterns of |v|
	work []uint32 // candidates left after each radix pass
	hist [1 << radixBits]int
}

const (
	radixBits = 11
	signBit   = 1 << 31
	infBits   = 0x7f800000 // +Inf; larger magnitudes are NaN
)

// radixShifts takes the 32-bit keys 11, 11 and 10 bits at a time, most significant first.
var radixShifts = [...]uint{21, 10, 0}

func newMagnitudeQuantile(n int) *magnitudeQuantile {
	return &magnitudeQuantile{keys: make([]uint32, n), work: make([]uint32, n)}
}

// quantile returns torch.quantile(|v|, q) for q in [0,1]; v must be non-empty and no longer
// than the n the value was made for. v itself is not changed.
func (m *magnitudeQuantile) quantile(v []float32, q float32) float32 {
	keys := m.keys[:len(v)]
	var nan bool
	for i, x := range v {
		keys[i] = math.Float32bits(x) &^ signBit
		nan = nan || keys[i] > infBits
	}
	if nan {
		return float32(math.NaN())
	}
	rank := q * float32(len(v)-1)
	below := int(rank)
	weight := rank - float32(below)
	lo, atMost := m.selectKey(keys, below)
	hi := lo
	if weight > 0 && below+1 >= atMost {
		hi = nextKeyAbove(keys, lo)
	}
	return torchLerp(math.Float32frombits(lo), math.Float32frombits(hi), weight)
}

// selectKey returns the k-th smallest key (0-based) and how many keys are ≤ it, narrowing
// the candidates one radix digit at a time.
func (m *magnitudeQuantile) selectKey(keys []uint32, k int) (key uint32, atMost int) {
	cands, less := keys, 0
	last := len(radixShifts) - 1
	for _, shift := range radixShifts[:last] {
		d, below := m.digit(cands, shift, k)
		k, less, key = k-below, less+below, key|d<<shift
		if m.hist[d] < len(cands) {
			cands = compact(m.work, cands, shift, d)
		}
	}
	d, below := m.digit(cands, radixShifts[last], k)
	return key | d<<radixShifts[last], less + below + m.hist[d]
}

// digit histograms the candidates' digit at shift and returns the digit of the k-th
// smallest candidate and how many candidates have a smaller digit.
func (m *magnitudeQuantile) digit(cands []uint32, shift uint, k int) (d uint32, below int) {
	clear(m.hist[:])
	for _, c := range cands {
		m.hist[(c>>shift)&(1<<radixBits-1)]++
	}
	for k >= below+m.hist[d] {
		below += m.hist[d]
		d++
	}
	return d, below
}

// compact copies the candidates whose digit at shift is d into dst (which may be cands
// itself: writes never overtake reads) and returns them.
func compact(dst, cands []uint32, shift uint, d uint32) []uint32 {
	n := 0
	for _, c := range cands {
		if (c>>shift)&(1<<radixBits-1) == d {
			dst[n] = c
			n++
		}
	}
	return dst[:n]
}

// nextKeyAbove returns the smallest key greater than key; one exists whenever the caller
// asks, because fewer than all keys are ≤ key.
func nextKeyAbove(keys []uint32, key uint32) uint32 {
	best := uint32(math.MaxUint32)
	for _, k := range keys {
		if k > key && k < best {
			best = k
		}
	}
	return best
}

// torchLerp is PyTorch's scalar lerp (aten/src/ATen/native/Lerp.h): it interpolates from the
// nearer end for accuracy. The float32 conversions keep each product rounded on its own, as
// torch's scalar path does, so no platform fuses them into an FMA.
func torchLerp(start, end, weight float32) float32 {
	if float32(math.Abs(float64(weight))) < 0.5 {
		return start + float32(weight*(end-start))
	}
	return end - float32((end-start)*(1-weight))
}
