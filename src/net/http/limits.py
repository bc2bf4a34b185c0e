"""Every size and count limit of the HTTP/1.1 core, as named constants.

Owns numbers only and imports nothing. The values are the ones httpclient.md §9 and
robustness.md §4 fix; each comment says where a value comes from or why it was chosen, so the
reader and the writer share one source and every limit can be tested by crossing it by a byte.
Line limits count the line's bytes including its CRLF (or bare LF), httpclient.md §13.4.
"""

#: Longest status line, line end included (8 KiB: aiohttp's 8190 rounded up; http.client: 64 KiB).
STATUS_LINE_MAX = 8 * 1024

#: Longest field line, its folds joined (64 KiB, http.client's _MAXLINE).
FIELD_LINE_MAX = 64 * 1024

#: Bytes of every head of one exchange, interim heads and each empty line included (256 KiB),
#: so a flood of small 1xx heads fails instead of spinning.
HEAD_BYTES_MAX = 256 * 1024

#: Field lines in one head (256; http.client stops at 100, aiohttp at 128).
FIELDS_MAX = 256

#: Interim 1xx responses skipped for one request (100, the cap http.client adopted in 2026).
INTERIM_MAX = 100

#: Digits in one Content-Length element: 19 digits hold any value up to 2**63-1 and refuse a
#: twentieth before any conversion (robustness.md §3.5).
CONTENT_LENGTH_DIGITS_MAX = 19

#: Largest Content-Length or chunk size: the engine stores lengths in a signed 64-bit int.
LENGTH_VALUE_MAX = 2**63 - 1

#: Longest chunk-size line, extensions and CRLF included (4 KiB; the engine allowed 32 bytes
#: and no extensions at all, http.client 64 KiB).
CHUNK_SIZE_LINE_MAX = 4 * 1024

#: Hex digits in a chunk size: 16 hold any value up to 2**63-1 (robustness.md §3.6).
CHUNK_SIZE_DIGITS_MAX = 16

#: Chunk-extension bytes over a whole body, counted from each ";" to the line end (64 KiB):
#: extensions are skipped unread, so only their volume needs a bound.
CHUNK_EXTENSIONS_MAX = 64 * 1024

#: Longest trailer line, folds joined (64 KiB, the same as a header line).
TRAILER_LINE_MAX = 64 * 1024

#: Trailer fields after the last chunk (256, the same as a head).
TRAILER_FIELDS_MAX = 256

#: Bytes of the trailer section, its closing empty line included (256 KiB, the same as the heads).
TRAILER_BYTES_MAX = 256 * 1024

#: One receive block: the client reads at most this much per stream read, so the receive buffer
#: holds at most a head limit, or read_chunk_size, plus one block (httpclient.md §9).
RECEIVE_BLOCK = 64 * 1024

#: read_chunk_size bounds, inclusive, and the default from the engine's 3.x class reference.
READ_CHUNK_SIZE_MIN = 256
READ_CHUNK_SIZE_MAX = 1 << 24
READ_CHUNK_SIZE_DEFAULT = 4096
