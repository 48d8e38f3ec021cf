"""flightrec's Python client: record a Python agent into ``flightrec serve``, and serve its
components to ``flightrec replay`` (``python3 -m flightrec_client.serve_components``); standard library only."""
from .agent import AgentRecorder
from .encoding import decode_value, encode_value
from .env import RecordedEnv
from .errors import FlightrecClientError
from .recorder import Recorder, Run, new_run_id
from .rng import SeededRng
from .tensors import Tensor, f32, i32, tensor

__all__ = ["AgentRecorder", "FlightrecClientError", "RecordedEnv", "Recorder", "Run", "SeededRng", "Tensor", "decode_value", "encode_value", "f32", "i32", "new_run_id", "tensor"]
__version__ = "0.1.0"
