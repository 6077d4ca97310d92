// Package ort owns the process-wide ONNX Runtime environment: finding the shared library,
// checking its version, and initialising it once. It is the only package-level state nudge
// keeps (the brief allows exactly this one), because the ORT C API has one environment per
// process.
package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	ortgo "github.com/yalue/onnxruntime_go"
)

// Version is the ONNX Runtime release `make setup` installs into the cache.
const Version = "1.30.0"

// MinVersion is the oldest ONNX Runtime onnxruntime_go v1.27.0 can drive (it asks for API 24).
const MinVersion = "1.24.0"

// LibraryEnv names the environment variable that overrides the library path.
const LibraryEnv = "NUDGE_ORT_LIBRARY"

var (
	envMu   sync.Mutex
	envPath string
)

// CacheDir is nudge's per-user cache: $XDG_CACHE_HOME/nudge, else ~/.cache/nudge.
func CacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "nudge")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "nudge-cache")
	}
	return filepath.Join(home, ".cache", "nudge")
}

// DefaultLibrary is where `make setup` puts the CPU build of ONNX Runtime.
func DefaultLibrary() string {
	return filepath.Join(CacheDir(), "ort", Version, "libonnxruntime.so.1")
}

// ResolveLibrary picks the library: an explicit path (from config) wins, then
// $NUDGE_ORT_LIBRARY, then the cache.
func ResolveLibrary(configured string) string {
	if configured != "" {
		if rest, ok := strings.CutPrefix(configured, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, rest)
			}
		}
		return configured
	}
	if p := os.Getenv(LibraryEnv); p != "" {
		return p
	}
	return DefaultLibrary()
}

// Init loads the ONNX Runtime shared library at path and creates the environment. Calling it
// again with the same path is a no-op; with another path it is an error, since ORT cannot be
// unloaded safely inside one process.
func Init(path string) error {
	envMu.Lock()
	defer envMu.Unlock()
	if ortgo.IsInitialized() {
		if path != envPath {
			return fmt.Errorf("onnx runtime already loaded from %s; cannot switch to %s in one process", envPath, path)
		}
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return libraryError(fmt.Sprintf("onnx runtime library %s: not found — run `make setup`, or set %s or runtime.library in the config", path, LibraryEnv))
	}
	ortgo.SetSharedLibraryPath(path)
	quietEnvironment()
	if err := ortgo.InitializeEnvironment(ortgo.WithLogLevelFatal()); err != nil {
		return libraryError(fmt.Sprintf("onnx runtime library %s: %v — nudge needs ONNX Runtime ≥ %s", path, firstLine(err), MinVersion))
	}
	if v := ortgo.GetVersion(); !AtLeast(v, MinVersion) {
		_ = ortgo.DestroyEnvironment()
		return libraryError(fmt.Sprintf("onnx runtime library %s is version %s; nudge needs ≥ %s", path, v, MinVersion))
	}
	// DisableTelemetryEvents stops ORT's event tracing (ETW on Windows); the files and uploads
	// of ORT 1.30's Linux telemetry are stopped by ORT_DISABLE_TELEMETRY, set above.
	_ = ortgo.DisableTelemetry()
	envPath = path
	return nil
}

// LogPolicy says, for `nudge doctor` and docs/reliability.md, where ONNX Runtime's own log
// goes. onnxruntime_go v1.27.0 wraps neither CreateEnvWithCustomLogger nor
// SetUserLoggingFunction, and ORT's default logger writes to the process's stderr — over the
// studio, with node names from the model in it (OSC 0/52 sequences set the title and the
// clipboard). So the environment and every session log at FATAL only, which ORT emits just
// before it aborts; every error reaches the user as the status ORT returns, which nudge
// sanitises before any terminal sees it.
const LogPolicy = "ONNX Runtime's own log is off (severity FATAL); its errors reach you in nudge's messages, sanitised; telemetry off (ORT_DISABLE_TELEMETRY=1, DisableTelemetryEvents)"

// quietEnvironment turns off what ORT does on its own before the environment exists: ORT 1.30
// on Linux starts a telemetry system that writes $XDG_CACHE_HOME/Microsoft/DeveloperTools/
// .onnxruntime/{deviceid,onnxruntime.db} and may upload events; ORT_DISABLE_TELEMETRY=1 (read
// by ORT's posix telemetry.cc) stops it. A user's own setting of the variable is kept.
func quietEnvironment() {
	if _, set := os.LookupEnv("ORT_DISABLE_TELEMETRY"); !set {
		_ = os.Setenv("ORT_DISABLE_TELEMETRY", "1")
	}
}

// RuntimeVersion reports the loaded library's version, or "" before Init.
func RuntimeVersion() string {
	if !ortgo.IsInitialized() {
		return ""
	}
	return ortgo.GetVersion()
}

// AtLeast compares dotted version strings numerically ("1.30.0" ≥ "1.24.0").
func AtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(strings.TrimFunc(a[i], func(r rune) bool { return r < '0' || r > '9' }))
		}
		y, _ = strconv.Atoi(b[i])
		if x != y {
			return x > y
		}
	}
	return true
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// libraryError is a missing, broken or too old library: the user's set-up to fix.
type libraryError string

func (e libraryError) Error() string  { return string(e) }
func (e libraryError) BadInput() bool { return true }

// ErrNotInitialized is returned by helpers that need the environment first.
var ErrNotInitialized = errors.New("onnx runtime is not initialised")
