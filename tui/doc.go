// Package tui is nudge's studio: a live bubbletea v2 UI that re-renders as the parameters
// change.
//
// The root model (model.go) owns the session being edited, routes messages and lays out
// (layout.go). Each pane owns its state, keys and drawing behind the pane interface
// (pane.go): prompt.go (prompt and negative prompt), params.go, history.go, and one pane
// per technique in a file named for it, which registers itself with registerTechniquePane
// under the technique's session block name; no other file of the package names a
// technique. Panes edit the session only through the host (change.go: every edit is an
// undoable step) and learn of model and render events through broadcasts (syncMsg,
// readyMsg, statsMsg). Rendering happens on a runtime.Engine goroutine: the UI submits jobs
// and receives events through a tea.Cmd that waits on the engine's channel (events.go), so
// ONNX Runtime never runs on the UI goroutine and typing never waits on it. Preview frames
// are encoded off the UI goroutine too, newest frame wins (preview.go).
//
// Live rendering (render.go): every parameter change restarts a debounce timer (250 ms by
// default, Options.Debounce); when it fires, the request is rebuilt with app.BuildRequest and
// submitted, which cancels the render in flight. A change that leaves the request unchanged
// starts no render. A step event's technique statistics (runtime.StatsReporter) reach the
// panes as a statsMsg, so a technique's pane shows its live figures without the root
// knowing them.
//
// What is reused between renders: the runtime keeps each prompt's text-encoder output
// (runtime/embed.go), so changing only numbers — steps, guidance, seed, size, a technique's
// weights — skips the text encoder for prompts it has seen. Denoising steps are not reused
// yet: every change restarts from step 0, because runtime.Request has no way to resume from
// cached latents.
//
// Keys are listed in keys.go (the shared ones) and by each pane (helpKeys); the help
// overlay (`?`, or F1 in text panes) shows both.
package tui
