"""Tiny images for logo tests, built byte by byte (deterministic, no image library)."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 4, height: int = 2, colour: bytes = b"\x0b\x7a\x75") -> bytes:
    """An RGB PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    rows = b"".join(b"\x00" + colour * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
