"""Errors a user can fix: the CLI prints them as one line in words and exits non-zero, never a traceback."""


class UserError(Exception):
    """Bad input from the person at the keyboard: a missing path, a malformed date, a file that is not a warehouse."""


class WarehouseUnreadable(UserError, FileNotFoundError):
    """The warehouse file is missing or is not a DuckDB database."""


class SettingError(UserError, ValueError):
    """An environment variable whose value cannot be used (a date that is not YYYY-MM-DD, an end before the start)."""
