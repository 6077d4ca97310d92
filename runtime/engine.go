package runtime

import (
	"context"
	"errors"
	"fmt"
	"image"
	goruntime "runtime"
	"sync"

	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// Engine is the goroutine that owns ONNX Runtime for one model: jobs go in, events come out.
// A new job supersedes the running one, whose cancellation lands within one UNet call (ORT's
// run-terminate flag). No ORT call ever runs on the caller's goroutine, so a UI that only
// submits jobs and reads events never blocks on inference.
type Engine struct {
	jobs   chan job
	events chan Event
	cancel context.CancelFunc
	done   chan struct{}

	stop <-chan struct{}

	mu      sync.Mutex
	nextID  int
	running context.CancelFunc // cancels the current job
}

type job struct {
	id  int
	req Request
	ctx context.Context
}

// Event is what the engine reports; the concrete types below are the messages.
type Event interface{ JobID() int }

// Ready reports that the model opened (or failed to: Err).
type Ready struct {
	Model *ModelInfo
	Err   error
}

// Queued, Started, Step, Done, Failed and Cancelled follow one job through its life.
type (
	Queued  struct{ ID int }
	Started struct{ ID int }
	Step    struct {
		ID int
		StepInfo
	}
	Done struct {
		ID     int
		Images []*image.RGBA
		Result *Result
	}
	Failed struct {
		ID  int
		Err error
	}
	Cancelled struct{ ID int }
)

func (e Ready) JobID() int     { return 0 }
func (e Queued) JobID() int    { return e.ID }
func (e Started) JobID() int   { return e.ID }
func (e Step) JobID() int      { return e.ID }
func (e Done) JobID() int      { return e.ID }
func (e Failed) JobID() int    { return e.ID }
func (e Cancelled) JobID() int { return e.ID }

// ModelInfo is what a UI may show about the opened model, without touching ORT.
type ModelInfo struct {
	Dir, Provider string
	// Tokenizer lets a UI show token chips; it is read-only after loading, so safe to use
	// from any goroutine.
	Tokenizer *tokenizer.Tokenizer
	// Vocabulary is the embeddings folder's added tokens when the model opened (immutable,
	// so also safe anywhere): what a token picker needs to count positions as the encoder does.
	Vocabulary *textinv.Vocab
}

// NewEngine starts the engine goroutine, which opens the model with open and then serves
// jobs. The first event is Ready.
func NewEngine(open func() (*Model, error)) *Engine {
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{jobs: make(chan job, 1), events: make(chan Event, 64), cancel: cancel, done: make(chan struct{}), stop: ctx.Done()}
	go e.loop(ctx, open)
	return e
}

// Events is the stream of engine events. Step events are dropped rather than queued when
// the reader falls behind (the newest step wins); every other event is delivered.
func (e *Engine) Events() <-chan Event { return e.events }

// Submit queues a render, cancelling the one running, and returns its job id.
func (e *Engine) Submit(req Request) int {
	e.mu.Lock()
	e.nextID++
	id := e.nextID
	if e.running != nil {
		e.running()
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.running = cancel
	e.mu.Unlock()
	for {
		select {
		case e.jobs <- job{id: id, req: req, ctx: ctx}:
			e.trySend(Queued{ID: id})
			return id
		case old := <-e.jobs: // a queued job that never started is superseded too
			e.trySend(Cancelled{ID: old.id})
		}
	}
}

// Cancel stops the running job, if any.
func (e *Engine) Cancel() {
	e.mu.Lock()
	if e.running != nil {
		e.running()
	}
	e.mu.Unlock()
}

// Close stops the engine and waits for it to release ORT.
func (e *Engine) Close() {
	e.Cancel()
	e.cancel()
	<-e.done
}

func (e *Engine) loop(ctx context.Context, open func() (*Model, error)) {
	// Every ORT call of this engine comes from one OS thread. A goroutine that hops threads
	// spreads ORT's allocations over glibc's per-thread arenas (up to 8 per core), each of
	// which keeps its freed pages: the resident set grows with every arena touched.
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	defer close(e.done)
	m, err := open()
	if err != nil {
		e.send(Ready{Err: err})
		return
	}
	defer m.Close()
	e.send(Ready{Model: &ModelInfo{Dir: m.Dir, Provider: providerName(m.Options), Tokenizer: m.Tokenizer, Vocabulary: m.folderVocabulary()}})
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-e.jobs:
			e.serve(m, j)
		}
	}
}

func (e *Engine) serve(m *Model, j job) {
	if j.ctx.Err() != nil {
		e.send(Cancelled{ID: j.id})
		return
	}
	e.send(Started{ID: j.id})
	defer e.recoverJob(j.id)
	res, err := m.Render(j.ctx, j.req, func(s StepInfo) {
		if previewDue(j.req, s) {
			s.Image, _ = m.PreviewImage(j.ctx, s.Latents, j.req.Preview) // a failed preview is not a failed render
		}
		e.trySend(Step{ID: j.id, StepInfo: s})
	})
	switch {
	case err == nil:
		e.send(Done{ID: j.id, Images: res.Images, Result: res})
	case errors.Is(err, context.Canceled) || j.ctx.Err() != nil:
		e.send(Cancelled{ID: j.id})
	default:
		e.send(Failed{ID: j.id, Err: err})
	}
}

// recoverJob turns a panic inside a render (a bug in nudge or in a wrapper around ORT) into
// a Failed event. A panic on the engine goroutine would otherwise end the process with the
// studio's terminal still in the alternate screen and the session unsaved.
func (e *Engine) recoverJob(id int) {
	if r := recover(); r != nil {
		e.send(Failed{ID: id, Err: fmt.Errorf("internal error during the render: %v — please report it", r)})
	}
}

// send delivers an event unless the engine is closing; only the engine goroutine calls it.
func (e *Engine) send(ev Event) {
	select {
	case e.events <- ev:
	case <-e.stop:
	}
}

func (e *Engine) trySend(ev Event) {
	select {
	case e.events <- ev:
	default:
	}
}

func providerName(o Options) string {
	if o.Provider == "" {
		return "cpu"
	}
	return o.Provider
}

// previewDue says whether a step gets a decoded preview: every PreviewEvery steps, never
// the last (the final image follows at once).
func previewDue(r Request, s StepInfo) bool {
	if r.Preview == PreviewNone || s.Step == s.Steps-1 {
		return false
	}
	every := max(r.PreviewEvery, 1)
	return s.Step%every == 0
}
