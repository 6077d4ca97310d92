package session

import (
	"fmt"
	"strconv"
	"strings"
)

// Embedding records a textual-inversion embedding a render used: the name the prompt calls
// it by, its file and the file's SHA-256. An embedding imported from A1111 infotext that no
// file was found for has no Path and only A1111's short hash.
type Embedding struct {
	Name   string
	Path   string
	SHA256 string
}

// maxEmbeddings bounds [[embeddings]]; a prompt of 75-token chunks rarely names a dozen.
const maxEmbeddings = 256

func decodeEmbeddings(t *table, p *Params) {
	for _, e := range t.array("embeddings") {
		var emb Embedding
		e.str("name", &emb.Name)
		e.str("path", &emb.Path)
		e.str("sha256", &emb.SHA256)
		e.unknown()
		p.Embeddings = append(p.Embeddings, emb)
	}
}

func writeEmbeddings(w *tomlWriter, prefix string, p *Params) {
	for _, e := range p.Embeddings {
		w.header(joinPath(prefix, "embeddings"), true)
		w.kv("name", e.Name)
		if e.Path != "" {
			w.kv("path", e.Path)
		}
		w.kv("sha256", e.SHA256)
	}
}

func validateEmbeddings(c checker, p *Params) {
	if len(p.Embeddings) > maxEmbeddings {
		c.add("embeddings", fmt.Sprintf("has %d entries, the limit is %d", len(p.Embeddings), maxEmbeddings), "remove the ones the prompts do not use")
		return
	}
	for i, e := range p.Embeddings {
		ec := c.sub("embeddings[" + strconv.Itoa(i) + "]")
		ec.text("name", e.Name, 256, false)
		if e.Name == "" {
			ec.add("name", "is empty", "write the name the prompt uses")
		}
		ec.text("path", e.Path, maxPathBytes, false)
		if n := len(e.SHA256); n < 10 || n > 64 || strings.TrimLeft(e.SHA256, "0123456789abcdef") != "" {
			ec.add("sha256", fmt.Sprintf("%q is not a SHA-256 (or A1111's short hash)", truncate(e.SHA256, 70)), "write the file's SHA-256 in lowercase hex")
		}
	}
}

// tiHashesKey is A1111's infotext key for the embeddings a prompt used
// (modules/processing.py: "TI hashes": "name: hash, …", the first 12 hex digits of each
// file's SHA-256).
const tiHashesKey = "TI hashes"

func embeddingsInfotext(p *Params, add func(k, v string)) {
	if len(p.Embeddings) == 0 {
		return
	}
	var parts []string
	for _, e := range p.Embeddings {
		parts = append(parts, e.Name+": "+e.SHA256[:min(12, len(e.SHA256))])
	}
	add(tiHashesKey, strings.Join(parts, ", "))
}

// importTIHashes reads "TI hashes" into embeddings with a name and a short hash; the caller
// (which knows the embeddings folder) finds their files.
func importTIHashes(p *Params, value string, note func(string, ...any)) {
	for _, part := range strings.Split(value, ",") {
		name, hash, ok := strings.Cut(strings.TrimSpace(part), ":")
		name, hash = strings.TrimSpace(name), strings.ToLower(strings.TrimSpace(hash))
		if !ok || name == "" || len(hash) < 10 || len(hash) > 64 || strings.TrimLeft(hash, "0123456789abcdef") != "" {
			note("TI hashes entry %q is not \"name: hash\"; skipped", truncate(part, 60))
			continue
		}
		p.Embeddings = append(p.Embeddings, Embedding{Name: name, SHA256: hash})
	}
}
