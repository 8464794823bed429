"""The one error a request handler raises: it becomes an `error` envelope carrying ErrorResponse{message, code}."""

from __future__ import annotations


class RequestError(Exception):
    def __init__(self, message: str, code: int = 500):
        super().__init__(message)
        self.message = message
        self.code = code
