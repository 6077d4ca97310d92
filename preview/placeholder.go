package preview

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi/kitty"
)

// maxPlaceholderCells is the number of row/column diacritics kitty defines
// (gen/rowcolumn-diacritics.txt, 297 entries; x/ansi/kitty.Diacritic matches it).
const maxPlaceholderCells = 297

// Placeholders returns the text that shows kitty image id in a cols×rows area: each cell is
// U+10EEEE followed by its row and column diacritics, and each line is coloured with the
// 256-colour SGR 38;5;id that carries the image id (graphics-protocol.rst "Unicode
// placeholders"). An 8-bit id survives tmux and colour-profile downsampling, which rewrite
// 24-bit colours (docs/references.md, "Terminal graphics"). Lines are joined by "\n" with no
// trailing newline, ready for a bubbletea View; every cell has both diacritics so a renderer may
// repaint any cell alone.
func Placeholders(id uint8, cols, rows int) string {
	cols, rows = min(cols, maxPlaceholderCells), min(rows, maxPlaceholderCells)
	if cols <= 0 || rows <= 0 || id == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(rows * (cols*10 + 16))
	sgr := "\x1b[38;5;" + strconv.Itoa(int(id)) + "m"
	for r := range rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(sgr)
		for c := range cols {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(r))
			b.WriteRune(kitty.Diacritic(c))
		}
		b.WriteString("\x1b[39m")
	}
	return b.String()
}
