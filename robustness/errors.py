"""One exception family whose messages are written for the user.

Every message says what is wrong, where (file, column, row) and what to do.
Pages show it with ``st.error``; the CLI prints it on one line and exits 2.
"""

from __future__ import annotations


class RobustnessError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing message."""


class DataError(RobustnessError):
    """A data file or table cannot be used as given."""


class ModelError(RobustnessError):
    """A model file cannot be loaded, or the model fails on the data."""


class UntrustedTypesError(ModelError):
    """A .skops file holds types the user has not accepted.

    ``types`` lists them so a UI can offer to trust them one by one.
    """

    def __init__(self, message: str, types: list[str]):
        super().__init__(message)
        self.types = list(types)


class FeatureNamesRequiredError(ModelError):
    """A model takes all features as one matrix and does not record their names.

    ``width`` is the number of columns the model expects (None if unknown).
    """

    def __init__(self, message: str, width: int | None = None):
        super().__init__(message)
        self.width = width


class PickleRefusedError(ModelError):
    """A pickle/joblib file was offered while pickle loading is not allowed."""


class ConfigError(RobustnessError):
    """A configuration value or column role is invalid."""
