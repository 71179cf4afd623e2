"""The emulator's API routes: request validation and answer rendering, per API version.

:mod:`.v1` and :mod:`.v2` hold each version's body shapes; what both share sits here: the
request rules (:mod:`.rules`) and the chat answer with its stream faults (:mod:`.answer`).
"""
