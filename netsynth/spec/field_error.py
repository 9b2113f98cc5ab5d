"""The error a cross-field spec check raises, carrying the path of the field it is about."""

from __future__ import annotations


class FieldError(ValueError):
    """A problem found across fields, with the path of the field it belongs to."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
