"""Errors the client raises."""


class FlightrecClientError(Exception):
    """A problem the caller must fix: no server URL, a batch the server refused (its message names
    the line, the field and the value), a run that was already ended."""

    def __init__(self, message, code=None, details=None):
        super().__init__(message)
        self.code = code
        self.details = details or {}
