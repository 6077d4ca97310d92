package recipe

import (
	"embed"
	"errors"
)

// committed holds the trained family when the repository has one (family/shapes.safetensors);
// the README keeps the pattern matching before the first training run has been committed.
//
//go:embed family
var committed embed.FS

// ErrNotBuilt says this binary carries no trained shapes family.
var ErrNotBuilt = errors.New("this nudge has no trained shapes model built in — run `nudge train shapes` and use its output folder, or a demo:tiny|small|sd15 model")

// Committed returns the weights file of the built-in family.
func Committed() ([]byte, error) {
	data, err := committed.ReadFile("family/shapes.safetensors")
	if err != nil {
		return nil, ErrNotBuilt
	}
	return data, nil
}
