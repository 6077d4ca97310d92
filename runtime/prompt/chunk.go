package prompt

// ChunkLength is the number of prompt tokens in one chunk; with the start and end tokens a
// chunk is the 77 positions of CLIP's text encoder (A1111's chunk_length).
const ChunkLength = 75

// DefaultCommaBacktrack is A1111's comma_padding_backtrack default: when a chunk fills up and
// its last comma is at most this many tokens back, the words after the comma move on.
const DefaultCommaBacktrack = 20

// Chunk is one text-encoder input: ChunkLength+2 token ids (start, prompt, end, padding) and
// a weight per position. Used counts the prompt tokens in it (embedding vectors included).
type Chunk struct {
	IDs     []int
	Weights []float64
	Used    int
}

// Chunker turns weighted spans into chunks as tokenize_line in modules/sd_hijack_clip.py
// (FrozenCLIPEmbedderWithCustomWordsBase) does.
type Chunker struct {
	// Encode is the tokenizer without special tokens (Hugging Face's add_special_tokens=False).
	Encode func(text string) []int
	// BOS and EOS surround every chunk; Pad fills a chunk after its first EOS (SD 2's "!",
	// equal to EOS on SD 1, as A1111's process_tokens replaces id_end by id_pad).
	BOS, EOS, Pad int
	// Comma is the id of ",</w>", or -1 when the vocabulary has none.
	Comma int
	// Backtrack is A1111's comma_padding_backtrack (DefaultCommaBacktrack; 0 turns it off).
	Backtrack int
	// Embeddings finds textual-inversion embeddings among the tokens; nil when there are none.
	Embeddings Matcher
}

// Matcher finds a textual-inversion embedding whose name's tokens start at ids[pos] (A1111's
// EmbeddingDatabase.find_embedding_at_position). It returns the ids that stand for the
// embedding's vectors (one per vector) and how many of ids the name took, or consumed = 0.
type Matcher interface {
	Match(ids []int, pos int) (vectors []int, consumed int)
}

// chunking is the state of one Chunks call (tokenize_line's nonlocals).
type chunking struct {
	c         *Chunker
	chunks    []Chunk
	ids       []int
	weights   []float64
	lastComma int
	count     int
}

// Chunks splits the spans into chunks and returns them with A1111's token count (full chunks
// count ChunkLength, the last its used length); there is always at least one chunk.
func (c *Chunker) Chunks(spans []Span) (chunks []Chunk, tokenCount int) {
	s := &chunking{c: c, lastComma: -1}
	for _, sp := range spans {
		if sp.IsBreak() {
			s.next(false)
			continue
		}
		s.span(c.Encode(sp.Text), sp.Weight)
	}
	if len(s.ids) > 0 || len(s.chunks) == 0 {
		s.next(true)
	}
	return s.chunks, s.count
}

func (s *chunking) span(toks []int, weight float64) {
	for pos := 0; pos < len(toks); {
		tok := toks[pos]
		if tok == s.c.Comma {
			s.lastComma = len(s.ids)
		} else if s.c.Backtrack != 0 && len(s.ids) == ChunkLength && s.lastComma != -1 &&
			len(s.ids)-s.lastComma <= s.c.Backtrack {
			s.moveAfterComma()
		}
		if len(s.ids) == ChunkLength {
			s.next(false)
		}
		var vectors []int
		consumed := 0
		if s.c.Embeddings != nil {
			vectors, consumed = s.c.Embeddings.Match(toks, pos)
		}
		if consumed == 0 {
			s.ids = append(s.ids, tok)
			s.weights = append(s.weights, weight)
			pos++
			continue
		}
		if len(s.ids)+len(vectors) > ChunkLength {
			s.next(false)
		}
		for _, v := range vectors {
			s.ids = append(s.ids, v)
			s.weights = append(s.weights, weight)
		}
		pos += consumed
	}
}

// moveAfterComma closes the chunk after its last comma and starts the next one with the
// tokens that followed it.
func (s *chunking) moveAfterComma() {
	at := s.lastComma + 1
	ids := append([]int(nil), s.ids[at:]...)
	weights := append([]float64(nil), s.weights[at:]...)
	s.ids, s.weights = s.ids[:at], s.weights[:at]
	s.next(false)
	s.ids, s.weights = ids, weights
}

// next is tokenize_line's next_chunk: pad to ChunkLength with the end token, add start and
// end, and begin an empty chunk.
func (s *chunking) next(last bool) {
	used := len(s.ids)
	if last {
		s.count += used
	} else {
		s.count += ChunkLength
	}
	ids := make([]int, 0, ChunkLength+2)
	weights := make([]float64, 0, ChunkLength+2)
	ids = append(append(ids, s.c.BOS), s.ids...)
	weights = append(append(weights, 1), s.weights...)
	for len(ids) < ChunkLength+2 {
		ids = append(ids, s.c.EOS)
		weights = append(weights, 1)
	}
	if s.c.Pad != s.c.EOS {
		for i := firstIndex(ids, s.c.EOS) + 1; i > 0 && i < len(ids); i++ {
			ids[i] = s.c.Pad
		}
	}
	s.chunks = append(s.chunks, Chunk{IDs: ids, Weights: weights, Used: used})
	s.ids, s.weights, s.lastComma = nil, nil, -1
}

func firstIndex(ids []int, v int) int {
	for i, id := range ids {
		if id == v {
			return i
		}
	}
	return -1
}

// EmptyChunk is the chunk of an empty prompt (A1111's empty_chunk): what pads a shorter
// prompt's chunk list.
func (c *Chunker) EmptyChunk() Chunk {
	chunks, _ := c.Chunks([]Span{{"", 1}})
	return chunks[0]
}
