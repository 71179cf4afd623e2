"""The emulator's HTTP side: the Starlette app, per-request plumbing, auth, state and files.

The app is built by :func:`langchain_gigachat_ext.emulator.server.app.build_app`; the routes of
each API version live in :mod:`langchain_gigachat_ext.emulator.api`.
"""
