package tui

import (
	"fmt"
	"image"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// renderState follows the engine: which job is current and how far it got.
type renderState struct {
	debounce time.Duration
	gen      int  // bumped by every change; a debounceMsg of an older generation is ignored
	ready    bool // the model is open and its size rule known
	info     *runtime.ModelInfo
	// downsampling is the open model's size rule (app.SizeMultiple); 1 until known.
	downsampling int

	job       int    // the job whose events are shown; older jobs' events are ignored
	num       int    // the history number the current job's render has or will get
	jobKey    string // what the current job renders, to skip resubmitting the same thing
	jobParams session.Params

	state       string // loading model | queued | rendering | done | cancelled | failed | invalid
	detail      string // failure text
	step, steps int
	stepTime    time.Duration // sum of StepTimings.Total of the steps seen, for it/s and ETA
	timed       int           // steps seen (the engine drops steps a slow reader misses)
	last        lastImage
}

// schedule restarts the debounce: the render starts when no change followed for a while.
func (m *Model) schedule() tea.Cmd {
	m.render.gen++
	gen := m.render.gen
	return tea.Tick(m.render.debounce, func(time.Time) tea.Msg { return debounceMsg{gen: gen} })
}

// submit sends the session's parameters to the engine, superseding the running job. Unless
// forced (Ctrl+R), a request identical to the current job's is not sent again.
func (m *Model) submit(force bool) tea.Cmd {
	if !m.render.ready || m.grid.running() {
		return nil // onReady submits once the model is open; a grid ends with a schedule
	}
	m.nextSeed(force)
	key := m.requestKey(m.sess.Params)
	if !force && key == m.render.jobKey && m.render.state != "failed" {
		return nil
	}
	err := app.SizeProblem(m.sess.Width, m.sess.Height, m.render.downsampling)
	var req runtime.Request
	if err == nil {
		req, err = app.BuildRequest(m.sess.Params)
	}
	if err == nil {
		err = req.Validate()
	}
	if err != nil {
		m.render.state, m.render.detail = "invalid", oneLine(err.Error())
		return nil
	}
	req.Preview, req.PreviewEvery = m.preview.decoder, m.preview.every
	m.broadcast(runRestartMsg{})
	m.render.job = m.engine.Submit(req)
	m.render.num = m.history.numberFor(m.sess.Params)
	m.render.jobKey, m.render.jobParams = key, cloneParams(m.sess.Params)
	m.render.state, m.render.detail = "queued", ""
	m.render.step, m.render.steps, m.render.stepTime, m.render.timed = 0, 0, 0, 0
	return nil
}

// requestKey identifies what a render would produce: the session's parameters without the
// model's file hashes, which BuildRequest does not use, and without the embeddings a render
// recorded (the prompt decides which are used; recording them must not start a new render).
func (m *Model) requestKey(p session.Params) string { return renderKey(p) }

// onEngine applies one engine event. Events of superseded jobs only matter for the final
// image, which is kept only if it is the current job's.
func (m *Model) onEngine(ev runtime.Event) tea.Cmd {
	if m.ownsGridEvent(ev) {
		return m.onGridEvent(ev)
	}
	switch ev := ev.(type) {
	case runtime.Ready:
		return m.onReady(ev)
	case runtime.Queued:
		if ev.ID == m.render.job {
			m.render.state = "queued"
		}
	case runtime.Cancelled:
		if ev.ID == m.render.job {
			m.render.state = "cancelled"
		}
	case runtime.Started:
		if ev.ID == m.render.job {
			m.render.state = "rendering"
		}
	case runtime.Step:
		if ev.ID == m.render.job {
			return m.onStep(ev)
		}
	case runtime.Done:
		if ev.ID == m.render.job {
			return m.onDone(ev)
		}
	case runtime.Failed:
		if ev.ID == m.render.job {
			m.render.state, m.render.detail = "failed", oneLine(ev.Err.Error())
		}
	}
	return nil
}

func (m *Model) onReady(ev runtime.Ready) tea.Cmd {
	if ev.Err != nil {
		m.render.state, m.render.detail = "model failed", oneLine(ev.Err.Error())
		return nil
	}
	m.render.info, m.render.state = ev.Model, "ready"
	if ev.Model != nil && m.sess.Runtime.Provider == "" {
		m.sess.Runtime.Provider = ev.Model.Provider
	}
	return tea.Batch(m.broadcast(readyMsg{info: ev.Model}), sizeRule(m.modelDir()))
}

// sizeRule reads the model's size rule off the UI goroutine (it loads the UNet's graph);
// the first render waits for it, so a size the model cannot take never reaches ORT.
func sizeRule(dir string) tea.Cmd {
	return func() tea.Msg {
		d, err := app.UNetDownsampling(dir)
		if err != nil {
			d = 1 // a graph the finder cannot read: sides stay multiples of 8
		}
		return sizeRuleMsg{downsampling: d}
	}
}

// onSizeRule installs the model's size rule and starts the first render.
func (m *Model) onSizeRule(msg sizeRuleMsg) tea.Cmd {
	m.render.downsampling, m.render.ready = msg.downsampling, true
	return tea.Batch(m.broadcast(msg), m.submit(true))
}

func (m *Model) onStep(ev runtime.Step) tea.Cmd {
	r := &m.render
	r.state, r.step, r.steps = "rendering", ev.Step, ev.Steps
	r.stepTime += ev.Timings.Total
	r.timed++
	statsCmd := m.broadcast(statsMsg{stats: ev.Stats})
	label := fmt.Sprintf("step %d/%d", ev.Step, ev.Steps)
	if ev.Image != nil { // decoded by the engine (TAESD or VAE)
		return tea.Batch(statsCmd, m.preview.showImage(ev.Image, label))
	}
	return tea.Batch(statsCmd, m.preview.showLatents(ev.Latents, label))
}

func (m *Model) onDone(ev runtime.Done) tea.Cmd {
	r := &m.render
	r.state, r.step = "done", r.steps
	if len(ev.Images) == 0 {
		return nil
	}
	if ev.Result != nil {
		app.RecordEmbeddings(&r.jobParams, ev.Result.Embeddings)
		app.RecordEmbeddings(&m.sess.Params, ev.Result.Embeddings)
	}
	r.last = lastImage{img: ev.Images[0], params: cloneParams(r.jobParams), at: time.Now()}
	r.num = m.history.addRender(r.last, ev.Images)
	return m.preview.showImage(ev.Images[0], "final")
}

// itPerSec and eta come from the engine's own step timings, so they describe the model,
// not how often the UI got to look.
func (r *renderState) itPerSec() float64 {
	if r.timed == 0 || r.stepTime <= 0 {
		return 0
	}
	return float64(r.timed) / r.stepTime.Seconds()
}

func (r *renderState) eta() time.Duration {
	if r.timed == 0 {
		return 0
	}
	per := r.stepTime / time.Duration(r.timed)
	return per * time.Duration(max(r.steps-r.step, 0))
}

// showImage puts a picture in the preview (host, for the panes).
func (m *Model) showImage(img image.Image, label string) tea.Cmd {
	return m.preview.showImage(img, label)
}
