"""The emulator's API routes: request validation and answer rendering, per API version."""
