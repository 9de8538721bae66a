"""User-facing errors: the CLI prints them as one line and exits with status 2."""

from datasets.base import DataError
from methods.core.base import MethodError


class UsageError(Exception):
    """Bad command-line input: an unknown suite, a malformed option."""


class ClusterError(Exception):
    """The Dask cluster cannot run the cells: no worker, workers without this code, lost workers."""


class RunFolderError(Exception):
    """The run folder cannot be written (disk full, no permission): the run stops, finished cells stay."""


USER_ERRORS = (UsageError, DataError, MethodError, ClusterError, RunFolderError)
