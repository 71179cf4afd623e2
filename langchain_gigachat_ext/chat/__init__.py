"""The chat data path: call plan → request → dialect (``v1``/``v2``) → stream or result."""
