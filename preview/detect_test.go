package preview

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// scriptedTTY is a fake terminal: writing the queries makes it answer with reply. The read
// side is an os.Pipe, which supports read deadlines like a real /dev/tty; set async to
// hide the deadline and exercise the goroutine path instead.
type scriptedTTY struct {
	r, w    *os.File
	reply   string
	mu      sync.Mutex
	written bytes.Buffer
}

func newScriptedTTY(t *testing.T, reply string) *scriptedTTY {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return &scriptedTTY{r: r, w: w, reply: reply}
}

func (s *scriptedTTY) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.written.Write(p)
	s.mu.Unlock()
	if s.reply != "" {
		go io.WriteString(s.w, s.reply)
	}
	return len(p), nil
}

func (s *scriptedTTY) Read(p []byte) (int, error)        { return s.r.Read(p) }
func (s *scriptedTTY) SetReadDeadline(t time.Time) error { return s.r.SetReadDeadline(t) }
func (s *scriptedTTY) queries() string                   { s.mu.Lock(); defer s.mu.Unlock(); return s.written.String() }

// asyncTTY hides SetReadDeadline.
type asyncTTY struct{ s *scriptedTTY }

func (a asyncTTY) Read(p []byte) (int, error)  { return a.s.Read(p) }
func (a asyncTTY) Write(p []byte) (int, error) { return a.s.Write(p) }

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

const (
	kittyOK = "\x1b_Gi=31;OK\x1b\\"
	cell10  = "\x1b[6;20;10t\x1b[4;480;800t"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		name      string
		reply     string
		env       func(string) string
		tmuxOuter string
		override  Protocol
		want      Protocol
		cellW     int
		tmux      bool
		answered  bool
	}{
		{"kitty", kittyOK + cell10 + "\x1bP>|kitty(0.39.1)\x1b\\\x1b[?62;c", envOf("TERM", "xterm-kitty"), "", "", Kitty, 10, false, true},
		// Debian 12's kitty: found in a real run under Xvfb, where U=1 was a parse error.
		{"kitty before placeholders", kittyOK + "\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c", envOf("TERM", "xterm-kitty", "KITTY_WINDOW_ID", "1"), "", "", KittyDirect, defaultCellW, false, true},
		{"ghostty by XTVERSION", kittyOK + "\x1bP>|ghostty 1.2.0\x1b\\\x1b[?62;22c", envOf("TERM", "xterm-256color"), "", "", Kitty, defaultCellW, false, true},
		{"wezterm: kitty without placeholders", kittyOK + "\x1bP>|WezTerm 20240203\x1b\\\x1b[?65;4;6;18;22c", envOf("TERM", "xterm-256color", "TERM_PROGRAM", "WezTerm"), "", "", KittyDirect, defaultCellW, false, true},
		{"unknown kitty-capable terminal", kittyOK + "\x1b[?62c", envOf("TERM", "xterm-256color"), "", "", KittyDirect, defaultCellW, false, true},
		{"xterm with sixel", "\x1b[6;17;8t\x1b[?63;1;2;4;6;9;15;16;22;28c", envOf("TERM", "xterm-256color"), "", "", Sixel, 8, false, true},
		{"kitty error reply, sixel", "\x1b_Gi=31;ENOTSUPPORTED:no\x1b\\\x1b[?62;4;22c", envOf("TERM", "foot"), "", "", Sixel, defaultCellW, false, true},
		{"iTerm2", "\x1b[?62;4c", envOf("TERM", "xterm-256color", "TERM_PROGRAM", "iTerm.app"), "", "", ITerm, defaultCellW, false, true},
		{"plain VT", "\x1b[?1;2c", envOf("TERM", "xterm"), "", "", Blocks, defaultCellW, false, true},
		{"no reply, kitty env", "", envOf("TERM", "xterm-kitty", "KITTY_WINDOW_ID", "1"), "", "", Kitty, defaultCellW, false, false},
		{"no reply, foot env", "", envOf("TERM", "foot"), "", "", Sixel, defaultCellW, false, false},
		{"no reply, unknown", "", envOf("TERM", "xterm-256color"), "", "", Blocks, defaultCellW, false, false},
		{"garbage then DA1", "\x1b[?garbage\x1b_G;;\x1b[6;99999999;-1t\xff\xfe\x1b]junk\x1b[?1;2c", envOf("TERM", "xterm"), "", "", Blocks, defaultCellW, false, true},
		{"garbage forever", strings.Repeat("\x1b[?zz\x00\xff", 50), envOf("TERM", "xterm"), "", "", Blocks, defaultCellW, false, false},
		{"tmux in kitty", "\x1b[?1;2c", envOf("TERM", "tmux-256color", "TMUX", "/tmp/tmux-0/default,1,0"), "xterm-kitty", "", Kitty, defaultCellW, true, true},
		{"tmux in ghostty", "\x1b[?1;2c", envOf("TERM", "screen-256color", "TMUX", "/tmp/t,1,0"), "xterm-ghostty", "", Kitty, defaultCellW, true, true},
		{"tmux with sixel", "\x1b[6;18;9t\x1b[?1;2;4c", envOf("TERM", "tmux-256color", "TMUX", "/tmp/t,1,0"), "xterm-256color", "", Sixel, 9, true, true},
		{"tmux in kitty, passthrough off", "\x1b[?1;2c", envOf("TERM", "tmux-256color", "TMUX", "/tmp/t,1,0"), "xterm-kitty|off", "", Blocks, defaultCellW, true, true},
		{"tmux plain", "\x1b[?1;2c", envOf("TERM", "tmux-256color", "TMUX", "/tmp/t,1,0"), "", "", Blocks, defaultCellW, true, true},
		{"override", kittyOK + "\x1b[?62c", envOf("TERM", "xterm-kitty"), "", Sixel, Sixel, defaultCellW, false, true},
		{"dumb", "\x1b[?1;2c", envOf("TERM", "dumb"), "", "", Text, defaultCellW, false, false},
	}
	for _, tc := range tests {
		for _, async := range []bool{false, true} {
			name := tc.name
			if async {
				name += "/async"
			}
			t.Run(name, func(t *testing.T) {
				tty := newScriptedTTY(t, tc.reply)
				var rw io.ReadWriter = tty
				if async {
					rw = asyncTTY{tty}
				}
				start := time.Now()
				outer, passthrough, _ := strings.Cut(tc.tmuxOuter, "|")
				r := Detect(context.Background(), rw, DetectOptions{Env: tc.env, Timeout: 80 * time.Millisecond, TmuxClientTerm: outer, TmuxPassthrough: passthrough, Override: tc.override})
				if took := time.Since(start); took > 2*time.Second {
					t.Errorf("detection took %v with an 80 ms timeout", took)
				}
				if r.Protocol != tc.want || r.CellW != tc.cellW || r.InTmux != tc.tmux || r.Answered != tc.answered {
					t.Errorf("got %s cell %d tmux %v answered %v, want %s %d %v %v\nreasons: %q",
						r.Protocol, r.CellW, r.InTmux, r.Answered, tc.want, tc.cellW, tc.tmux, tc.answered, r.Reasons)
				}
				checkQueries(t, tty.queries(), tc.tmux, tc.env("TERM") == "dumb")
			})
		}
	}
}

// checkQueries: DA1 goes last, the kitty query is left out in tmux (tmux never relays its
// reply), and a dumb terminal gets nothing.
func checkQueries(t *testing.T, q string, tmux, dumb bool) {
	t.Helper()
	if dumb {
		if q != "" {
			t.Errorf("wrote %q to a dumb terminal", q)
		}
		return
	}
	if !strings.HasSuffix(q, "\x1b[c") || !strings.Contains(q, "\x1b[16t") {
		t.Errorf("queries %q do not end with DA1 or lack CSI 16 t", q)
	}
	if strings.Contains(q, "a=q") == tmux {
		t.Errorf("queries %q: kitty query present=%v inside tmux=%v", q, !tmux, tmux)
	}
}

func TestDetectWithoutTTY(t *testing.T) {
	r := Detect(context.Background(), nil, DetectOptions{Env: envOf("TERM", "xterm-ghostty"), Cols: 100, Rows: 40, PixelW: 900, PixelH: 800})
	if r.Protocol != Kitty || r.CellW != 9 || r.CellH != 20 || r.CellSource != "window pixel size / cells" {
		t.Errorf("got %s %d×%d (%s)", r.Protocol, r.CellW, r.CellH, r.CellSource)
	}
}

func TestDetectHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tty := newScriptedTTY(t, "")
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	start := time.Now()
	r := Detect(ctx, tty, DetectOptions{Env: envOf("TERM", "xterm"), Timeout: time.Hour})
	if time.Since(start) > 5*time.Second || r.Protocol != Blocks {
		t.Errorf("cancelled detection took %v and chose %s", time.Since(start), r.Protocol)
	}
}

func TestExplain(t *testing.T) {
	tty := newScriptedTTY(t, kittyOK+cell10+"\x1b[?62c")
	r := Detect(context.Background(), tty, DetectOptions{Env: envOf("TERM", "xterm-kitty", "SSH_TTY", "/dev/pts/1"), Timeout: time.Second})
	var buf bytes.Buffer
	if err := r.Explain(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"preview protocol: kitty", `kitty graphics query → "OK"`, "cell size: 10×20 px (terminal reply to CSI 16 t)", "ssh: true", "TERM=xterm-kitty", "--preview auto|kitty|kitty-direct|sixel|iterm|blocks"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("explanation lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestParseProtocol(t *testing.T) {
	for _, p := range Protocols() {
		if got, err := ParseProtocol(" " + strings.ToUpper(string(p)) + " "); err != nil || got != p {
			t.Errorf("ParseProtocol(%q) = %q, %v", p, got, err)
		}
	}
	_, err := ParseProtocol("vga")
	var bad interface{ BadInput() bool }
	if err == nil || !errorsAs(err, &bad) || !strings.Contains(err.Error(), "auto|kitty") {
		t.Errorf("ParseProtocol(vga) error %v", err)
	}
}

// TestDetectTerminalReturns runs the real entry point: with or without a controlling
// terminal (CI has none) it must come back with a usable protocol and a sane cell size.
func TestDetectTerminalReturns(t *testing.T) {
	r := DetectTerminal(context.Background(), Auto)
	if _, err := NewEncoder(r.Protocol, r.Options()); err != nil || !saneCell(r.CellW, r.CellH) {
		t.Errorf("DetectTerminal gave %s %d×%d: %v (reasons %q)", r.Protocol, r.CellW, r.CellH, err, r.Reasons)
	}
}
