package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"strings"

	"github.com/nudge-studio/nudge/runtime/modelfile"
)

// clipMergeCount is how many merges CLIP uses from its merges file: simple_tokenizer.py keeps
// lines 1 to 49152-256-2 so that 256 bytes, 256 word-final bytes, the merges and two special
// tokens make the 49,408-entry vocabulary; the file itself holds 262,144 merges.
const clipMergeCount = 49152 - 256 - 2

// loadCLIPMerges reads CLIP's bpe_simple_vocab_16e6.txt(.gz). The file holds only merges;
// the vocabulary is derived as CLIP derives it: the byte symbols, the same with "</w>", each
// merge joined, then <|startoftext|> and <|endoftext|>.
func loadCLIPMerges(path string) (*Tokenizer, error) {
	f, _, err := modelfile.Open(path)
	if err != nil {
		return nil, statError(path, err)
	}
	defer f.Close()
	return parseCLIPMerges(path, f)
}

// parseCLIPMerges builds a tokenizer from the file's contents; path is for error messages.
func parseCLIPMerges(path string, r io.Reader) (*Tokenizer, error) {
	text, err := maybeGunzip(path, r)
	if err != nil {
		return nil, err
	}
	merges, lines, err := readCLIPMerges(path, text)
	if err != nil {
		return nil, err
	}
	return newTokenizer(clipVocab(path, merges, lines))
}

// maybeGunzip returns a reader of the file's text, decompressing when it starts with gzip's
// magic bytes rather than trusting the name.
func maybeGunzip(path string, f io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, badVocab(path, 0, "download bpe_simple_vocab_16e6.txt.gz again", "not a readable gzip file: %v", err)
	}
	return zr, nil
}

// readCLIPMerges skips the header line and reads the first clipMergeCount merges, each two
// symbols separated by whitespace.
func readCLIPMerges(path string, r io.Reader) ([][2]string, []int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	merges := make([][2]string, 0, clipMergeCount)
	lines := make([]int, 0, clipMergeCount)
	line := 0
	for len(merges) < clipMergeCount && sc.Scan() {
		line++
		if line == 1 {
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			return nil, nil, badVocab(path, line, "this is not CLIP's bpe_simple_vocab_16e6.txt.gz",
				"a merge line needs two symbols, found %d", len(fields))
		}
		merges = append(merges, [2]string{fields[0], fields[1]})
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, badVocab(path, line+1, "download bpe_simple_vocab_16e6.txt.gz again", "cannot read: %v", err)
	}
	if len(merges) < clipMergeCount {
		return nil, nil, badVocab(path, 0, "this is not CLIP's bpe_simple_vocab_16e6.txt.gz, or it is truncated",
			"has %d merges, CLIP needs %d", len(merges), clipMergeCount)
	}
	return merges, lines, nil
}

// clipVocab numbers the vocabulary in simple_tokenizer.py's order.
func clipVocab(path string, merges [][2]string, lines []int) vocabSource {
	n := 2*256 + len(merges) + 2
	src := vocabSource{path: path, ids: make([]string, 0, n), encoder: make(map[string]int, n),
		merges: merges, mergeAt: lines, specials: clipSpecials(), maxLen: DefaultMaxLen}
	order := byteVocabOrder()
	for _, b := range order {
		src.addPiece(string(byteRune(b)))
	}
	for _, b := range order {
		src.addPiece(string(byteRune(b)) + wordEnd)
	}
	for _, m := range merges {
		src.addPiece(m[0] + m[1])
	}
	src.addPiece(startOfText)
	src.addPiece(endOfText)
	return src
}
