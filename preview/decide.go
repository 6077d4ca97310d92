package preview

import (
	"fmt"
	"strings"
)

// terminalFamily names the terminal from the strongest evidence available: XTVERSION, then
// TERM, TERM_PROGRAM and terminal-specific variables.
func terminalFamily(r Result, tmuxOuter string) string {
	v := strings.ToLower(r.Replies.Version)
	term, prog := strings.ToLower(r.Env["TERM"]), strings.ToLower(r.Env["TERM_PROGRAM"])
	if r.InTmux {
		term, v = strings.ToLower(tmuxOuter), "" // tmux answers XTVERSION itself
	}
	switch {
	case strings.Contains(v, "kitty") || strings.Contains(term, "kitty") || (!r.InTmux && r.Env["KITTY_WINDOW_ID"] != ""):
		return "kitty"
	case strings.Contains(v, "ghostty") || strings.Contains(term, "ghostty") || prog == "ghostty":
		return "ghostty"
	case strings.Contains(v, "wezterm") || strings.Contains(term, "wezterm") || prog == "wezterm":
		return "wezterm"
	case prog == "iterm.app" || strings.Contains(v, "iterm"):
		return "iterm2"
	case strings.HasPrefix(term, "foot") || strings.Contains(v, "foot"):
		return "foot"
	case strings.Contains(term, "mlterm"):
		return "mlterm"
	}
	return ""
}

// decide applies the rules of docs/references.md ("Terminal graphics") in order and explains each
// choice.
func decide(r Result, tmuxOuter string, passthroughOff bool, why []string) (Protocol, []string) {
	fam := terminalFamily(r, tmuxOuter)
	oldKitty := fam == "kitty" && !r.InTmux && kittyBefore(r.Replies.Version, 0, 28)
	placeholders := (fam == "kitty" && !oldKitty) || fam == "ghostty"
	switch {
	case r.Env["TERM"] == "dumb":
		return Text, append(why, "TERM=dumb: plain text only")
	case oldKitty && (r.Replies.KittyOK || !r.Answered):
		return KittyDirect, append(why, "kitty "+kittyVersion(r.Replies.Version)+" predates 0.28, which added Unicode placeholders: kitty graphics, direct placement")
	case r.InTmux && placeholders && passthroughOff && !r.Replies.Sixel():
		return Blocks, append(why, "inside tmux in "+fam+", but tmux's allow-passthrough is off, so kitty graphics would be dropped: half blocks (run `tmux set -g allow-passthrough on` for real pixels)")
	case r.InTmux && placeholders && passthroughOff:
		return Sixel, append(why, "inside tmux in "+fam+", but allow-passthrough is off; tmux itself draws sixel")
	case r.InTmux && (placeholders || r.Env["KITTY_WINDOW_ID"] != ""):
		return Kitty, append(why, "inside tmux with outer terminal "+orUnknown(tmuxOuter, fam)+
			": kitty graphics with Unicode placeholders through tmux passthrough; needs `set -g allow-passthrough on` in tmux")
	case r.InTmux && r.Replies.Sixel():
		return Sixel, append(why, "inside tmux, which reports sixel support (DA1 attribute 4); frames are kept under tmux's 1 MiB input limit")
	case r.InTmux:
		return Blocks, append(why, "inside tmux with outer terminal "+orUnknown(tmuxOuter, fam)+
			", which is not known to support kitty placeholders, and tmux has no sixel: half blocks")
	case r.Replies.KittyOK && placeholders:
		return Kitty, append(why, fam+" answered the kitty graphics query: kitty graphics with Unicode placeholders")
	case r.Replies.KittyOK:
		return KittyDirect, append(why, "the terminal answered the kitty graphics query but is not kitty or Ghostty, the only ones known to draw Unicode placeholders: direct placement")
	case !r.Answered && placeholders:
		return Kitty, append(why, "no reply, but the environment says "+fam+": kitty graphics with Unicode placeholders")
	case fam == "iterm2":
		return ITerm, append(why, "iTerm2: its own inline images protocol (JPEG keeps frames small over SSH)")
	case r.Replies.Sixel():
		return Sixel, append(why, "the terminal reports sixel support (DA1 attribute 4)")
	case !r.Answered && fam == "wezterm":
		return KittyDirect, append(why, "no reply, but the environment says WezTerm: kitty graphics, direct placement")
	case !r.Answered && (fam == "foot" || fam == "mlterm"):
		return Sixel, append(why, "no reply, but the environment says "+fam+", which draws sixel")
	}
	return Blocks, append(why, "no graphics protocol found: truecolour half blocks (they work everywhere with 24-bit colour)")
}

func orUnknown(outer, fam string) string {
	if outer != "" {
		return outer
	}
	if fam != "" {
		return fam
	}
	return "unknown"
}

// kittyVersion extracts "0.26.5" from kitty's XTVERSION reply "kitty(0.26.5)".
func kittyVersion(xtversion string) string {
	_, v, ok := strings.Cut(xtversion, "(")
	if !ok {
		return ""
	}
	v, _, _ = strings.Cut(v, ")")
	return strings.TrimSpace(v)
}

// kittyBefore reports whether kitty's XTVERSION names a release older than major.minor; an
// unknown version counts as new (kitty's XTVERSION reply itself dates from 0.21).
func kittyBefore(xtversion string, major, minor int) bool {
	parts := strings.Split(kittyVersion(xtversion), ".")
	if len(parts) < 2 {
		return false
	}
	var ma, mi int
	if _, err := fmt.Sscan(parts[0], &ma); err != nil {
		return false
	}
	if _, err := fmt.Sscan(parts[1], &mi); err != nil {
		return false
	}
	return ma < major || (ma == major && mi < minor)
}
