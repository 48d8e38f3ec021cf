"""The local spool: every event a run emits is appended here before it is sent, so that a server
restart, an outage or this process dying loses nothing. One file per run, ``<run>.spool``, of lines
``<seq>\\t<event JSON>``; beside it ``<run>.acked`` holds the last seq the server acknowledged. A run
whose last event is acknowledged and that has ended is removed. A later Recorder on the same spool
directory sends whatever a dead process left behind."""
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None


def default_spool_dir():
    base = os.environ.get("FLIGHTREC_SPOOL") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "flightrec", "spool")
    return base


class Spool:
    """The spool file of one run, locked while this process owns it."""

    def __init__(self, directory, run_id):
        os.makedirs(directory, exist_ok=True)
        self.path = os.path.join(directory, run_id + ".spool")
        self.acked_path = os.path.join(directory, run_id + ".acked")
        self.file = open(self.path, "ab", buffering=1 << 16)
        if fcntl is not None:
            try:
                fcntl.flock(self.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self.file.close()
                raise
        self.removed = False

    def append(self, seq, line):
        self.file.write(b"%d\t%s\n" % (seq, line))

    def sync(self):
        """Hands what is buffered to the OS (survives this process dying, not a power loss)."""
        self.file.flush()

    def acked(self, seq):
        tmp = self.acked_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(seq))
        os.replace(tmp, self.acked_path)

    def remove(self):
        if self.removed:
            return
        self.removed = True
        self.file.close()
        for p in (self.path, self.acked_path):
            try:
                os.remove(p)
            except FileNotFoundError:
                pass

    def set_aside(self):
        """Keeps a spool the server refused as ``<run>.spool.refused`` (for a person to look at), out of the way of recovery."""
        self.removed = True
        self.file.close()
        os.replace(self.path, self.path + ".refused")

    def close(self):
        if not self.removed and not self.file.closed:
            self.file.flush()
            self.file.close()


def read_acked(acked_path):
    try:
        with open(acked_path) as f:
            return int(f.read().strip() or -1)
    except (FileNotFoundError, ValueError):
        return -1


def read_spooled(path, after):
    """(seq, line) pairs of a spool file with seq > after, in order; a torn last line is dropped."""
    out = []
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # the process died mid-write: that event was never acknowledged to anyone
            tab = raw.find(b"\t")
            if tab <= 0:
                continue
            seq = int(raw[:tab])
            if seq > after:
                out.append((seq, raw[tab + 1:-1]))
    return out
