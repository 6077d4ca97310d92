package onnxgraph

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// maxOpsShown limits the op histogram line of the text report; --json has all of them.
const maxOpsShown = 10

// WriteJSON writes the report as indented JSON (`nudge inspect --json`).
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Renders says what nudge does with the folder, by its UNet's variant.
func (r *Report) Renders() string {
	switch r.Pipeline.Variant {
	case VariantText2Img:
		return "text-to-image; img2img with --init-image and --strength"
	case VariantPix2Pix:
		return "instruct-pix2pix: --init-image with --instruct and --image-guidance (docs/image-editing.md)"
	case VariantDepth:
		if r.component("depth_estimator") == nil {
			return "depth2img: --init-image, --strength and a --depth map (the folder has no depth_estimator/)"
		}
		return "depth2img: --init-image and --strength; depth from depth_estimator/ or a --depth map"
	}
	return "nothing: nudge renders UNets with 4 (text-to-image), 8 (instruct-pix2pix) or 5 (depth2img) input channels"
}

// WriteText writes the report for people (`nudge inspect`).
func (r *Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("pipeline  %s\n", r.Pipeline)
	ew.printf("renders   %s\n", r.Renders())
	ew.printf("folder    %s\n", r.Dir)
	ew.printf("tokenizer %s\n", orNone(strings.Join(r.Tokenizers, ", ")))
	for _, c := range r.Components {
		writeComponent(ew, c)
	}
	writeAttention(ew, r)
	ew.printf("\nwarnings\n")
	if len(r.Warnings) == 0 {
		ew.printf("  none\n")
	}
	for _, wn := range r.Warnings {
		ew.printf("  - %s\n", wn)
	}
	return ew.err
}

func writeComponent(ew *errWriter, c Component) {
	ew.printf("\n%s  %s  %s  opset %d  IR %d  %s\n", c.Name, c.File, humanBytes(c.Size), c.Opset, c.IRVer, orNone(c.Producer))
	for _, v := range c.Inputs {
		ew.printf("  in   %s\n", v)
	}
	for _, v := range c.Outputs {
		ew.printf("  out  %s\n", v)
	}
	for _, f := range c.External {
		ew.printf("  data %s  %s  %d tensors\n", f.Location, humanBytes(f.Size), f.Tensors)
	}
	ops := make([]string, 0, maxOpsShown)
	for i, oc := range c.Ops {
		if i == maxOpsShown {
			ops = append(ops, fmt.Sprintf("… %d more", len(c.Ops)-maxOpsShown))
			break
		}
		ops = append(ops, fmt.Sprintf("%s %d", oc.Op, oc.Count))
	}
	ew.printf("  ops  %d nodes: %s\n", c.Nodes, strings.Join(ops, ", "))
}

func writeAttention(ew *errWriter, r *Report) {
	ew.printf("\nattention maps in unet at latent %d×%d: %d\n", r.LatentHeight, r.LatentWidth, len(r.Attention))
	if len(r.Attention) == 0 {
		return
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tmodule\tkind\theads\tquery\tkey\tmap")
	for i, a := range r.Attention {
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\n", i, orNone(a.Path), orNone(a.Kind),
			numOrDash(a.Heads), numOrDash(a.QueryLen), numOrDash(a.KeyLen), mapSize(a))
	}
	_ = tw.Flush()
}

// String renders a value as "name dtype [d0, d1, …]".
func (v Value) String() string {
	shape := "[?]"
	if v.Shape != nil {
		shape = "[" + strings.Join(v.Shape, ", ") + "]"
	}
	return fmt.Sprintf("%s %s %s", v.Name, v.DType, shape)
}

func mapSize(a Attention) string {
	if a.Height == 0 {
		return "-"
	}
	return fmt.Sprintf("%d×%d", a.Height, a.Width)
}

func numOrDash(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// humanBytes formats a size with binary units, as file managers do.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// errWriter remembers the first write error so the report code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) {
	fmt.Fprintf(e, format, args...)
}
