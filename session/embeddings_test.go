package session

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const kittyHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestEmbeddingsRoundTrip(t *testing.T) {
	s := Default()
	s.Prompt = "a photo of a kitty, (redfox:1.2)"
	s.Embeddings = []Embedding{{Name: "kitty", Path: "/emb/kitty.pt", SHA256: kittyHash}, {Name: "redfox", Path: "/emb/redfox.safetensors", SHA256: strings.Repeat("f", 64)}}
	snap := Snapshot{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Output: "a.png", ImageSHA256: kittyHash, Params: s.Params.Clone()}
	snap.Params.Embeddings = snap.Params.Embeddings[:1]
	s.History = []Snapshot{snap}
	data := Marshal(s)
	if !strings.Contains(string(data), "[[embeddings]]") || !strings.Contains(string(data), "[[history.embeddings]]") {
		t.Fatalf("no [[embeddings]] tables:\n%s", data)
	}
	got, err := Parse("s.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Embeddings, s.Embeddings) || !reflect.DeepEqual(got.History[0].Params.Embeddings, snap.Params.Embeddings) {
		t.Fatalf("embeddings changed: %+v / %+v", got.Embeddings, got.History[0].Params.Embeddings)
	}
	if len(got.Extra) != 0 {
		t.Fatalf("[[embeddings]] also kept as an unknown block: %v", got.Extra)
	}
}

func TestEmbeddingsChecked(t *testing.T) {
	base := string(Marshal(Default()))
	cases := []struct{ toml, want string }{
		{"\n[[embeddings]]\nname = \"\"\nsha256 = \"" + kittyHash + "\"\n", "embeddings[0].name"},
		{"\n[[embeddings]]\nname = \"kitty\"\nsha256 = \"xyz\"\n", "embeddings[0].sha256"},
		{"\n[[embeddings]]\nname = \"kitty\"\nsha256 = \"" + kittyHash + "\"\nsize = 3\n", "embeddings[0].size"},
	}
	for _, c := range cases {
		_, err := Parse("s.toml", []byte(base+c.toml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %s", c.toml, err, c.want)
		}
	}
}

// A1111 writes the embeddings a prompt used as TI hashes: "name: first 12 hex digits".
func TestTIHashesInfotext(t *testing.T) {
	s := Default()
	s.Prompt = "kitty on a sofa"
	s.Embeddings = []Embedding{{Name: "kitty", Path: "/emb/kitty.pt", SHA256: kittyHash}}
	text := FormatA1111(s)
	if !strings.Contains(text, `TI hashes: "kitty: 0123456789ab"`) {
		t.Fatalf("infotext: %s", text)
	}
	it, err := ParseA1111(text)
	if err != nil {
		t.Fatal(err)
	}
	back, notes := it.Session()
	if len(back.Embeddings) != 1 || back.Embeddings[0] != (Embedding{Name: "kitty", SHA256: "0123456789ab"}) {
		t.Fatalf("imported %+v (notes %q)", back.Embeddings, notes)
	}
	it.Params = append(it.Params, Param{tiHashesKey, "broken"})
	_, notes = it.Session()
	if !strings.Contains(strings.Join(notes, "\n"), `TI hashes entry "broken"`) {
		t.Fatalf("notes %q", notes)
	}
}
