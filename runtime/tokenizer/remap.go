package tokenizer

// maxRemapCells bounds the alignment table Remap builds (prompt lengths multiplied, after the
// common start and end are set aside); beyond it the edited middle is treated as replaced.
const maxRemapCells = 1 << 22

// Remap follows selected token indices of oldToks (such as Attend-and-Excite's subject tokens)
// into newToks after the prompt was edited. It aligns the two token lists by piece text with a
// longest common subsequence, so a selected piece follows its own text past insertions and
// deletions elsewhere. A selected piece that was itself changed maps to the piece at the same
// offset when its stretch between unchanged neighbours kept its length (a word swapped for one
// of equal token count, "cat" → "dog"), to the first equal piece in that stretch otherwise,
// and to -1 when neither exists (the selected word was deleted). The result has one entry per
// selected index, in order; indices outside oldToks map to -1.
func Remap(oldToks, newToks []Token, selected []int) []int {
	match := alignTokens(oldToks, newToks)
	out := make([]int, len(selected))
	for k, s := range selected {
		out[k] = remapOne(oldToks, newToks, match, s)
	}
	return out
}

func remapOne(oldToks, newToks []Token, match []int, s int) int {
	if s < 0 || s >= len(oldToks) {
		return -1
	}
	if match[s] >= 0 {
		return match[s]
	}
	prevOld, prevNew := -1, -1
	for i := s - 1; i >= 0; i-- {
		if match[i] >= 0 {
			prevOld, prevNew = i, match[i]
			break
		}
	}
	nextOld, nextNew := len(oldToks), len(newToks)
	for i := s + 1; i < len(oldToks); i++ {
		if match[i] >= 0 {
			nextOld, nextNew = i, match[i]
			break
		}
	}
	if nextOld-prevOld == nextNew-prevNew {
		return prevNew + (s - prevOld)
	}
	for j := prevNew + 1; j < nextNew; j++ {
		if newToks[j].Piece == oldToks[s].Piece {
			return j
		}
	}
	return -1
}

// alignTokens returns, for each old token, the index of the new token it is aligned with, or
// -1. The common start and end are aligned directly; the middle by longest common subsequence.
func alignTokens(oldToks, newToks []Token) []int {
	match := make([]int, len(oldToks))
	for i := range match {
		match[i] = -1
	}
	head := 0
	for head < len(oldToks) && head < len(newToks) && oldToks[head].Piece == newToks[head].Piece {
		match[head] = head
		head++
	}
	tail := 0
	for tail < len(oldToks)-head && tail < len(newToks)-head &&
		oldToks[len(oldToks)-1-tail].Piece == newToks[len(newToks)-1-tail].Piece {
		match[len(oldToks)-1-tail] = len(newToks) - 1 - tail
		tail++
	}
	oldMid, newMid := oldToks[head:len(oldToks)-tail], newToks[head:len(newToks)-tail]
	if len(oldMid)*len(newMid) <= maxRemapCells {
		for i, j := range lcsMatch(oldMid, newMid) {
			if j >= 0 {
				match[head+i] = head + j
			}
		}
	}
	return match
}

// lcsMatch aligns a and b along one longest common subsequence of their pieces.
func lcsMatch(a, b []Token) []int {
	n, m := len(a), len(b)
	// suffix[i][j] = LCS length of a[i:] and b[j:], stored row-major.
	suffix := make([]int, (n+1)*(m+1))
	at := func(i, j int) *int { return &suffix[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i].Piece == b[j].Piece:
				*at(i, j) = *at(i+1, j+1) + 1
			default:
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	match := make([]int, n)
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i].Piece == b[j].Piece && *at(i, j) == *at(i+1, j+1)+1:
			match[i] = j
			i, j = i+1, j+1
		case *at(i+1, j) >= *at(i, j+1):
			match[i] = -1
			i++
		default:
			j++
		}
	}
	for ; i < n; i++ {
		match[i] = -1
	}
	return match
}
