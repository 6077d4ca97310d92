package session

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/nudge-studio/nudge/imagefile"
)

// Env is the environment a verification re-renders in, compared with what each history
// entry recorded to explain mismatches.
type Env struct {
	Fingerprint string // combined model fingerprint now
	ORTVersion  string
	Provider    string
	Precision   string
}

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Render re-renders one history entry from its parameters. nudge's engine provides it;
	// this package cannot render.
	Render func(ctx context.Context, snap Snapshot) (image.Image, error)
	Env    Env
	// Dir is the session file's folder; entry outputs are relative to it.
	Dir string
}

// Verify re-renders every history entry and compares ImageHash of the new pixels with the
// recorded image_sha256. It writes a table (entry, result, max and mean absolute difference
// per 8-bit channel against the saved output, when that file is readable) and, under each
// mismatch, what differs between then and now (model fingerprint, ORT version, provider,
// precision). allMatch is true only if every entry matched; err is for failures of
// Verify itself (nothing to verify, cancellation, writing the table).
func Verify(ctx context.Context, s *Session, opts VerifyOptions, w io.Writer) (allMatch bool, err error) {
	if len(s.History) == 0 {
		return false, &InputError{What: "the session has no history entries to verify",
			Hint: "render and save at least once first"}
	}
	allMatch = true
	table := [][]string{{"entry", "time", "result", "max diff", "mean diff"}}
	var details [][]string
	for i, snap := range s.History {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		row := verifyEntry(ctx, snap, opts)
		allMatch = allMatch && row.match
		table = append(table, []string{fmt.Sprint(i), snap.Time.Format("2006-01-02 15:04:05"),
			Sanitize(row.result), row.maxDiff, row.meanDiff})
		details = append(details, row.details)
	}
	return allMatch, writeVerifyTable(w, table, details)
}

// writeVerifyTable prints aligned columns, each row followed by its indented details.
func writeVerifyTable(w io.Writer, table, details [][]string) error {
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for c, cell := range row {
			widths[c] = max(widths[c], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for r, row := range table {
		var line strings.Builder
		for c, cell := range row {
			fmt.Fprintf(&line, "%-*s  ", widths[c], cell)
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
		if r > 0 {
			for _, d := range details[r-1] {
				b.WriteString("      " + Sanitize(d) + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type verifyRow struct {
	match             bool
	result            string
	maxDiff, meanDiff string
	details           []string
}

func verifyEntry(ctx context.Context, snap Snapshot, opts VerifyOptions) verifyRow {
	row := verifyRow{result: "mismatch", maxDiff: "-", meanDiff: "-"}
	img, err := opts.Render(ctx, snap)
	if err != nil {
		row.result = "error: " + err.Error()
		return row
	}
	row.match = ImageHash(img) == snap.ImageSHA256
	if row.match {
		row.result = "match"
	}
	if saved, err := loadSavedOutput(opts.Dir, snap); err == nil {
		if d, ok := pixelDiff(saved, img); ok {
			row.maxDiff, row.meanDiff = fmt.Sprintf("%d", d.max), fmt.Sprintf("%.4f", d.mean)
		} else {
			row.details = append(row.details, "size differs from the saved output")
		}
		if ImageHash(saved) != snap.ImageSHA256 {
			row.details = append(row.details, "the saved output no longer matches its recorded hash")
		}
	} else if snap.Output != "" {
		row.details = append(row.details, "saved output unreadable, no pixel diff: "+err.Error())
	}
	if !row.match {
		row.details = append(row.details, envDiffs(snap.Params, opts.Env)...)
	}
	return row
}

// envDiffs lists what differs between the recorded and the current environment.
func envDiffs(p Params, env Env) []string {
	var out []string
	diff := func(what, then, now string) {
		if then != now {
			out = append(out, fmt.Sprintf("%s: recorded %s, now %s", what, orNone(then), orNone(now)))
		}
	}
	diff("model fingerprint", short(p.Model.Fingerprint), short(env.Fingerprint))
	diff("ORT version", p.Runtime.ORTVersion, env.ORTVersion)
	diff("provider", p.Runtime.Provider, env.Provider)
	diff("precision", p.Runtime.Precision, env.Precision)
	if len(out) == 0 {
		out = append(out, "model, ORT version, provider and precision are all the same")
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func short(hash string) string { return hash[:min(12, len(hash))] }

func loadSavedOutput(dir string, snap Snapshot) (image.Image, error) {
	if snap.Output == "" {
		return nil, os.ErrNotExist
	}
	img, _, err := imagefile.DecodeFile(filepath.Join(dir, filepath.FromSlash(snap.Output)))
	return img, err
}

type diffStats struct {
	max  int
	mean float64
}

// pixelDiff compares two images of the same size per 8-bit NRGBA channel.
func pixelDiff(a, b image.Image) (diffStats, bool) {
	ab, bb := a.Bounds(), b.Bounds()
	if ab.Dx() != bb.Dx() || ab.Dy() != bb.Dy() {
		return diffStats{}, false
	}
	var d diffStats
	var sum float64
	for y := 0; y < ab.Dy(); y++ {
		for x := 0; x < ab.Dx(); x++ {
			ca := color.NRGBAModel.Convert(a.At(ab.Min.X+x, ab.Min.Y+y)).(color.NRGBA)
			cb := color.NRGBAModel.Convert(b.At(bb.Min.X+x, bb.Min.Y+y)).(color.NRGBA)
			for _, v := range [4]int{absDiff(ca.R, cb.R), absDiff(ca.G, cb.G), absDiff(ca.B, cb.B), absDiff(ca.A, cb.A)} {
				d.max = max(d.max, v)
				sum += float64(v)
			}
		}
	}
	if n := 4 * ab.Dx() * ab.Dy(); n > 0 {
		d.mean = sum / float64(n)
	}
	return d, true
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}
