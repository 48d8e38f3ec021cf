"""Serves a Python agent's components to ``flightrec replay`` over stdin/stdout.

    python3 -m flightrec_client.serve_components <module or path.py>:<factory>

flightrec starts this for a run whose run.started names ``agent: "python:<module>:<factory>"``,
in the run's recorded working directory, and speaks the line protocol described in
clients/python/PROTOCOL.md: one JSON object per line, tensors as ``{"$tensor": {dtype, shape,
b64}}`` (raw little-endian bytes, bit for bit). The protocol owns stdout: anything the agent
prints goes to stderr instead.

The factory is called with a dict (env, config, seed, discount, observation_spec, action_spec)
and returns the components: a dict by role, a list of components, or a dict
``{"components": ..., "arrays": "lists" | "numpy" | "tensors"}`` (what the components are given:
nested lists, the default, numpy arrays, or flightrec_client Tensors as they came, bit for bit). Components are the objects the recorder wraps (see agent.py);
to be replayed past their first update they implement ``apply_update(update)``, and to load a
checkpoint ``load_checkpoint(ckpt)`` / ``save_checkpoint()``.
"""
import importlib
import importlib.util
import os
import sys

from .component_server import ComponentServer, ProtocolError


def load_factory(spec, cwd=None):
    """``module:function`` or ``path/to/file.py:function`` (relative to ``cwd``) -> the function."""
    where, sep, name = spec.rpartition(":")
    if not sep or not where or not name:
        raise ValueError("expected <module>:<factory> or <path.py>:<factory>, got %r" % (spec,))
    cwd = cwd or os.getcwd()
    if where.endswith(".py") or os.sep in where or "/" in where:
        path = os.path.join(cwd, where)
        if not os.path.isfile(path):
            raise FileNotFoundError("no Python file at %s (relative paths are resolved against %s)" % (path, cwd))
        mod_name = "_flightrec_agent_" + os.path.splitext(os.path.basename(path))[0]
        spec_ = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec_)
        sys.modules[mod_name] = module
        spec_.loader.exec_module(module)
    else:
        if cwd not in sys.path:
            sys.path.insert(0, cwd)
        module = importlib.import_module(where)
    factory = getattr(module, name, None)
    if not callable(factory):
        raise AttributeError("%s has no function %r" % (where, name))
    return factory


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write("usage: python3 -m flightrec_client.serve_components <module or path.py>:<factory>\n")
        return 2
    out = sys.stdout.buffer
    inp = sys.stdin.buffer
    sys.stdout = sys.stderr  # the protocol owns stdout; the agent's prints go to stderr
    try:
        factory = load_factory(argv[0])
    except Exception as e:
        sys.stderr.write("flightrec_client.serve_components: cannot load %s: %s: %s\n" % (argv[0], type(e).__name__, e))
        return 3
    try:
        ComponentServer(factory, inp, out).serve()
    except EOFError:
        return 0  # flightrec went away in the middle of a call: nothing is left to answer
    except ProtocolError as e:
        sys.stderr.write("flightrec_client.serve_components: protocol error: %s\n" % e)
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
