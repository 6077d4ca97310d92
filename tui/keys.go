package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key the studio answers to outside a text field. The help overlay lists
// them from here, so what it shows is what Update matches.
type keyMap struct {
	Next, Prev, Up, Down, Left, Right key.Binding
	Edit, Cancel, Toggle, Inc, Dec    key.Binding
	Randomise, Lock                   key.Binding
	Save, Open, Render, Undo, Redo    key.Binding
	Help, Quit                        key.Binding
	// The history gallery (history.go), the X/Y grid (grid.go) and the token pane's jumps.
	BatchPrev, BatchNext, MarkA, Compare key.Binding
	Grid                                 key.Binding
	WordPrev, WordNext, Find, FindNext   key.Binding
	// Stop, Pause (cancel.go) and SaveAs (open.go).
	Stop, Pause, SaveAs key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, label, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(label, desc))
	}
	return keyMap{
		Next:      b([]string{"tab"}, "tab", "next pane"),
		Prev:      b([]string{"shift+tab"}, "shift+tab", "previous pane"),
		Up:        b([]string{"up"}, "↑", "previous row / pane"),
		Down:      b([]string{"down"}, "↓", "next row / pane"),
		Left:      b([]string{"left"}, "←", "decrease; previous field"),
		Right:     b([]string{"right"}, "→", "increase; next field"),
		Edit:      b([]string{"enter"}, "enter", "edit / keep the edit"),
		Cancel:    b([]string{"esc"}, "esc", "cancel the edit (restores)"),
		Toggle:    b([]string{"space"}, "space", "choose; toggle"),
		Inc:       b([]string{"+", "="}, "+", "increase the field"),
		Dec:       b([]string{"-", "_"}, "-", "decrease the field"),
		Randomise: b([]string{"r"}, "r", "seed: randomise"),
		Lock:      b([]string{"l"}, "l", "seed mode: fixed → random → increment"),
		Save:      b([]string{"ctrl+s"}, "ctrl+s", "save session and image"),
		Open:      b([]string{"ctrl+o"}, "ctrl+o", "open a session file"),
		Render:    b([]string{"ctrl+r"}, "ctrl+r", "render again now"),
		Undo:      b([]string{"ctrl+z"}, "ctrl+z", "undo a parameter change"),
		Redo:      b([]string{"ctrl+y"}, "ctrl+y", "redo"),
		Help:      b([]string{"?", "f1"}, "?/f1", "this help (f1 in text panes)"),
		Quit:      b([]string{"q", "ctrl+c"}, "q/ctrl+c", "quit (asks if unsaved)"),
		BatchPrev: b([]string{"["}, "[", "previous image of the batch"),
		BatchNext: b([]string{"]"}, "]", "next image of the batch"),
		MarkA:     b([]string{"m"}, "m", "mark as A for comparing"),
		Compare:   b([]string{"c"}, "c", "compare A and B side by side"),
		Grid:      b([]string{"ctrl+g"}, "ctrl+g", "X/Y grid (again: cancel it)"),
		WordPrev:  b([]string{"ctrl+left", "b"}, "ctrl+←/b", "previous word"),
		WordNext:  b([]string{"ctrl+right", "w"}, "ctrl+→/w", "next word"),
		Find:      b([]string{"/"}, "/", "find a token by its text"),
		FindNext:  b([]string{"n"}, "n", "next match"),
		Stop:      b([]string{"ctrl+x"}, "ctrl+x", "stop the running render"),
		Pause:     b([]string{"ctrl+p"}, "ctrl+p", "pause / resume auto-render"),
		SaveAs:    b([]string{"ctrl+w"}, "ctrl+w", "save as (another file)"),
	}
}

// global lists the bindings every pane shares, in the order the help overlay shows them;
// each pane lists its own (pane.keys).
func (k keyMap) global() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Up, k.Down, k.Save, k.SaveAs, k.Open, k.Render, k.Stop, k.Pause,
		k.Grid, k.Undo, k.Redo, k.Help, k.Quit}
}

// relabel is b with the help text a pane gives it ("→" is "next token" in the token pane).
func relabel(b key.Binding, desc string) key.Binding {
	return key.NewBinding(key.WithKeys(b.Keys()...), key.WithHelp(b.Help().Key, desc))
}
