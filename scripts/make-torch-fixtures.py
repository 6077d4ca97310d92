#!/usr/bin/env python3
"""Writes the small torch.save-format fixtures the Go tests read, without torch.

torch.save (torch/serialization.py, _save) writes a zip: ARCHIVE/data.pkl is a pickle
(protocol 2 by default) in which every storage is a persistent id
('storage', torch.FloatStorage, key, 'cpu', numel) and its bytes are ARCHIVE/data/KEY;
tensors are torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict()) and parameters torch._utils._rebuild_parameter(tensor, requires_grad,
OrderedDict()). Stand-in modules named `torch` and `torch._utils` make Python's own pickler
write exactly those opcodes. Run from the repository root:

    python3 scripts/make-torch-fixtures.py
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils
torch._utils = utils


def _rebuild_tensor_v2(*args):
    raise RuntimeError("stand-in")


def _rebuild_parameter(*args):
    raise RuntimeError("stand-in")


for f in (_rebuild_tensor_v2, _rebuild_parameter):
    f.__module__ = "torch._utils"
    setattr(utils, f.__name__, f)


def storage_class(name):
    cls = type(name, (), {})
    cls.__module__ = "torch"
    setattr(torch, name, cls)
    return cls


FLOAT, HALF = storage_class("FloatStorage"), storage_class("HalfStorage")


class Storage:
    def __init__(self, cls, values, key):
        self.cls, self.values, self.key = cls, values, key

    def raw(self):
        fmt = "<%d%s" % (len(self.values), "f" if self.cls is FLOAT else "e")
        return struct.pack(fmt, *self.values)


class Tensor:
    def __init__(self, storage, size, stride=None, offset=0):
        if stride is None:
            stride, acc = [], 1
            for d in reversed(size):
                stride.insert(0, acc)
                acc *= d
        self.storage, self.size, self.stride, self.offset = storage, tuple(size), tuple(stride), offset

    def __reduce_ex__(self, proto):
        return (_rebuild_tensor_v2, (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict()))


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def save(path, obj, storages, protocol=2):
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=protocol)
    p.persistent_id = lambda o: ("storage", o.cls, o.key, "cpu", len(o.values)) if isinstance(o, Storage) else None
    p.dump(obj)
    name = os.path.splitext(os.path.basename(path))[0]
    entries = [("data.pkl", buf.getvalue()), ("byteorder", b"little")]
    entries += [("data/" + s.key, s.raw()) for s in storages]
    entries.append(("version", b"3\n"))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for entry, data in entries:  # a fixed date keeps the fixtures byte-identical
            z.writestr(zipfile.ZipInfo(name + "/" + entry, date_time=(1980, 1, 1, 0, 0, 0)), data)


def ramp(n, scale=0.25, shift=-1.0):
    return [i * scale + shift for i in range(n)]


def a1111(name, storage, rows, width):
    return {
        "string_to_token": {"*": 265},
        "string_to_param": {"*": Parameter(Tensor(storage, [rows, width]))},
        "name": name,
        "step": 1500,
        "sd_checkpoint": "cc6cb27103",
        "sd_checkpoint_name": "v1-5-pruned-emaonly",
    }


def main():
    ti, tp = "runtime/textinv/testdata", "runtime/torchpickle/testdata"
    s = Storage(FLOAT, ramp(8), "0")
    save(ti + "/a1111-single.pt", a1111("a1111-single", s, 1, 8), [s])
    s = Storage(HALF, ramp(24, 0.125), "0")
    save(ti + "/a1111-multi-f16.pt", a1111("a1111-multi-f16", s, 3, 8), [s])
    s = Storage(FLOAT, ramp(8, 0.5), "0")
    save(ti + "/learned_embeds.bin", {"<cat-toy>": Tensor(s, [8])}, [s])

    s = Storage(FLOAT, ramp(6), "0")
    h = Storage(HALF, ramp(4, 0.5), "1")
    state = collections.OrderedDict([("w", Tensor(s, [2, 3])), ("t", Tensor(s, [3, 2], [1, 3])), ("h", Tensor(h, [2], [2], 1))])
    save(tp + "/state-dict.pt", state, [s, h])
    save(tp + "/state-dict-p4.pt", state, [s, h], protocol=4)
    save(tp + "/evil-global.pt", {"x": Evil()}, [])
    s = Storage(FLOAT, ramp(4), "0")
    save(tp + "/huge-shape.pt", {"x": Tensor(s, [1 << 40, 1 << 40], [0, 0])}, [s])
    save(tp + "/wide-view.pt", {"x": Tensor(s, [1 << 30, 1 << 30], [0, 0])}, [s])
    save(tp + "/past-storage.pt", {"x": Tensor(s, [2, 3])}, [s])
    lie = Storage(FLOAT, ramp(4), "0")
    lie.values = ramp(4)
    with_lie = {"x": Tensor(lie, [4])}
    save(tp + "/short-storage.pt", with_lie, [Storage(FLOAT, ramp(2), "0")])


if __name__ == "__main__":
    main()
