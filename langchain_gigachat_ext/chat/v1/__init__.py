"""The v1 chat dialect: ``/api/v1/chat/completions`` payload, wire and response."""
