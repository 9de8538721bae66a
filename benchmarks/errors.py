"""User-facing errors: the CLI prints them as one line and exits with status 2."""

from datasets.base import DataError
from methods.core.base import MethodError


class UsageError(Exception):
    """Bad command-line input: an unknown suite, a malformed option."""


USER_ERRORS = (UsageError, DataError, MethodError)
