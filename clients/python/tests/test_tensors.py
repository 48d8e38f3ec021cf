import math
import struct
import unittest

from flightrec_client import Tensor, decode_value, encode_value, tensor
from flightrec_client.tensors import is_array

try:
    import numpy as np
except ImportError:
    np = None


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


class TensorTest(unittest.TestCase):
    def test_lists_infer_shape_and_dtype(self):
        t = tensor([[1.5, 2.0], [3.0, -0.0]])
        self.assertEqual((t.dtype, t.shape), ("float32", (2, 2)))
        self.assertEqual(t.data, struct.pack("<4f", 1.5, 2.0, 3.0, -0.0))
        self.assertEqual(tensor([1, 2, 3]).dtype, "int32")
        self.assertEqual(tensor([True, False]).dtype, "bool")
        self.assertEqual(tensor([True, False]).data, b"\x01\x00")
        self.assertEqual(tensor(2.5).shape, ())
        self.assertEqual(tensor([[]]).shape, (1, 0))

    def test_ragged_lists_are_refused(self):
        with self.assertRaisesRegex(ValueError, "ragged"):
            tensor([[1, 2], [3]])
        with self.assertRaisesRegex(ValueError, "ragged"):
            tensor([1, [2]])

    def test_special_floats_survive_bit_for_bit(self):
        values = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1e-45, 3.4028234663852886e38]
        t = tensor(values, "float64")
        back = t.values()
        for a, b in zip(values, back):
            self.assertEqual(struct.pack("<d", a), struct.pack("<d", b))
        # A NaN with its sign bit set (x86's default NaN) keeps it through float32 too.
        neg_nan = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]
        self.assertEqual(f32_bits(tensor([neg_nan]).values()[0]), 0xFFC00000)

    def test_json_marker_round_trip_is_exact(self):
        for t in [tensor([1.0, math.nan, -0.0]), tensor([[1, 2]], "int32"), tensor([255, 0], "uint8"), tensor([True], "bool"), Tensor("float32", (0, 3), b"")]:
            marker = t.to_json()
            self.assertEqual(set(marker), {"$tensor"})
            self.assertEqual(Tensor.from_json(marker), t)

    def test_wrong_sizes_and_dtypes_are_refused(self):
        with self.assertRaisesRegex(ValueError, "needs 8 bytes"):
            Tensor("float32", (2,), b"\x00" * 4)
        with self.assertRaisesRegex(ValueError, "unknown dtype"):
            tensor([1.0], "float16")

    @unittest.skipIf(np is None, "numpy is not installed on this machine (the list path is tested above)")
    def test_numpy_arrays_keep_their_bytes(self):
        a = np.array([[1.25, np.nan], [-0.0, np.inf]], dtype=np.float32)
        t = tensor(a)
        self.assertTrue(is_array(a))
        self.assertEqual((t.dtype, t.shape, t.data), ("float32", (2, 2), a.astype("<f4").tobytes()))
        self.assertTrue(np.array_equal(t.numpy(), a, equal_nan=True))
        self.assertEqual(tensor(np.arange(3, dtype=np.int32)).dtype, "int32")
        big = np.array([1.5, 2.5], dtype=">f8")  # a big-endian array is stored little-endian
        self.assertEqual(tensor(big).data, struct.pack("<2d", 1.5, 2.5))
        with self.assertRaisesRegex(TypeError, "int64"):
            tensor(np.arange(3, dtype=np.int64))
        self.assertEqual(tensor(np.arange(3, dtype=np.int64), "int32").data, struct.pack("<3i", 0, 1, 2))
        self.assertEqual(encode_value({"x": np.float32(1.5), "y": np.int64(3)}), {"x": 1.5, "y": 3})


class EncodingTest(unittest.TestCase):
    def test_special_numbers_become_markers(self):
        self.assertEqual(encode_value(math.nan), {"$num": "NaN"})
        self.assertEqual(encode_value(-0.0), {"$num": "-0"})
        self.assertEqual(encode_value([math.inf, -math.inf]), [{"$num": "Infinity"}, {"$num": "-Infinity"}])
        odd_nan = struct.unpack(">d", struct.pack(">Q", 0xFFF8000000000001))[0]
        self.assertEqual(encode_value(odd_nan), {"$num": "NaN", "bits": "fff8000000000001"})
        self.assertEqual(struct.pack(">d", decode_value(encode_value(odd_nan))), struct.pack(">d", odd_nan))

    def test_objects_using_marker_keys_are_wrapped(self):
        v = {"$tensor": 1, "a": [1, 2.5, None, True, "s"]}
        enc = encode_value(v)
        self.assertEqual(enc, {"$obj": {"$tensor": 1, "a": [1, 2.5, None, True, "s"]}})
        self.assertEqual(decode_value(enc), v)

    def test_random_payloads_round_trip(self):
        import random
        rng = random.Random(7)
        specials = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.0, -1.5, 2 ** 53, 0.1]

        def value(depth):
            k = rng.randrange(7 if depth < 4 else 4)
            if k == 0:
                return rng.choice(specials)
            if k == 1:
                return rng.randrange(-10 ** 6, 10 ** 6)
            if k == 2:
                return rng.choice([None, True, False, "", "x", "$num"])
            if k == 3:
                return tensor([rng.choice(specials) for _ in range(rng.randrange(4))], rng.choice(["float32", "float64"]))
            if k == 4:
                return [value(depth + 1) for _ in range(rng.randrange(3))]
            return {rng.choice(["a", "b", "$obj", "$tensor", "$num"]): value(depth + 1) for _ in range(rng.randrange(3))}

        def same(a, b):
            if isinstance(a, float):
                return isinstance(b, float) and struct.pack(">d", a) == struct.pack(">d", b)
            if isinstance(a, list):
                return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
            if isinstance(a, dict):
                return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
            return a == b and type(a) is type(b)

        import json
        for _ in range(500):
            v = value(0)
            text = json.dumps(encode_value(v), allow_nan=False)
            self.assertTrue(same(decode_value(json.loads(text)), v), v)


if __name__ == "__main__":
    unittest.main()
