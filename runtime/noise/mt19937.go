package noise

// mt19937 is the 32-bit Mersenne Twister (Matsumoto & Nishimura 1998) exactly as PyTorch's
// at::mt19937 runs it: state seeded by the standard init_genrand recurrence and the 624-word block
// regenerated lazily when exhausted.
type mt19937 struct {
	state [mtN]uint32
	next  int
}

const (
	mtN         = 624
	mtM         = 397
	mtMatrixA   = 0x9908b0df
	mtUpperMask = 0x80000000
	mtLowerMask = 0x7fffffff
)

// seed is init_genrand(seed32): state[0] = seed, state[j] = 1812433253·(s ^ s>>30) + j.
func (m *mt19937) seed(seed32 uint32) {
	m.state[0] = seed32
	for j := 1; j < mtN; j++ {
		prev := m.state[j-1]
		m.state[j] = 1812433253*(prev^(prev>>30)) + uint32(j)
	}
	m.next = mtN
}

// twist regenerates the whole block of 624 words.
func (m *mt19937) twist() {
	for i := 0; i < mtN; i++ {
		y := (m.state[i] & mtUpperMask) | (m.state[(i+1)%mtN] & mtLowerMask)
		v := m.state[(i+mtM)%mtN] ^ (y >> 1)
		if y&1 != 0 {
			v ^= mtMatrixA
		}
		m.state[i] = v
	}
	m.next = 0
}

// uint32 returns the next tempered 32-bit output.
func (m *mt19937) uint32() uint32 {
	if m.next >= mtN {
		m.twist()
	}
	y := m.state[m.next]
	m.next++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}
