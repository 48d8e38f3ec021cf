"""SeededRng: flightrec's xoshiro128** generator, draw for draw (src/random/seeded-rng.ts).

A Python agent that draws from it records ``rng.state()`` (32 hex digits) in each decision, and
replay hands its planner ``SeededRng.from_state(...)`` of that state, so a decision's randomness is
reproduced exactly; a TypeScript planner swapped in draws the same numbers from the same state.
"""
import re

_MASK = 0xFFFFFFFF
_STATE = re.compile(r"^[0-9a-f]{32}$")


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & _MASK


def _hash_string(s):
    # FNV-1a over UTF-16 code units, as the TypeScript one hashes charCodeAt.
    h = 0x811C9DC5
    data = s.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | (data[i + 1] << 8)
        h = (h * 0x01000193) & _MASK
    return h


class SeededRng:
    __slots__ = ("s",)

    def __init__(self, words):
        self.s = [w & _MASK for w in words]

    @classmethod
    def from_seed(cls, seed):
        x = (seed & _MASK) if isinstance(seed, int) else _hash_string(seed)
        s = []
        for _ in range(4):
            x = (x + 0x9E3779B9) & _MASK
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & _MASK
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & _MASK
            s.append((z ^ (z >> 16)) & _MASK)
        if not any(s):
            s[0] = 1
        return cls(s)

    @classmethod
    def from_state(cls, state):
        if not isinstance(state, str) or not _STATE.match(state):
            raise ValueError("rng state must be 32 lowercase hex digits, got %r" % (state,))
        return cls([int(state[i * 8:i * 8 + 8], 16) for i in range(4)])

    def state(self):
        return "".join("%08x" % w for w in self.s)

    def clone(self):
        return SeededRng(self.s)

    def fork(self, label):
        return SeededRng.from_seed((self.next_u32() ^ _hash_string(label)) & _MASK)

    def next_u32(self):
        s = self.s
        result = (_rotl((s[1] * 5) & _MASK, 7) * 9) & _MASK
        t = (s[1] << 9) & _MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def uniform(self):
        hi = self.next_u32() >> 5
        lo = self.next_u32() >> 6
        return (hi * 67108864 + lo) / 9007199254740992

    def int(self, n):
        if not isinstance(n, int) or n <= 0:
            raise ValueError("int(n): n must be a positive integer, got %r" % (n,))
        return int(self.uniform() * n)

    def categorical(self, weights):
        total = 0.0
        for w in weights:
            total += w
        r = self.uniform() * total
        for i, w in enumerate(weights):
            r -= w
            if r < 0:
                return i
        return len(weights) - 1
