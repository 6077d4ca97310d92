// Package session is nudge's reproducible record of a render: the Session type (schema
// version 1), loading, validating and atomically saving session files (TOML), the metadata
// nudge writes into every PNG (its own lossless `nudge` iTXt chunk plus an A1111-compatible
// `parameters` text), importing sessions back from PNGs (ours or A1111's), model
// fingerprints, and the comparison behind `nudge verify`.
//
// The format is documented in docs/session-format.md; annotated examples live in examples/.
// The A1111 "infotext" grammar follows docs/references.md, "PNG metadata" (AUTOMATIC1111
// create_infotext and parse_generation_parameters). Technique blocks ([sega], …) are read,
// checked and written by the technique that registered them (block.go, RegisterBlock); this
// package knows no technique by name.
//
// The package is pure Go: it imports neither ONNX Runtime nor any other nudge package, so the
// CLI, the TUI and tests can all use it without a model.
package session
