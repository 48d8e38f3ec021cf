"""Payload values in flightrec's NDJSON encoding (the same as ``flightrec export``).

JSON has no tensors and no NaN, +-Infinity or -0: tensors become ``{"$tensor": {dtype, shape, b64}}``,
those numbers ``{"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}`` (a NaN other than the canonical one
carries its 64 bits), and an object that itself uses a marker key is wrapped in ``{"$obj": ...}``.
"""
import math
import struct

from .tensors import Tensor, is_array, tensor

MARKER_KEYS = frozenset(("$tensor", "$num", "$obj"))
_CANONICAL_NAN = 0x7FF8000000000000


def encode_float(x):
    if x != x:
        bits = struct.unpack(">Q", struct.pack(">d", x))[0]
        return {"$num": "NaN"} if bits == _CANONICAL_NAN else {"$num": "NaN", "bits": "%016x" % bits}
    if x == math.inf:
        return {"$num": "Infinity"}
    if x == -math.inf:
        return {"$num": "-Infinity"}
    if x == 0.0 and math.copysign(1.0, x) < 0:
        return {"$num": "-0"}
    return x


def encode_value(v):
    """A Python payload value as JSON-ready data."""
    if isinstance(v, Tensor):
        return v.to_json()
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return encode_float(v)
    if isinstance(v, dict):
        out = {}
        marked = False
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError("payload keys must be strings, got %r" % (k,))
            out[k] = encode_value(x)
            if k in MARKER_KEYS:
                marked = True
        return {"$obj": out} if marked else out
    if isinstance(v, (list, tuple)):
        return [encode_value(x) for x in v]
    if is_array(v):
        if getattr(v, "ndim", 0) == 0:
            return encode_value(v.item())
        return tensor(v).to_json()
    raise TypeError("cannot record a %s in a payload (use numbers, strings, lists, dicts, Tensors or numpy arrays)" % type(v).__name__)


_SPECIAL = {"Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}


def decode_value(v):
    """Inverse of encode_value: tensors come back as Tensor, special numbers as floats."""
    if isinstance(v, list):
        return [decode_value(x) for x in v]
    if not isinstance(v, dict):
        return v
    if "$tensor" in v:
        return Tensor.from_json(v)
    if "$num" in v:
        name = v["$num"]
        if name == "NaN":
            bits = int(v.get("bits", "%016x" % _CANONICAL_NAN), 16)
            return struct.unpack(">d", struct.pack(">Q", bits))[0]
        return _SPECIAL[name]
    if "$obj" in v:
        return {k: decode_value(x) for k, x in v["$obj"].items()}
    return {k: decode_value(x) for k, x in v.items()}
