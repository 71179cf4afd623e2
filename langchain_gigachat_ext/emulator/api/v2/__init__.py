"""``/api/v2/chat/completions``: content parts, several calls, built-in tools, named SSE events."""
