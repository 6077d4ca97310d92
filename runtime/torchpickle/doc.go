// Package torchpickle reads the tensors of a PyTorch checkpoint (torch.save's zip layout:
// ARCHIVE/data.pkl, a pickle, and ARCHIVE/data/KEY, one file of raw little-endian bytes per
// storage) without running any of it.
//
// A pickle is a program for a stack machine whose GLOBAL and REDUCE opcodes import and call
// arbitrary Python callables; Python's pickle module warns never to unpickle untrusted data.
// This package implements the opcodes of protocols 2–5 that build plain data (None, bools,
// ints, floats, strings, bytes, lists, tuples, dicts, the memo) and knows a short allow-list of
// globals — the ones torch.save writes for tensors: torch._utils._rebuild_tensor_v2,
// _rebuild_parameter, the typed storage classes and collections.OrderedDict — which it
// interprets itself. Any other global is refused with one error naming it. Sizes from the
// file (lengths, shapes, storage sizes) are checked against the input and a byte budget
// before anything is allocated.
//
// References: Python's Lib/pickletools.py (the opcode table) and PyTorch's
// torch/serialization.py (_save, _load: persistent ids ('storage', type, key, location,
// numel)) and torch/_utils.py (_rebuild_tensor_v2, _rebuild_parameter).
package torchpickle
