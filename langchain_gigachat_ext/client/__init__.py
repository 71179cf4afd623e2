"""Reaching GigaChat: connection settings, access tokens, transport, retries, the SDK fence."""
