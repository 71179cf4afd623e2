"""Media samples built in tests: an image bomb (a tiny file declaring a huge canvas)."""

from __future__ import annotations

import io
import struct

from PIL import Image


def bomb_gif(width: int, height: int) -> bytes:
    """A GIF of a few dozen bytes whose header declares ``width`` × ``height`` pixels.

    Pillow writes a 1×1 GIF; the logical screen and the first image descriptor are then patched,
    so nothing of the canvas is ever allocated here, and reading the header is all it takes to
    see the size.
    """
    out = io.BytesIO()
    Image.new("P", (1, 1)).save(out, format="GIF")
    data = bytearray(out.getvalue())
    struct.pack_into("<HH", data, 6, width, height)  # logical screen descriptor
    flags = data[10]
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)  # after the colour table
    while data[position] == 0x21:  # extension blocks: label, then sub-blocks up to a 0 length
        position += 2
        while data[position]:
            position += data[position] + 1
        position += 1
    assert data[position] == 0x2C, "no image descriptor"
    struct.pack_into("<HH", data, position + 5, width, height)
    return bytes(data)
