package tokenizer

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

func TestReadable(t *testing.T) {
	cases := []struct{ piece, want string }{
		{"cat</w>", "cat</w>"},
		{"photo", "photo"},
		{startOfText, startOfText},
		{byteLevelString("é") + wordEnd, "é</w>"},
		{byteLevelString("\xf0\x9f"), `\xf0\x9f`},
		{byteLevelString("\x1b[31m"), `\x1b[31m`},
		{byteLevelString("a\\b"), `a\\b`},
		{byteLevelString("\u202e\u200b\x7f\x85"), `\u202e\u200b\x7f\x85`},
		{byteLevelString("東京 x"), "東京 x"},
	}
	for _, c := range cases {
		if got := Readable(c.piece); got != c.want {
			t.Errorf("Readable(%q) = %q, want %q", c.piece, got, c.want)
		}
	}
}

// The table and the ids line read back to the tokens, and no control byte reaches the output.
func TestWriteTableAndIDs(t *testing.T) {
	tok := loadCLIP(t)
	toks := tok.Tokenize("a \x1b[2Jred cat\u202e 🐱 &amp; é")
	var table, ids bytes.Buffer
	if err := WriteTable(&table, toks); err != nil {
		t.Fatal(err)
	}
	if err := WriteIDs(&ids, toks); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsFunc(table.String(), func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x202e }) {
		t.Fatalf("control characters in the table:\n%q", table.String())
	}
	rows := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	if len(rows) != len(toks)+1 {
		t.Fatalf("%d rows for %d tokens", len(rows), len(toks))
	}
	for i, row := range rows[1:] {
		fields := strings.Fields(row)
		if fields[0] != strconv.Itoa(i) || fields[1] != strconv.Itoa(toks[i].ID) {
			t.Errorf("row %q for token %d %v", row, i, toks[i])
		}
	}
	if want := intsString(tokenIDs(toks)) + "\n"; ids.String() != want {
		t.Errorf("ids line %q, want %q", ids.String(), want)
	}
}

func intsString(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, " ")
}
