//go:build unix

package preview

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sys/unix"
)

// DetectTerminal runs Detect on the controlling terminal: it opens /dev/tty (so replies do
// not mix with piped stdin), puts it in raw mode for the duration so replies are neither
// echoed nor line-buffered, reads the window size with TIOCGWINSZ and, inside tmux, asks tmux
// for the outer terminal's name. Without a terminal it decides from the environment alone.
func DetectTerminal(ctx context.Context, override Protocol) Result {
	o := DetectOptions{Override: override, Env: os.Getenv}
	if os.Getenv("TMUX") != "" {
		o.TmuxClientTerm = tmuxQuery(ctx, "display", "-p", "#{client_termname}")
		o.TmuxPassthrough = tmuxQuery(ctx, "show", "-Apv", "allow-passthrough")
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		r := Detect(ctx, nil, o)
		r.Reasons = append([]string{"no controlling terminal (" + err.Error() + ")"}, r.Reasons...)
		return r
	}
	defer tty.Close()
	if ws, err := unix.IoctlGetWinsize(int(tty.Fd()), unix.TIOCGWINSZ); err == nil {
		o.Cols, o.Rows, o.PixelW, o.PixelH = int(ws.Col), int(ws.Row), int(ws.Xpixel), int(ws.Ypixel)
	}
	state, err := term.MakeRaw(tty.Fd())
	if err != nil {
		return Detect(ctx, nil, o)
	}
	defer term.Restore(tty.Fd(), state)
	return Detect(ctx, tty, o)
}

// tmuxQuery asks tmux a question: which terminal its client runs in (e.g. xterm-kitty),
// because tmux does not relay the outer terminal's query replies, and whether
// allow-passthrough is on (tmux 3.3+ option allow-passthrough). "" when tmux cannot say.
func tmuxQuery(ctx context.Context, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
