"""flightrec's Python client: record a Python agent into ``flightrec serve``, standard library only."""
from .agent import AgentRecorder
from .encoding import decode_value, encode_value
from .env import RecordedEnv
from .errors import FlightrecClientError
from .recorder import Recorder, Run, new_run_id
from .tensors import Tensor, f32, i32, tensor

__all__ = ["AgentRecorder", "FlightrecClientError", "RecordedEnv", "Recorder", "Run", "Tensor", "decode_value", "encode_value", "f32", "i32", "new_run_id", "tensor"]
__version__ = "0.1.0"
