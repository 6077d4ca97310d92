package techniques

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// TokenSpecError is a --excite value the user must fix.
type TokenSpecError struct{ Msg string }

func (e *TokenSpecError) Error() string { return "--excite: " + e.Msg }

// BadInput marks the error as the user's to fix (exit status 2).
func (e *TokenSpecError) BadInput() bool { return true }

// ParseExciteTokens turns a --excite value into CLIP positions for Attend-and-Excite: a
// comma-separated list of positions ("2,5", the start token being 0) or words of the prompt
// ("cat,frog", each taken at its word's first token), given the prompt's tokens from
// tokenizer.Tokenize. Positions are checked against the prompt here so the message can list
// its tokens; NewAttendExcite checks the rest.
func ParseExciteTokens(spec string, prompt []tokenizer.Token) ([]int, error) {
	if !utf8.ValidString(spec) {
		return nil, &TokenSpecError{"the value is not valid UTF-8"}
	}
	var out []int
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		pos, err := tokenPosition(item, prompt)
		if err != nil {
			return nil, err
		}
		out = append(out, pos)
	}
	if len(out) == 0 {
		return nil, &TokenSpecError{"no tokens chosen — give positions such as 2,5 or words of the prompt such as cat,frog (`nudge tokens` lists them)"}
	}
	return out, nil
}

func tokenPosition(item string, prompt []tokenizer.Token) (int, error) {
	last := len(prompt) - 1
	if n, err := strconv.Atoi(item); err == nil {
		if n < 1 || n >= last {
			return 0, &TokenSpecError{fmt.Sprintf("position %d is not a token of the prompt — its tokens are %s", n, promptList(prompt))}
		}
		return n, nil
	}
	want := strings.ToLower(item)
	for i := 1; i < last; i++ {
		if i > 1 && prompt[i].Word == prompt[i-1].Word {
			continue // only a word's first token starts a match
		}
		if wordText(prompt, i) == want {
			return i, nil
		}
	}
	return 0, &TokenSpecError{fmt.Sprintf("%q is not a word of the prompt — its tokens are %s", shorten(item), promptList(prompt))}
}

// wordText joins the pieces of the word starting at token i.
func wordText(prompt []tokenizer.Token, i int) string {
	var sb strings.Builder
	for j := i; j < len(prompt)-1 && prompt[j].Word == prompt[i].Word; j++ {
		sb.WriteString(strings.TrimSuffix(tokenizer.Readable(prompt[j].Piece), "</w>"))
	}
	return sb.String()
}

func promptList(prompt []tokenizer.Token) string {
	pieces := make([]string, len(prompt))
	for i, t := range prompt {
		pieces[i] = tokenizer.Readable(t.Piece)
	}
	return listTokens(pieces)
}

func shorten(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}
