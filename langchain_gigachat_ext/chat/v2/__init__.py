"""The v2 chat dialect: ``/api/v2/chat/completions`` payload, wire and response."""
