package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/techniques"
)

// FuzzTypedValues feeds arbitrary text to every typed field (parameters and SEGA numbers):
// the studio either refuses it with a one-line error or ends up with a session that still
// validates, never a panic.
func FuzzTypedValues(f *testing.F) {
	for _, s := range []string{"20", "-1", "7.5", "NaN", "1e309", "512x512", "0x0", "x", "euler_a", "18446744073709551615", "true", "0.999", " 64 x 64 "} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		m, _ := newTestModel(t, 80, 24)
		sega := techniques.DefaultSEGAConfig(techniques.DefaultConcept("snow"))
		m.sess.SetBlock("sega", &sega)
		var err error
		if n := int(paramFieldCount); int(which)%(n+int(segaFieldCount)) < n {
			m.params.cursor = paramField(int(which) % n)
			_, err = m.params.commit(m, text)
		} else {
			sp := segaOfModel(m)
			sp.field = segaField(int(which)%(n+int(segaFieldCount)) - n)
			sp.edit = segaEditNumber
			if sp.field == segaPrompt {
				sp.edit = segaEditPrompt
			}
			sp.in.SetValue(text)
			sp.stopEditing(m, true)
			if sp.editing() {
				err = errNotice(m.notice)
			}
		}
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if verr := m.sess.Validate(); verr != nil {
			t.Fatalf("%q accepted but the session is invalid: %v", text, verr)
		}
	})
}

type errNotice string

func (e errNotice) Error() string { return string(e) }

// FuzzPastedPrompt pastes arbitrary bytes into the prompt: nothing but styling escapes may
// reach the screen, and the stored prompt stays valid for the session file.
func FuzzPastedPrompt(f *testing.F) {
	for _, s := range []string{"a cat", "\x1b]52;c;ZXZpbA==\x07", "\x9b2J", "tab\tnew\nline", "\xff\xfe", "\x1bP+q\x1b\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, paste string) {
		m, _ := newTestModel(t, 80, 24)
		keys(m, "enter")
		send(m, tea.PasteMsg{Content: paste})
		keys(m, "enter")
		view := m.View().Content
		for _, bad := range []string{"\x1b]", "\x1bP", "\x1b_", "\x1b^", "\x07"} {
			if strings.Contains(view, bad) {
				t.Fatalf("pasted %q put %q on the screen", paste, bad)
			}
		}
		if strings.ContainsAny(view, "\u009b\u009d\u0090\u009f") {
			t.Fatalf("pasted %q put a C1 control on the screen", paste)
		}
		if err := m.sess.Validate(); err != nil {
			t.Fatalf("pasted %q made the session invalid: %v", paste, err)
		}
	})
}
