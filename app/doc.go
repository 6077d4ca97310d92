// Package app holds nudge's use cases, the things a person does with it whichever front end
// they use: resolve and open a model (demo:shapes|tiny|small|sd15 included), turn a session into a
// render job through the technique registry, render, write images and history, verify a
// session's history, bench, prepare technique graphs and list a prompt's tokens.
//
// Both front ends call it: main.go (flags → app → exit codes) and the studio in package tui
// (bubbletea only). It is named app rather than for one use case because it is exactly the
// application layer between them and {session, runtime, techniques}: nothing here draws a
// screen, and nothing in runtime prints for a command.
//
// Dependency direction: main, tui → app → {session, runtime, techniques}; nothing imports
// main or tui.
package app
