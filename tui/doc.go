// Package tui is nudge's studio: a live bubbletea v2 UI that re-renders as the parameters
// change.
//
// The root model (model.go) owns the session being edited; each pane lives in its own file
// (prompt.go, params.go, sega.go, tokens.go, preview.go, history.go, status.go, help.go) and
// only reads and edits that session. Rendering happens on a runtime.Engine goroutine: the UI
// submits jobs and receives events through a tea.Cmd that waits on the engine's channel
// (events.go), so ONNX Runtime never runs on the UI goroutine and typing never waits on it.
// Preview frames are encoded off the UI goroutine too, newest frame wins (preview.go).
//
// Live rendering (render.go): every parameter change restarts a debounce timer (250 ms by
// default, Options.Debounce); when it fires, the request is rebuilt with app.BuildRequest and
// submitted, which cancels the render in flight (debounce, skip unchanged
// conditioning, cancel and restart). A change that leaves the request unchanged starts no
// render. While attend-and-excite runs, the token pane shows each chosen token's peak
// attention and the loss after every step (techniques.AttendExcite.LastStats).
//
// What is reused between renders: the runtime keeps each prompt's text-encoder output
// (runtime/embed.go), so changing only numbers — steps, guidance, seed, size, SEGA weights
// and thresholds — skips the text encoder for prompts it has seen. Denoising steps are not
// reused yet: a change that only affects late steps (e.g. a SEGA concept whose warm-up has
// not been reached) still restarts from step 0, because runtime.Request has no way to resume
// from cached latents.
//
// Keys are listed in keys.go and shown by the help overlay (`?`).
package tui
