"""Tensors as flightrec stores them: dtype, shape and raw little-endian bytes, bit for bit.

numpy arrays are taken as they are (when numpy is importable); lists, tuples and numbers are
packed with the standard library's ``array`` module. NaN payloads, +-Infinity and -0 survive.
"""
import base64
import sys
from array import array

try:  # numpy is optional: the client works without it
    import numpy as _np
except ImportError:  # pragma: no cover - depends on the machine
    _np = None

# dtype -> (array typecode, bytes per element, numpy dtype string)
DTYPES = {
    "float32": ("f", 4, "<f4"),
    "float64": ("d", 8, "<f8"),
    "int32": ("i", 4, "<i4"),
    "uint8": ("B", 1, "u1"),
    "bool": ("B", 1, "u1"),
}
_NUMPY_KINDS = {"float32": "float32", "float64": "float64", "int32": "int32", "uint8": "uint8", "bool": "bool"}
_BIG_ENDIAN = sys.byteorder == "big"


class Tensor:
    """An immutable tensor: ``dtype`` (float32, float64, int32, uint8, bool), ``shape`` and ``data``
    (raw little-endian bytes, exactly prod(shape) elements)."""

    __slots__ = ("dtype", "shape", "data")

    def __init__(self, dtype, shape, data):
        if dtype not in DTYPES:
            raise ValueError("unknown dtype %r: use one of %s" % (dtype, ", ".join(DTYPES)))
        shape = tuple(int(d) for d in shape)
        n = 1
        for d in shape:
            if d < 0:
                raise ValueError("shape %r has a negative dimension" % (shape,))
            n *= d
        data = bytes(data)
        if len(data) != n * DTYPES[dtype][1]:
            raise ValueError("a %s tensor of shape %r needs %d bytes, got %d" % (dtype, list(shape), n * DTYPES[dtype][1], len(data)))
        self.dtype = dtype
        self.shape = shape
        self.data = data

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def values(self):
        """The elements as a flat list of Python numbers (bools as 0/1 ints)."""
        a = array(DTYPES[self.dtype][0])
        a.frombytes(self.data)
        if _BIG_ENDIAN and a.itemsize > 1:
            a.byteswap()
        return a.tolist()

    def tolist(self):
        """Nested lists in the tensor's shape."""
        flat = self.values()
        if not self.shape:
            return flat[0]
        return _nest(flat, self.shape)

    def numpy(self):
        """A numpy array (needs numpy)."""
        if _np is None:
            raise RuntimeError("numpy is not installed")
        a = _np.frombuffer(self.data, dtype=DTYPES[self.dtype][2]).reshape(self.shape)
        return a.astype(bool) if self.dtype == "bool" else a

    def to_json(self):
        """flightrec's NDJSON tensor marker."""
        return {"$tensor": {"dtype": self.dtype, "shape": list(self.shape), "b64": base64.b64encode(self.data).decode("ascii")}}

    @classmethod
    def from_json(cls, marker):
        t = marker["$tensor"]
        return cls(t["dtype"], t["shape"], base64.b64decode(t["b64"], validate=True))

    def __eq__(self, other):
        return isinstance(other, Tensor) and self.dtype == other.dtype and self.shape == other.shape and self.data == other.data

    def __hash__(self):
        return hash((self.dtype, self.shape, self.data))

    def __repr__(self):
        vals = self.values()
        shown = ", ".join(repr(v) for v in vals[:6]) + (", ..." if len(vals) > 6 else "")
        return "Tensor(%s%s [%s])" % (self.dtype, list(self.shape), shown)


def _nest(flat, shape):
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _flatten(x, shape, out, depth=0):
    # The shape is discovered along the first path down to a number; every other path must agree with it.
    if isinstance(x, (list, tuple)):
        if len(shape) == depth and not out:
            shape.append(len(x))
        elif len(shape) <= depth or shape[depth] != len(x):
            raise ValueError("ragged nested list: a list of length %d at depth %d does not fit shape %r" % (len(x), depth, shape))
        for y in x:
            _flatten(y, shape, out, depth + 1)
    else:
        if depth != len(shape):
            raise ValueError("ragged nested list: a number at depth %d, where depth %d was expected" % (depth, len(shape)))
        out.append(x)


def _infer(flat):
    if not flat:
        return "float32"
    first = type(flat[0])
    if first is float:
        return "float32"
    if first is bool and all(type(v) is bool for v in flat):
        return "bool"
    if first is int and all(type(v) is int for v in flat):
        return "int32"
    return "float32"


def is_array(x):
    """True for numpy arrays and numpy scalars."""
    return _np is not None and isinstance(x, (_np.ndarray, _np.generic))


def tensor(x, dtype=None):
    """A Tensor from a Tensor, a numpy array, nested lists/tuples or a number.

    ``dtype`` converts; without it numpy arrays keep theirs (float16, int64... must be converted
    explicitly) and lists become int32 when all elements are ints, bool when all are bools,
    float32 otherwise (as flightrec's ``f32``).
    """
    if isinstance(x, Tensor):
        return x if dtype is None or dtype == x.dtype else tensor(x.tolist(), dtype)
    if is_array(x):
        arr = _np.asarray(x)
        if dtype is None:
            dtype = _NUMPY_KINDS.get(arr.dtype.name)
            if dtype is None:
                raise TypeError("numpy dtype %s has no flightrec equivalent: pass dtype= (float32, float64, int32, uint8, bool)" % arr.dtype.name)
        elif dtype not in DTYPES:
            raise ValueError("unknown dtype %r" % dtype)
        target = _np.dtype(DTYPES[dtype][2])
        return Tensor(dtype, arr.shape, _np.ascontiguousarray(arr, dtype=target).tobytes())
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (list, tuple)):
        flat, shape = x, [len(x)]  # a flat vector, the common case: no recursion (array() refuses a nested list in it)
    elif isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple)) and x[0] and not isinstance(x[0][0], (list, tuple)):
        m = len(x[0])
        for r in x:
            if len(r) != m:
                raise ValueError("ragged nested list: rows of length %d and %d" % (m, len(r)))
        flat, shape = [v for r in x for v in r], [len(x), m]  # a matrix [N, M]
    else:
        shape, flat = [], []
        _flatten(x, shape, flat)
    dtype = dtype or _infer(flat)
    if dtype not in DTYPES:
        raise ValueError("unknown dtype %r" % dtype)
    code = DTYPES[dtype][0]
    if dtype == "bool":
        flat = [1 if v else 0 for v in flat]
    try:
        a = array(code, flat)
    except TypeError as e:
        raise ValueError("ragged nested list or a value that is not a number (%s)" % e) from None
    if _BIG_ENDIAN and a.itemsize > 1:
        a.byteswap()
    return Tensor(dtype, shape, a.tobytes())


def f32(x):
    return tensor(x, "float32")


def i32(x):
    return tensor(x, "int32")
