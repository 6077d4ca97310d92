package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key the studio answers to outside a text field. The help overlay lists
// them from here, so what it shows is what Update matches.
type keyMap struct {
	Next, Prev, Up, Down, Left, Right    key.Binding
	Edit, Cancel, Toggle                 key.Binding
	Inc, Dec, Add, Remove, Reverse, SEGA key.Binding
	Randomise, Lock                      key.Binding
	Save, Open, Render, Undo, Redo       key.Binding
	Help, Quit                           key.Binding
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
		Edit:      b([]string{"enter"}, "enter", "edit (enter or esc: done)"),
		Cancel:    b([]string{"esc"}, "esc", "close help; cancel edit"),
		Toggle:    b([]string{"space"}, "space", "choose token; reverse"),
		Inc:       b([]string{"+", "="}, "+", "SEGA: increase the field"),
		Dec:       b([]string{"-", "_"}, "-", "SEGA: decrease the field"),
		Add:       b([]string{"a"}, "a", "SEGA: add a concept"),
		Remove:    b([]string{"x", "delete"}, "x", "SEGA: remove the concept"),
		Reverse:   b([]string{"v"}, "v", "SEGA: reverse direction"),
		SEGA:      b([]string{"e"}, "e", "SEGA: switch on/off"),
		Randomise: b([]string{"r"}, "r", "seed: randomise"),
		Lock:      b([]string{"l"}, "l", "seed: lock / unlock"),
		Save:      b([]string{"ctrl+s"}, "ctrl+s", "save session and image"),
		Open:      b([]string{"ctrl+o"}, "ctrl+o", "open a session file"),
		Render:    b([]string{"ctrl+r"}, "ctrl+r", "render again now"),
		Undo:      b([]string{"ctrl+z"}, "ctrl+z", "undo a parameter change"),
		Redo:      b([]string{"ctrl+y"}, "ctrl+y", "redo"),
		Help:      b([]string{"?"}, "?", "this help"),
		Quit:      b([]string{"q", "ctrl+c"}, "q/ctrl+c", "quit (asks if unsaved)"),
	}
}

// helpOrder lists the bindings in the order the help overlay shows them.
func (k keyMap) helpOrder() []key.Binding {
	return []key.Binding{
		k.Next, k.Prev, k.Up, k.Down, k.Left, k.Right, k.Edit, k.Cancel, k.Toggle,
		k.Save, k.Open, k.Render, k.Undo, k.Redo, k.Help, k.Quit,
		k.Inc, k.Dec, k.Add, k.Remove, k.Reverse, k.SEGA, k.Randomise, k.Lock,
	}
}
