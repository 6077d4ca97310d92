// Command nudge is a terminal studio for steering Stable Diffusion ONNX models.
//
// main only parses flags, calls a package and maps errors to exit codes: 2 for bad input
// (anything whose error says BadInput() == true, or a usage error), 1 for runtime failures.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// badInput marks an error as the user's to fix: exit code 2.
type badInput interface{ BadInput() bool }

type usageError struct{ msg string }

func (e usageError) Error() string  { return e.msg }
func (e usageError) BadInput() bool { return true }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type command struct {
	name, args, help string
	run              func(args []string) error
}

func commands() []command {
	return []command{}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	name := "studio"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(os.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			return exitCode(c.run(args), stderr)
		}
	}
	fmt.Fprintf(stderr, "nudge: unknown command %q — run `nudge help` for the list\n", name)
	return 2
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(stderr, "nudge: %s\n", msg)
	var bi badInput
	if errors.As(err, &bi) && bi.BadInput() {
		return 2
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: nudge [command] [flags]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %-28s %s\n", c.name, c.args, c.help)
	}
}
