package tokenizer

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Load reads a CLIP vocabulary from dirOrFile, which is one of:
//   - a Hugging Face tokenizer folder (vocab.json + merges.txt), such as a diffusers model's
//     tokenizer/ folder;
//   - a model folder that holds such a tokenizer/ folder;
//   - vocab.json or merges.txt inside a tokenizer folder (the folder is loaded);
//   - CLIP's own bpe_simple_vocab_16e6.txt.gz (or the same file un-gzipped).
func Load(dirOrFile string) (*Tokenizer, error) {
	info, err := os.Stat(dirOrFile)
	if err != nil {
		return nil, statError(dirOrFile, err)
	}
	if !info.IsDir() {
		switch filepath.Base(dirOrFile) {
		case hfVocabFile, hfMergesFile:
			return loadHFFolder(filepath.Dir(dirOrFile))
		}
		return loadCLIPMerges(dirOrFile)
	}
	if isFile(filepath.Join(dirOrFile, hfVocabFile)) {
		return loadHFFolder(dirOrFile)
	}
	if nested := filepath.Join(dirOrFile, "tokenizer"); isFile(filepath.Join(nested, hfVocabFile)) {
		return loadHFFolder(nested)
	}
	return nil, badVocab(dirOrFile, 0, "pass a tokenizer folder, a model folder with tokenizer/, or bpe_simple_vocab_16e6.txt.gz",
		"folder has no %s", hfVocabFile)
}

// LoadModel reads the tokenizer of a diffusers-layout model folder: modelDir/tokenizer. A
// model folder with no tokenizer files (no tokenizer/, or one with neither vocab.json nor
// merges.txt) gets CLIP's own vocabulary, which every SD 1.x/2.x export ships a copy of; a
// tokenizer/ folder with only one of the two files is an error, since guessing would hide it.
func LoadModel(modelDir string) (*Tokenizer, error) {
	info, err := os.Stat(modelDir)
	if err != nil {
		return nil, statError(modelDir, err)
	}
	if !info.IsDir() {
		return nil, badVocab(modelDir, 0, "give the model folder", "not a folder")
	}
	dir := filepath.Join(modelDir, "tokenizer")
	if !exists(filepath.Join(dir, hfVocabFile)) && !exists(filepath.Join(dir, hfMergesFile)) {
		return CLIP()
	}
	return Load(dir)
}

// exists reports whether anything is at path; a file that exists but cannot be read is
// reported when it is read.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}

func statError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return badVocab(path, 0, "check the path", "no such file or folder")
	}
	return badVocab(path, 0, "", "cannot read: %v", unwrapPathError(err))
}

// unwrapPathError drops the path os errors repeat, since badVocab already names it.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
