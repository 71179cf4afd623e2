"""The emulator's deterministic model: reads the request's schema and conversation, answers.

:class:`Brain` (in :mod:`.core`) decides between text, function calls, structured output and
built-in tools; the other modules are its faculties (facts, language, schema filling, ...).
"""

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn

__all__ = ["Brain", "Conversation", "Reply", "Turn"]
