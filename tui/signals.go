package tui

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
)

// stopSignals end the studio the way closing the terminal (SIGHUP), `kill` (SIGTERM) or ^C
// on a non-terminal input (SIGINT) do. Bubble Tea's own handler quit on SIGTERM without
// showing the model anything (unsaved work lost, exit 0) and ignored SIGHUP, whose default
// action killed the process in the alternate screen with the cursor hidden.
var stopSignals = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT}

// signalMsg carries a stop signal into Update, where the session is safe to read.
type signalMsg struct{ sig os.Signal }

// StoppedError says the studio ended on a signal, and where unsaved work went.
type StoppedError struct {
	Signal    os.Signal
	Autosaved string // "" when nothing was unsaved
	Err       error  // the autosave's failure, if any
}

func (e *StoppedError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("stopped by %v; autosave failed: %v", e.Signal, e.Err)
	case e.Autosaved != "":
		return fmt.Sprintf("stopped by %v; unsaved changes autosaved to %s", e.Signal, e.Autosaved)
	}
	return fmt.Sprintf("stopped by %v; nothing was unsaved", e.Signal)
}

// guarded wraps the studio model so that a stop signal or a panic in Update autosaves
// unsaved work before Bubble Tea restores the terminal (it does so when Update returns
// tea.Quit, and in its own recover when the panic continues).
type guarded struct {
	m       *Model
	stopped **StoppedError
}

func (g guarded) Init() tea.Cmd  { return g.m.Init() }
func (g guarded) View() tea.View { return g.m.View() }

func (g guarded) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if s, ok := msg.(signalMsg); ok {
		*g.stopped = g.m.autosaveOnStop(s.sig)
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			_ = g.m.autosaveIfDirty()
			panic(r)
		}
	}()
	_, cmd := g.m.Update(msg)
	return g, cmd
}

func (m *Model) autosaveOnStop(sig os.Signal) *StoppedError {
	stopped := &StoppedError{Signal: sig}
	if m.dirty {
		stopped.Err = m.autosave()
		if stopped.Err == nil {
			stopped.Autosaved = AutosavePath(m.path)
		}
	}
	return stopped
}

func (m *Model) autosaveIfDirty() error {
	if !m.dirty {
		return nil
	}
	return m.autosave()
}

// runGuarded runs the studio with nudge's signal handling instead of Bubble Tea's. After a
// panic (in Update or in a command) the session is autosaved once Run has returned.
func runGuarded(m *Model, opts []tea.ProgramOption) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, stopSignals...)
	defer signal.Stop(sigs)
	return runWithSignals(m, opts, sigs)
}

func runWithSignals(m *Model, opts []tea.ProgramOption, sigs <-chan os.Signal) error {
	var stopped *StoppedError
	p := tea.NewProgram(guarded{m: m, stopped: &stopped}, append(opts, tea.WithoutSignalHandler())...)
	done, caught := make(chan struct{}), make(chan os.Signal, 1)
	go func() {
		select {
		case s := <-sigs:
			caught <- s
			p.Send(signalMsg{s})
		case <-done:
		}
	}()
	_, err := p.Run()
	close(done)
	if errors.Is(err, tea.ErrProgramPanic) {
		_ = m.autosaveIfDirty()
	}
	select {
	case s := <-caught:
		// The program may have ended before Update saw the signal (main's context is
		// cancelled by SIGINT too); Update no longer runs, so saving here is safe.
		if stopped == nil {
			stopped = m.autosaveOnStop(s)
		}
	default:
	}
	if stopped != nil {
		return stopped
	}
	return err
}
