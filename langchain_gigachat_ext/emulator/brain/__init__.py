"""The emulator's deterministic model: reads the request's schema and conversation, answers.

No HTTP here: :mod:`.core` holds the contract (:class:`Conversation` in, :class:`Reply` out) and
:class:`Brain`; the other modules are its faculties (facts, language, schema filling, regexes,
tokens, vectors, built-in tools).
"""

from langchain_gigachat_ext.emulator.brain.core import Brain, Conversation, Reply, Turn

__all__ = ["Brain", "Conversation", "Reply", "Turn"]
