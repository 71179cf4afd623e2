"""LangChain integration for Sber GigaChat."""

from langchain_gigachat_ext._version import __version__

__all__ = ["__version__"]
