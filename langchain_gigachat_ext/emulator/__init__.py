"""Local, wire-faithful GigaChat emulator (public API filled in by the emulator work)."""
