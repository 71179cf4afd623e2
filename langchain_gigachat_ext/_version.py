"""Package version, kept in step with pyproject.toml (checked by a unit test)."""

__version__ = "0.2.0"
