"""``/api/v1``: chat completions (JSON and SSE), embeddings, their validation and rendering."""
