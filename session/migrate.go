package session

import "fmt"

// migrate checks the schema version of a decoded tree and upgrades older trees in place to
// Version. A newer version is refused: its meaning may have changed in ways this build
// cannot see, and guessing would make renders silently differ.
func migrate(name string, tree map[string]any) error {
	raw, ok := tree["version"]
	if !ok {
		return &InputError{Where: name, What: "no version key",
			Hint: fmt.Sprintf("add `version = %d` at the top (is this a nudge session?)", Version)}
	}
	v, ok := raw.(int64)
	if !ok || v < 1 {
		return &InputError{Where: name, What: fmt.Sprintf("version must be a whole number ≥ 1, got %s", tomlTypeName(raw)),
			Hint: fmt.Sprintf("write `version = %d`", Version)}
	}
	if v > Version {
		return &InputError{Where: name,
			What: fmt.Sprintf("written by a newer nudge (session version %d; this build reads up to %d)", v, Version),
			Hint: "upgrade nudge to open it"}
	}
	for from := int(v); from < Version; from++ {
		step := migration(from)
		if err := step(tree); err != nil {
			return &InputError{Where: name, What: fmt.Sprintf("cannot migrate from version %d: %s", from, errText(err))}
		}
		tree["version"] = int64(from + 1)
	}
	return nil
}

// migration returns the function that rewrites a version-`from` tree into version from+1.
// Version 1 is the first schema, so there are none yet; a version 2 adds `case 1:` here.
func migration(from int) func(map[string]any) error {
	return func(map[string]any) error {
		return fmt.Errorf("no migration from version %d is known", from)
	}
}
