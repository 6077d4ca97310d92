package demomodel

import "hash/fnv"

// splitMix64 is Vigna's SplitMix64 generator: one add and three xor-shift-multiplies per
// draw, statistically sound for weight initialisation and fast enough to stream SD 1.5's
// ≈1.07 G parameters in seconds. Determinism matters more than quality here.
type splitMix64 struct{ state uint64 }

func (r *splitMix64) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// symmetric returns a uniform float32 in [-1, 1) built from the top 24 bits of a draw.
func (r *splitMix64) symmetric() float32 {
	return float32(r.next()>>40)*(1.0/(1<<23)) - 1
}

// tensorRNG seeds an independent stream per tensor from the model seed and the tensor's
// key, so a weight's values do not depend on the order tensors are generated in.
func tensorRNG(seed uint64, key string) *splitMix64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	r := &splitMix64{state: seed ^ h.Sum64()}
	r.next()
	return r
}
