package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/runtime/modelfile"
)

// Files of a Hugging Face CLIPTokenizer folder (transformers' CLIPTokenizer.save_pretrained).
const (
	hfVocabFile    = "vocab.json"
	hfMergesFile   = "merges.txt"
	hfSpecialsFile = "special_tokens_map.json"
	hfConfigFile   = "tokenizer_config.json"
)

// maxVocabID bounds ids in vocab.json: CLIP's largest is 49,407, the largest BPE vocabularies
// in use are a few hundred thousand, and the decoder is a slice indexed by id.
const maxVocabID = 1 << 20

// maxTokenizerFileBytes bounds each tokenizer file read whole: CLIP's vocab.json is 1.6 MB,
// the largest BPE vocabularies a few tens of megabytes.
const maxTokenizerFileBytes = 256 << 20

// loadHFFolder reads vocab.json, merges.txt and, when present, the special-token settings.
func loadHFFolder(dir string) (*Tokenizer, error) {
	files := map[string][]byte{}
	for _, name := range []string{hfVocabFile, hfMergesFile, hfConfigFile, hfSpecialsFile} {
		path := filepath.Join(dir, name)
		data, err := modelfile.ReadFile(path, maxTokenizerFileBytes)
		optional := name == hfConfigFile || name == hfSpecialsFile
		if optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, statError(path, err)
		}
		files[name] = data
	}
	return parseHFFolder(dir, files)
}

// parseHFFolder builds a tokenizer from the folder's files, keyed by name; the two settings
// files are optional. transformers lets special_tokens_map.json override
// tokenizer_config.json, so it is applied second.
func parseHFFolder(dir string, files map[string][]byte) (*Tokenizer, error) {
	vocabPath := filepath.Join(dir, hfVocabFile)
	src, err := parseHFVocab(vocabPath, files[hfVocabFile])
	if err != nil {
		return nil, err
	}
	if src.merges, src.mergeAt, err = parseHFMerges(filepath.Join(dir, hfMergesFile), files[hfMergesFile]); err != nil {
		return nil, err
	}
	for _, name := range []string{hfConfigFile, hfSpecialsFile} {
		if data, ok := files[name]; ok {
			if err := applyHFSettings(filepath.Join(dir, name), data, &src); err != nil {
				return nil, err
			}
		}
	}
	src.path = dir
	return newTokenizer(src)
}

// parseHFVocab reads vocab.json: one JSON object from piece to id.
func parseHFVocab(path string, data []byte) (vocabSource, error) {
	var vocab map[string]int
	if err := json.Unmarshal(data, &vocab); err != nil {
		return vocabSource{}, badVocab(path, 0, "vocab.json must be a JSON object of piece → id", "not a vocabulary: %v", err)
	}
	src := vocabSource{path: path, encoder: vocab, specials: clipSpecials(), maxLen: DefaultMaxLen}
	size := 0
	for piece, id := range vocab {
		if id < 0 || id >= maxVocabID {
			return vocabSource{}, badVocab(path, 0, "", "id %d of %q is outside 0…%d", id, piece, maxVocabID-1)
		}
		size = max(size, id+1)
	}
	src.ids = make([]string, size)
	for piece, id := range vocab {
		if piece == "" {
			return vocabSource{}, badVocab(path, 0, "", "id %d is given to an empty piece", id)
		}
		if src.ids[id] != "" {
			return vocabSource{}, badVocab(path, 0, "", "id %d is given to two pieces, %q and %q", id, src.ids[id], piece)
		}
		src.ids[id] = piece
	}
	return src, nil
}

// parseHFMerges reads merges.txt: an optional "#version" line, then one "left right" per line.
func parseHFMerges(path string, data []byte) ([][2]string, []int, error) {
	var merges [][2]string
	var lines []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), len(data)+1)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if (line == 1 && strings.HasPrefix(text, "#version")) || strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, nil, badVocab(path, line, "each line of merges.txt is two symbols separated by a space",
				"found %d symbols", len(fields))
		}
		merges = append(merges, [2]string{fields[0], fields[1]})
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, badVocab(path, 0, "", "cannot read: %v", err)
	}
	return merges, lines, nil
}

// hfSettings is the part of tokenizer_config.json / special_tokens_map.json nudge reads.
// Token fields are a plain string or an AddedToken object {"content": …}.
type hfSettings struct {
	BOS    hfTokenName `json:"bos_token"`
	EOS    hfTokenName `json:"eos_token"`
	Pad    hfTokenName `json:"pad_token"`
	Unk    hfTokenName `json:"unk_token"`
	MaxLen *float64    `json:"model_max_length"`
}

type hfTokenName string

func (n *hfTokenName) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		*n = hfTokenName(s)
		return nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("a token must be a string or an object with \"content\"")
	}
	*n = hfTokenName(obj.Content)
	return nil
}

func applyHFSettings(path string, data []byte, src *vocabSource) error {
	var s hfSettings
	if err := json.Unmarshal(data, &s); err != nil {
		return badVocab(path, 0, "fix or delete the file", "not a tokenizer settings object: %v", err)
	}
	for _, f := range []struct {
		name hfTokenName
		dst  *string
	}{{s.BOS, &src.specials.bos}, {s.EOS, &src.specials.eos}, {s.Pad, &src.specials.pad}, {s.Unk, &src.specials.unk}} {
		if f.name != "" {
			*f.dst = string(f.name)
		}
	}
	// transformers writes a huge number (VERY_LARGE_INTEGER) when the length is unknown.
	if s.MaxLen != nil && *s.MaxLen >= 2 && *s.MaxLen <= 1<<20 {
		src.maxLen = int(*s.MaxLen)
	}
	return nil
}
