"""The client's version: the one place it lives. ``pyproject.toml`` reads it from here, and the
client names it to the service in each request's ``User-Agent``."""

__version__ = "0.1.0"
