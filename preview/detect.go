package preview

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// DefaultDetectTimeout bounds the wait for query replies. Some terminals never answer; a
// local terminal answers in well under 10 ms and SSH adds one round trip
// (about 500 ms before falling back; some terminals never reply).
const DefaultDetectTimeout = 500 * time.Millisecond

// DetectOptions are the inputs of Detect other than the tty. Everything is injectable so
// tests can script the terminal.
type DetectOptions struct {
	Override Protocol            // "" or Auto: detect; anything else is used as is
	Env      func(string) string // environment lookup (os.Getenv); nil means empty
	Timeout  time.Duration       // 0 = DefaultDetectTimeout
	// TmuxClientTerm is the outer terminal inside tmux, from
	// `tmux display -p '#{client_termname}'` (DetectTerminal fills it).
	TmuxClientTerm string
	// TmuxPassthrough is tmux's allow-passthrough option ("on", "all", "off"; "" if
	// unknown). With "off" tmux drops kitty graphics, so detection does not pick them.
	TmuxPassthrough string
	// Cols, Rows, PixelW, PixelH are the window size from TIOCGWINSZ when known (0 if not);
	// the pixel size gives the cell size when the terminal does not answer CSI 16 t.
	Cols, Rows, PixelW, PixelH int
}

// Result is what Detect decided and why, for the studio and for `nudge doctor`.
type Result struct {
	Protocol     Protocol
	Reasons      []string // one line each, in the order the rules were applied
	CellW, CellH int      // cell size in pixels (defaults 10×20 when unknown)
	CellSource   string   // where the cell size came from
	Cols, Rows   int      // window size in cells, 0 if unknown
	InTmux       bool
	OverSSH      bool
	Answered     bool // the terminal replied to the queries before the timeout
	Replies      Replies
	Env          map[string]string // the environment hints that were looked at
}

// Options returns encoder options matching the detected terminal.
func (r Result) Options() Options {
	return Options{CellW: r.CellW, CellH: r.CellH, InTmux: r.InTmux}
}

// queryKitty asks whether kitty graphics work: a 1×1 RGB query that is never stored
// (graphics-protocol.rst "Querying support and available transmission mediums").
const queryKitty = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"

// queries: kitty, cell size (CSI 16 t), text-area size (CSI 14 t), XTVERSION, then DA1 last:
// terminals answer in order and all answer DA1, so its reply ends the wait.
func queries(inTmux bool) string {
	q := "\x1b[16t\x1b[14t\x1b[>0q\x1b[c"
	if inTmux {
		return q // tmux answers for itself and never relays kitty replies (§1.5)
	}
	return queryKitty + q
}

// envHintNames are the variables detection reads.
func envHintNames() []string {
	return []string{"TERM", "TERM_PROGRAM", "KITTY_WINDOW_ID", "GHOSTTY_RESOURCES_DIR", "TMUX", "COLORTERM", "SSH_TTY", "SSH_CONNECTION", "WT_SESSION"}
}

// Detect works out the protocol: it sends the queries to tty (nil: environment only),
// waits for the replies up to the timeout, and combines them with environment hints.
// It never fails: with no usable answer it falls back to half blocks.
func Detect(ctx context.Context, tty io.ReadWriter, o DetectOptions) Result {
	env := map[string]string{}
	for _, k := range envHintNames() {
		if o.Env != nil {
			if v := o.Env(k); v != "" {
				env[k] = v
			}
		}
	}
	r := Result{Env: env, Cols: o.Cols, Rows: o.Rows}
	r.InTmux = env["TMUX"] != "" || strings.HasPrefix(env["TERM"], "tmux") || env["TERM_PROGRAM"] == "tmux"
	r.OverSSH = env["SSH_TTY"] != "" || env["SSH_CONNECTION"] != ""
	if tty != nil && env["TERM"] != "dumb" {
		buf, err := queryTerminal(ctx, tty, queries(r.InTmux), o.timeout())
		r.Replies = ParseReplies(buf)
		r.Answered = r.Replies.DA1
		r.Reasons = append(r.Reasons, replySummary(r.Replies, err))
	}
	r.setCellSize(o)
	if o.Override != "" && o.Override != Auto {
		r.Protocol = o.Override
		r.Reasons = append(r.Reasons, fmt.Sprintf("%s was chosen by --preview or the config (override)", o.Override))
		return r
	}
	r.Protocol, r.Reasons = decide(r, o.TmuxClientTerm, o.TmuxPassthrough == "off", r.Reasons)
	return r
}

func (o DetectOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return DefaultDetectTimeout
	}
	return o.Timeout
}

func replySummary(rep Replies, err error) string {
	if !rep.DA1 {
		why := "no reply"
		if err != nil {
			why = err.Error()
		}
		return "the terminal did not answer the queries (" + why + "); using environment hints only"
	}
	var parts []string
	if rep.Kitty {
		parts = append(parts, fmt.Sprintf("kitty graphics query → %q", rep.KittyText))
	} else {
		parts = append(parts, "no kitty graphics reply")
	}
	parts = append(parts, fmt.Sprintf("DA1 attributes %v (sixel: %v)", rep.DA1Attrs, rep.Sixel()))
	if rep.Version != "" {
		parts = append(parts, fmt.Sprintf("XTVERSION %q", rep.Version))
	}
	return "terminal replied: " + strings.Join(parts, "; ")
}

// setCellSize takes the cell size from CSI 16 t, else the window pixel size over the cell
// count (CSI 14 t or TIOCGWINSZ), else 10×20. Absurd values are ignored.
func (r *Result) setCellSize(o DetectOptions) {
	rep := r.Replies
	pw, ph := rep.WinW, rep.WinH
	if pw == 0 {
		pw, ph = o.PixelW, o.PixelH
	}
	switch {
	case saneCell(rep.CellW, rep.CellH):
		r.CellW, r.CellH, r.CellSource = rep.CellW, rep.CellH, "terminal reply to CSI 16 t"
	case o.Cols > 0 && o.Rows > 0 && saneCell(pw/o.Cols, ph/o.Rows):
		r.CellW, r.CellH, r.CellSource = pw/o.Cols, ph/o.Rows, "window pixel size / cells"
	default:
		r.CellW, r.CellH, r.CellSource = defaultCellW, defaultCellH, "default (terminal did not say)"
	}
}

func saneCell(w, h int) bool { return w >= 2 && w <= 256 && h >= 4 && h <= 512 }
