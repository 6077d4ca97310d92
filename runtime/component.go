package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"reflect"
	"time"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/modelfile"
)

// Component is one ONNX graph of a pipeline (text encoder, UNet, VAE…) with its ORT session.
// Sessions are created from the file path, never from bytes, so ORT resolves external weight
// files (weights.pb, model.onnx_data) relative to the model's folder.
type Component struct {
	Name    string
	Path    string
	Inputs  []IOSpec
	Outputs []IOSpec
	sess    *ortgo.DynamicAdvancedSession
	ro      *ortgo.RunOptions // reused: run-terminate is reset before every run
	// fixed feeds inputs the caller never passes: a LoRA-patched graph's merged weights
	// (lora.go), wrapped without copying on every run.
	fixed map[string]Feed
	// ORTTime accumulates the time spent inside ORT's Run, excluding nudge's own tensor
	// conversions, so benchmarks can split a step into ORT and orchestration.
	ORTTime time.Duration
}

// Feed is one input value: float data for float inputs, int data for integer inputs. The
// component converts it to the declared dtype.
type Feed struct {
	Shape []int64
	F     []float32
	I     []int64
}

func openComponent(name, path string, o Options) (*Component, error) {
	if err := modelfile.Check(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, modelError{path, "missing — the model folder has no " + name + " (is this a Stable Diffusion ONNX export?)"}
		}
		return nil, modelError{path, "cannot be opened: " + oneLine(unwrapPathError(err))}
	}
	if name == "unet" {
		adapted, err := adaptScalarF16Timestep(path)
		if err != nil {
			return nil, err
		}
		path = adapted
	}
	ins, outs, err := readIOSpecs(path)
	if err != nil {
		return nil, err
	}
	c := &Component{Name: name, Path: path, Inputs: ins, Outputs: outs}
	c.sess, err = newSession(c, o, true)
	if err != nil && o.CPUFallback && o.Provider != "" && o.Provider != "cpu" {
		c.sess, err = newSession(c, o, false)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newSession(c *Component, o Options, useProvider bool) (*ortgo.DynamicAdvancedSession, error) {
	so, err := sessionOptions(o, useProvider)
	if err != nil {
		return nil, err
	}
	defer so.Destroy()
	s, err := ortgo.NewDynamicAdvancedSession(c.Path, names(c.Inputs), names(c.Outputs), so)
	if err != nil {
		return nil, modelError{c.Path, fmt.Sprintf("onnx runtime cannot load it: %s", oneLine(err))}
	}
	return s, nil
}

func names(specs []IOSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Name
	}
	return out
}

// Input returns the declared input with the given name.
func (c *Component) Input(name string) (IOSpec, bool) { return find(c.Inputs, name) }

// Output returns the declared output with the given name.
func (c *Component) Output(name string) (IOSpec, bool) { return find(c.Outputs, name) }

func find(specs []IOSpec, name string) (IOSpec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return IOSpec{}, false
}

// Run feeds every declared input and returns every output as float32. outShapes gives the
// shape of outputs that must be pre-allocated (float16 outputs: onnxruntime_go copies
// auto-allocated non-native outputs wrongly, docs/references.md "ONNX exports in the wild"), keyed
// by name. Cancelling ctx terminates the run inside ORT, so it lands within one call.
func (c *Component) Run(ctx context.Context, feeds map[string]Feed, outShapes map[string][]int64) (map[string]Tensor, error) {
	ins := make([]ortgo.Value, len(c.Inputs))
	defer destroyAll(ins)
	for i, spec := range c.Inputs {
		f, ok := feeds[spec.Name]
		if !ok {
			f, ok = c.fixed[spec.Name]
		}
		if !ok {
			return nil, fmt.Errorf("%s: no value for input %q", c.Name, spec.Name)
		}
		v, err := toValue(spec, f)
		if err != nil {
			return nil, fmt.Errorf("%s input %s: %w", c.Name, spec.Name, err)
		}
		ins[i] = v
	}
	outs := make([]ortgo.Value, len(c.Outputs))
	defer destroyAll(outs)
	for i, spec := range c.Outputs {
		if spec.DType == Float16 {
			shape, ok := outShapes[spec.Name]
			if !ok {
				shape = spec.Dims
			}
			v, err := ortgo.NewCustomDataTensor(ortgo.NewShape(shape...), make([]byte, 2*Elems(shape)), ortgo.TensorElementDataTypeFloat16)
			if err != nil {
				return nil, fmt.Errorf("%s output %s: %w", c.Name, spec.Name, err)
			}
			outs[i] = v
		}
	}
	if err := c.run(ctx, ins, outs); err != nil {
		return nil, err
	}
	res := make(map[string]Tensor, len(outs))
	for i, spec := range c.Outputs {
		t, err := fromValue(outs[i])
		if err != nil {
			return nil, fmt.Errorf("%s output %s: %w", c.Name, spec.Name, err)
		}
		res[spec.Name] = t
	}
	return res, nil
}

func (c *Component) run(ctx context.Context, ins, outs []ortgo.Value) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.ro == nil {
		ro, err := ortgo.NewRunOptions()
		if err != nil {
			return err
		}
		c.ro = ro
	}
	if err := c.ro.UnsetTerminate(); err != nil {
		return err
	}
	// AfterFunc costs nothing unless ctx is cancelled, so the hot path starts no goroutine.
	stop := context.AfterFunc(ctx, func() { _ = c.ro.Terminate() })
	t0 := time.Now()
	err := c.sess.RunWithOptions(ins, outs, c.ro)
	c.ORTTime += time.Since(t0)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s (%s): %s", c.Name, filepath.Base(filepath.Dir(c.Path)), oneLine(err))
	}
	return nil
}

// Close releases the ORT session.
func (c *Component) Close() {
	if c == nil {
		return
	}
	if c.sess != nil {
		c.sess.Destroy()
		c.sess = nil
	}
	if c.ro != nil {
		c.ro.Destroy()
		c.ro = nil
	}
}

// destroyAll destroys the values that exist. onnxruntime_go can leave a typed nil in an
// output slot (a *CustomDataTensor that failed to build for bfloat16), which a plain nil
// check misses and whose Destroy dereferences nil.
func destroyAll(vs []ortgo.Value) {
	for _, v := range vs {
		if v == nil {
			continue
		}
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			continue
		}
		v.Destroy()
	}
}

// unwrapPathError drops the path an *fs.PathError repeats, since modelError names the file.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func toValue(spec IOSpec, f Feed) (ortgo.Value, error) {
	if len(f.Shape) == 0 {
		return scalarValue(spec, f)
	}
	if len(spec.Dims) != len(f.Shape) {
		return nil, fmt.Errorf("declared rank %d, got shape %v", len(spec.Dims), f.Shape)
	}
	shape := ortgo.NewShape(f.Shape...)
	n := Elems(f.Shape)
	switch spec.DType {
	case Float32, Float16, Float64:
		if len(f.F) != n {
			return nil, fmt.Errorf("expected %d float values for shape %v, got %d", n, f.Shape, len(f.F))
		}
	case Int32, Int64:
		if len(f.I) != n {
			return nil, fmt.Errorf("expected %d integer values for shape %v, got %d", n, f.Shape, len(f.I))
		}
	}
	switch spec.DType {
	case Float32:
		return ortgo.NewTensor(shape, f.F)
	case Float16:
		return ortgo.NewCustomDataTensor(shape, encodeF16(f.F), ortgo.TensorElementDataTypeFloat16)
	case Float64:
		d := make([]float64, n)
		for i, v := range f.F {
			d[i] = float64(v)
		}
		return ortgo.NewTensor(shape, d)
	case Int32:
		d := make([]int32, n)
		for i, v := range f.I {
			d[i] = int32(v)
		}
		return ortgo.NewTensor(shape, d)
	case Int64:
		return ortgo.NewTensor(shape, f.I)
	}
	return nil, errors.New("unsupported element type (nudge handles float32, float16, float64, int32, int64)")
}

func fromValue(v ortgo.Value) (Tensor, error) {
	shape := []int64(v.GetShape())
	switch t := v.(type) {
	case *ortgo.Tensor[float32]:
		return Tensor{Shape: shape, Data: append([]float32(nil), t.GetData()...)}, nil
	case *ortgo.CustomDataTensor:
		if t.DataType() != ortgo.TensorElementDataTypeFloat16 {
			break
		}
		return Tensor{Shape: shape, Data: decodeF16(t.GetData())}, nil
	case *ortgo.Tensor[float64]:
		d := make([]float32, len(t.GetData()))
		for i, x := range t.GetData() {
			d[i] = float32(x)
		}
		return Tensor{Shape: shape, Data: d}, nil
	case *ortgo.Tensor[int64]:
		d := make([]float32, len(t.GetData()))
		for i, x := range t.GetData() {
			d[i] = float32(x)
		}
		return Tensor{Shape: shape, Data: d}, nil
	}
	return Tensor{}, fmt.Errorf("unsupported output type %T", v)
}

func oneLine(err error) string {
	s := err.Error()
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

// scalarValue makes a rank-0 input (Optimum ≥ 1.24 declares timestep as a scalar).
// onnxruntime_go cannot create a rank-0 float16 value; UNets that declare one are adapted
// when opened (adapt.go), so this only refuses other rank-0 float16 inputs.
func scalarValue(spec IOSpec, f Feed) (ortgo.Value, error) {
	switch {
	case spec.DType == Float32 && len(f.F) == 1:
		return ortgo.NewScalar(f.F[0])
	case spec.DType == Float64 && len(f.F) == 1:
		return ortgo.NewScalar(float64(f.F[0]))
	case spec.DType == Int64 && len(f.I) == 1:
		return ortgo.NewScalar(f.I[0])
	case spec.DType == Int32 && len(f.I) == 1:
		return ortgo.NewScalar(int32(f.I[0]))
	}
	return nil, fmt.Errorf("a rank-0 %s input is not supported", spec.DType)
}
