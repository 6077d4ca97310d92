package preview

import (
	"testing"

	"github.com/nudge-studio/nudge/session"
)

// Sessions and the config validate protocol names without importing this package; keep
// their list and ParseProtocol's in step.
func TestSessionKnowsEveryProtocol(t *testing.T) {
	names := map[string]bool{}
	for _, n := range session.PreviewProtocols() {
		names[n] = true
		if _, err := ParseProtocol(n); err != nil {
			t.Errorf("session lists %q, which ParseProtocol rejects: %v", n, err)
		}
	}
	for _, p := range Protocols() {
		if !names[string(p)] {
			t.Errorf("protocol %q is missing from session.PreviewProtocols", p)
		}
	}
}
