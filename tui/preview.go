package tui

import (
	"image"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
)

// PreviewSetup is how pictures are drawn: the protocol (resolved, never Auto) and its options.
type PreviewSetup struct {
	Protocol preview.Protocol
	Options  preview.Options
	Decoder  string // approx (default), taesd or vae; see Options.PreviewDecoder
	Every    int    // engine-decoded previews every N steps (0: every step)
	Factors  string // latent→RGB factor family for the approximation (default sd15)
}

// frameMsg is a finished preview encoding.
type frameMsg struct {
	seq   int
	frame preview.Frame
	err   error
}

// previewPane shows the newest step (latents through the linear latent→RGB approximation,
// madebyollin/taesd) or the final image. Encoding runs in a tea.Cmd, one at a time because a
// Previewer is not safe for concurrent use; a picture that arrives meanwhile replaces any
// waiting one, so the pane always catches up with the newest step (latest frame wins).
type previewPane struct {
	pv      *preview.Previewer
	factors preview.LatentFactors
	decoder string // the engine decoder asked for on each job (runtime.PreviewTAESD, …)
	every   int
	err     error

	img                  image.Image // the newest picture, kept to re-encode on resize
	label                string      // "step 3/20" or "final"
	dirty                bool        // img changed since the last encode started
	busy                 bool        // an encode is running
	seq                  int
	frame                preview.Frame
	row, col, cols, rows int
}

func newPreviewPane(s PreviewSetup) previewPane {
	p := previewPane{}
	if s.Protocol == "" {
		s.Protocol = preview.Blocks
	}
	p.pv, p.err = preview.NewPreviewer(s.Protocol, s.Options)
	var err error
	if p.factors, err = preview.FactorsFor(firstOf(s.Factors, "sd15")); err != nil && p.err == nil {
		p.err = err
		p.factors, _ = preview.FactorsFor("sd15")
	}
	switch s.Decoder {
	case "taesd":
		p.decoder = runtime.PreviewTAESD
	case "vae":
		p.decoder = runtime.PreviewVAE
	}
	p.every = s.Every
	return p
}

// showLatents previews a step's latents (first image of the batch).
func (p *previewPane) showLatents(t runtime.Tensor, label string) tea.Cmd {
	if len(t.Shape) != 4 || t.Shape[0] < 1 {
		return nil
	}
	c, h, w := int(t.Shape[1]), int(t.Shape[2]), int(t.Shape[3])
	img, err := preview.LatentToRGB(t.Row(0), c, h, w, p.factors)
	if err != nil {
		p.err = err
		return nil
	}
	return p.showImage(img, label)
}

// showImage makes img the newest picture and starts encoding it unless an encode is running.
func (p *previewPane) showImage(img image.Image, label string) tea.Cmd {
	p.img, p.label, p.dirty = img, label, true
	return p.kick()
}

// resize moves the picture's area; the picture is re-encoded for it.
func (p *previewPane) resize(row, col, cols, rows int) tea.Cmd {
	p.row, p.col, p.cols, p.rows = row, col, cols, rows
	p.dirty = p.img != nil
	var clear tea.Cmd
	if b := p.pvClear(); b != nil {
		clear = tea.Raw(string(b))
	}
	return tea.Batch(clear, p.kick())
}

// redraw re-sends the picture after something covered it (the help overlay): pixels drawn
// by raw protocols are lost when their cells are repainted.
func (p *previewPane) redraw() tea.Cmd {
	p.dirty = p.img != nil
	return p.kick()
}

func (p *previewPane) pvClear() []byte {
	if p.pv == nil {
		return nil
	}
	return p.pv.Clear()
}

// kick starts an encode of the newest picture if one is due and none is running.
func (p *previewPane) kick() tea.Cmd {
	if p.busy || !p.dirty || p.pv == nil || p.img == nil || p.cols <= 0 || p.rows <= 0 {
		return nil
	}
	p.busy, p.dirty = true, false
	p.seq++
	pv, img, seq := p.pv, p.img, p.seq
	col, row, cols, rows := p.col, p.row, p.cols, p.rows
	return func() tea.Msg {
		f, err := pv.Frame(img, col, row, cols, rows)
		return frameMsg{seq: seq, frame: f, err: err}
	}
}

// onFrame installs a finished encoding and starts the next one if a newer picture waits.
func (p *previewPane) onFrame(msg frameMsg) tea.Cmd {
	p.busy = false
	p.err = msg.err
	if msg.err == nil {
		p.frame = msg.frame
	}
	var raw tea.Cmd
	if msg.err == nil && msg.frame.Raw != nil {
		raw = tea.Raw(string(msg.frame.Raw))
	}
	return tea.Batch(raw, p.kick())
}

// viewPreview draws the preview column: a title and the picture.
func (m *Model) viewPreview(g geometry) []string {
	p := &m.preview
	title := "Preview"
	if p.label != "" {
		title += " · " + p.label
	}
	out := []string{m.st.title.Render("  " + title)}
	switch {
	case p.err != nil:
		out = append(out, m.st.err.Render("  "+truncate(oneLine(p.err.Error()), g.leftW-2)))
	case p.frame.Rows > 0:
		out = append(out, strings.Split(p.frame.Cells, "\n")...)
	case m.render.ready:
		out = append(out, m.st.dim.Render("  rendering…"))
	default:
		out = append(out, m.st.dim.Render("  opening the model…"))
	}
	return out
}
