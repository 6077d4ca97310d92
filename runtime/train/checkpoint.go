package train

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nudge-studio/nudge/runtime/safetensors"
)

// checkpointFormat names the layout below; LoadCheckpoint refuses others.
const checkpointFormat = "nudge-train/1"

// A checkpoint is a safetensors file with tensors param/<name>, adam_m/<name>, adam_v/<name>
// and (with EMA) ema/<name>, all F32, and metadata format, step and params (a JSON list of
// the parameter names, in order). With the Trainer's settings and a deterministic Source
// that is everything the next step reads, so a resumed run continues bit for bit.

// SaveCheckpoint writes the trainer's state to path atomically: a temporary file in the same
// folder, fsync, rename over path, fsync of the folder. If anything fails the previous file
// at path is untouched.
func (t *Trainer) SaveCheckpoint(path string) error {
	t.ensureState()
	return saveAtomic(path, osCreateTemp, t.writeCheckpoint)
}

func (t *Trainer) writeCheckpoint(w io.Writer) error {
	return safetensors.Write(w, t.checkpointTensors(), t.checkpointMetadata())
}

func (t *Trainer) checkpointTensors() map[string]safetensors.Tensor {
	out := map[string]safetensors.Tensor{}
	for i, name := range t.Graph.Params {
		dims := t.Graph.Dims(i)
		out["param/"+name] = safetensors.FromFloat32(dims, t.Graph.Value(i))
		out["adam_m/"+name] = safetensors.FromFloat32(dims, t.m[i])
		out["adam_v/"+name] = safetensors.FromFloat32(dims, t.v[i])
		if t.ema != nil {
			out["ema/"+name] = safetensors.FromFloat32(dims, t.ema[i])
		}
	}
	return out
}

func (t *Trainer) checkpointMetadata() map[string]string {
	names, _ := json.Marshal(t.Graph.Params)
	return map[string]string{"format": checkpointFormat, "step": strconv.Itoa(t.step), "params": string(names)}
}

// LoadCheckpoint restores parameters, moments, EMA and the step count from a file written
// by SaveCheckpoint for the same parameters.
func (t *Trainer) LoadCheckpoint(path string) error {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	if got := f.Metadata["format"]; got != checkpointFormat {
		return inputErrorf("%s: not a nudge training checkpoint (format %q, want %q)", path, got, checkpointFormat)
	}
	step, err := strconv.Atoi(f.Metadata["step"])
	if err != nil || step < 0 {
		return inputErrorf("%s: bad step %q in the checkpoint", path, f.Metadata["step"])
	}
	t.ensureState()
	if t.EMADecay > 0 && len(f.Tensors) != 4*len(t.Graph.Params) || t.EMADecay == 0 && len(f.Tensors) != 3*len(t.Graph.Params) {
		return inputErrorf("%s: holds %d tensors, not the state of these %d parameters (with EMA %v)", path, len(f.Tensors), len(t.Graph.Params), t.EMADecay > 0)
	}
	for i, name := range t.Graph.Params {
		dst := map[string][]float32{"param/": t.Graph.Value(i), "adam_m/": t.m[i], "adam_v/": t.v[i]}
		if t.ema != nil {
			dst["ema/"] = t.ema[i]
		}
		for prefix, d := range dst {
			st, ok := f.Tensors[prefix+name]
			if !ok {
				return inputErrorf("%s: no tensor %q — the checkpoint is of other parameters", path, prefix+name)
			}
			if err := st.Float32s(d); err != nil {
				return inputErrorf("%s: tensor %q: %v", path, prefix+name, err)
			}
		}
	}
	t.step = step
	return nil
}

// tempFile is what saveAtomic writes through; *os.File in production, a failing writer in
// the full-disk test.
type tempFile interface {
	io.Writer
	Sync() error
	Close() error
	Name() string
}

func osCreateTemp(dir, pattern string) (tempFile, error) { return os.CreateTemp(dir, pattern) }

// saveAtomic writes a file by temp + fsync + rename, removing the temp file on any error.
func saveAtomic(path string, create func(dir, pattern string) (tempFile, error), write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := create(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return errors.Join(inputErrorf("saving checkpoint %s failed; the previous checkpoint is intact", path), err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // make the rename durable; not every file system supports it, so no error
		d.Close()
	}
	return nil
}
