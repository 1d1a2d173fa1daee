"""Duplicate IDs over a whole file in bounded memory.

The IDs of a file are checked chunk by chunk as 64-bit hashes of their UTF-8 bytes
(:func:`text_hashes`, the same in every process).
Up to :data:`ID_MEMORY_BUDGET` distinct IDs are kept in memory, each with the row where it
first appeared, in one open-addressing table (:class:`HashTable`, 12 bytes a slot). Once it
is full, the IDs of later chunks are still looked up there (a hit is a duplicate, named at
once), and the others are written to a temporary directory: ``(hash, row, offset, length)``
records in one file per range of hash values, and the ID text in one more file. At the end
each of those files is read in turn, in blocks, and every ID found there before is named with
the row of its first occurrence, after comparing the ID texts (not only their hashes).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import numpy as np

__all__ = [
    "ID_MEMORY_BUDGET",
    "NEW",
    "SPILLED",
    "DuplicateIds",
    "HashTable",
    "hash_texts",
    "text_hashes",
    "utf8_with_offsets",
]

# Distinct IDs kept in memory: a table of 2M slots (at most half full), 24 MB, made at this
# size from the start, so memory does not grow with the file (numpy's zeroed pages are only
# touched as IDs arrive). A file with more distinct IDs (more than about 300 MB of AED-shaped
# CSV) writes the others to disk, about 45 bytes an ID, and reads them back at the end. The
# budget is as large as it is because a smaller one costs CPU on files of ordinary size,
# which would then spill (benchmarks/README.md).
ID_MEMORY_BUDGET = 1 << 20
# Where the temporary directory for the other IDs is made (None: the system's default).
SPILL_DIR: str | None = None

NEW = -1  # by DuplicateIds.add: the first occurrence, kept in memory
SPILLED = -2  # by DuplicateIds.add: not in memory; the caller passes it to spill()

_BUCKET_BITS = 6  # 64 files of records, by the top bits of the hash
_READ_BLOCK = 1 << 18  # records read at a time at the end (8 MB)
_MAX_ROW = np.iinfo(np.int32).max  # rows are kept as int32 in the table
_RECORD = np.dtype([("hash", "<i8"), ("row", "<i8"), ("offset", "<i8"), ("length", "<i8")])
_NO_KEYS = np.zeros(0, dtype=np.int64)
_NO_ROWS = np.zeros(0, dtype=np.int32)
_REINSERT = 1 << 16  # keys moved at a time when the table grows (bounds the temporaries)


# Tabulation hashing: a random 64-bit number for each (position, byte) pair, XORed over a
# value's bytes, then one for its length. Computed with numpy over a whole column at once
# (Python's hash() costs a string object, and a big integer turned back into 64 bits, for
# every ID), and the same in every process whatever PYTHONHASHSEED says. Simple tabulation
# is 3-independent: any three different IDs get independent, uniform hashes.
_HASH_POSITIONS = 256  # bytes hashed by the table; longer IDs are hashed with BLAKE2b
_SHORT = 64  # values up to this long are hashed position by position, as a matrix
# A row a position, a column a byte value, and a last column of zeros (the "byte" past a
# value's end); the last row is by length (mod 256).
_HASH_TABLE = (
    np.random.default_rng(0x4B616E6D696E)
    .integers(0, 1 << 64, size=(_HASH_POSITIONS + 1, 257), dtype=np.uint64, endpoint=False)
    .view(np.int64)
)
_HASH_TABLE[:, 256] = 0
_LENGTHS = _HASH_TABLE[_HASH_POSITIONS, :256]
_FLAT = np.ascontiguousarray(_HASH_TABLE[:_HASH_POSITIONS, :256]).reshape(-1)


def text_hashes(data: bytes, offsets: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """64-bit hashes of the UTF-8 values ``data[offsets[i]:offsets[i + 1]]``."""
    offsets = np.asarray(offsets, dtype=np.int64)
    n = len(offsets) - 1
    if n <= 0:
        return _NO_KEYS
    lo, hi = int(offsets[0]), int(offsets[-1])
    raw = np.frombuffer(data, dtype=np.uint8)[lo:hi]
    starts = offsets[:-1] - lo
    lengths = np.diff(offsets)
    out = np.take(_LENGTHS, lengths & 255)
    longest = int(lengths.max())
    if longest == 0:
        return out
    if longest <= _SHORT:
        # A matrix, a value a row, read a column (one position) at a time.
        if int(lengths.min()) == longest:  # codes, most IDs: no copy
            cells: np.ndarray[Any, Any] = raw.reshape(n, longest)
        else:
            at = np.arange(longest, dtype=np.int32)
            first = starts.astype(np.int32)[:, None]
            inside = at < lengths.astype(np.int32)[:, None]
            where = first + at
            np.minimum(where, len(raw) - 1, out=where)
            cells = np.where(inside, np.take(raw, where), np.int16(256))
        for j in range(longest):
            out ^= np.take(_HASH_TABLE[j], cells[:, j])
        return out
    position = np.arange(len(raw), dtype=np.int64) - np.repeat(starts, lengths)
    np.minimum(position, _HASH_POSITIONS - 1, out=position)
    position *= 256
    position += raw
    terms = np.take(_FLAT, position)
    filled = np.flatnonzero(lengths)
    out[filled] ^= np.bitwise_xor.reduceat(terms, starts[filled])
    if longest > _HASH_POSITIONS:
        import hashlib

        for i in np.flatnonzero(lengths > _HASH_POSITIONS).tolist():
            value = data[lo + int(starts[i]) : lo + int(starts[i]) + int(lengths[i])]
            digest = hashlib.blake2b(value, digest_size=8).digest()
            out[i] = int.from_bytes(digest, "little", signed=True)
    return out


def utf8_with_offsets(values: list[str]) -> tuple[bytes, np.ndarray[Any, np.dtype[np.int64]]]:
    """``values`` as one UTF-8 buffer, and where each starts (n + 1 offsets)."""
    encoded = [v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    return b"".join(encoded), offsets


def hash_texts(values: list[str]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """:func:`text_hashes` of Python strings."""
    return text_hashes(*utf8_with_offsets(values))


class HashTable:
    """64-bit hashes, each with a row number, in one open-addressing table (linear probing,
    at most half full: 24 to 48 bytes an ID, where a Python dict takes well over 100),
    filled and probed a whole chunk of IDs at a time with numpy."""

    def __init__(self, capacity: int = 1 << 20) -> None:
        self.keys: np.ndarray[Any, np.dtype[np.int64]] = np.zeros(capacity, dtype=np.int64)
        self.rows: np.ndarray[Any, np.dtype[np.int32]] = np.zeros(capacity, dtype=np.int32)
        self.size = 0

    def add_unique(
        self, values: np.ndarray[Any, np.dtype[np.int64]]
    ) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Add distinct ``values``; True where a value was already in the set."""
        return self.add(values, np.zeros(len(values), dtype=np.int64)) != NEW

    def add(
        self,
        values: np.ndarray[Any, np.dtype[np.int64]],
        rows: np.ndarray[Any, np.dtype[np.int64]],
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Add distinct ``values`` first seen on ``rows`` (0 to 2**31-1): the row kept for
        each value already there, :data:`NEW` for the others."""
        keys = np.where(values == 0, 1, values)  # 0 marks a free slot
        if 2 * (self.size + len(keys)) > len(self.keys):
            self._grow(2 * (self.size + len(keys)))
        return self._probe(keys, rows, insert=True)

    def find(
        self, values: np.ndarray[Any, np.dtype[np.int64]]
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The row kept for each of ``values``, :data:`NEW` where it is not there."""
        keys = np.where(values == 0, 1, values)
        return self._probe(keys, None, insert=False)

    def _probe(
        self,
        keys: np.ndarray[Any, np.dtype[np.int64]],
        rows: np.ndarray[Any, np.dtype[np.int64]] | None,
        insert: bool,
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        table = self.keys
        kept = self.rows
        mask = len(table) - 1
        found = np.full(len(keys), NEW, dtype=np.int64)
        idx = np.arange(len(keys))
        # The top bits pick the slot: sorted keys then probe the table from one end to the
        # other (cache-friendly), not at random.
        shift = np.uint64(64 - (len(table).bit_length() - 1))
        slots = (keys.view(np.uint64) >> shift).astype(np.int64)
        while len(idx):
            cur = table[slots]
            hit = cur == keys
            if hit.any():
                found[idx[hit]] = kept[slots[hit]]
            free = cur == 0
            if not free.any():
                rest = ~hit
            elif insert and rows is not None:
                # Distinct keys may race for one free slot: the one whose write stayed wins.
                table[slots[free]] = keys[free]
                won = np.zeros(len(keys), dtype=bool)
                won[free] = table[slots[free]] == keys[free]
                kept[slots[won]] = rows[won]
                self.size += int(won.sum())
                rest = ~(hit | won)
            else:
                rest = ~(hit | free)
            idx, keys, slots = idx[rest], keys[rest], (slots[rest] + 1) & mask
            if rows is not None:
                rows = rows[rest]
            if len(idx) <= 64:  # the last few keys of long runs: one at a time
                self._probe_each(idx, keys, slots, rows, found, insert)
                break
        return found

    def _probe_each(
        self,
        idx: np.ndarray[Any, Any],
        keys: np.ndarray[Any, Any],
        slots: np.ndarray[Any, Any],
        rows: np.ndarray[Any, Any] | None,
        found: np.ndarray[Any, Any],
        insert: bool,
    ) -> None:
        table = self.keys
        mask = len(table) - 1
        row_list = rows.tolist() if rows is not None else [0] * len(idx)
        for i, key, start, row in zip(
            idx.tolist(), keys.tolist(), slots.tolist(), row_list, strict=True
        ):
            at = start
            while True:
                held = int(table[at])
                if held == key:
                    found[i] = self.rows[at]
                    break
                if held == 0:
                    if insert:
                        table[at] = key
                        self.rows[at] = row
                        self.size += 1
                    break
                at = (at + 1) & mask

    def _grow(self, need: int) -> None:
        capacity = len(self.keys)
        while capacity < need:
            capacity *= 2
        at = np.flatnonzero(self.keys)
        keys, rows = self.keys[at], self.rows[at]
        del at
        # The old table is freed before the new one is made.
        self.keys, self.rows = _NO_KEYS, _NO_ROWS
        order = np.argsort(keys)
        keys, wide = keys[order], rows[order].astype(np.int64)
        del order, rows
        self.keys = np.zeros(capacity, dtype=np.int64)
        self.rows = np.zeros(capacity, dtype=np.int32)
        self.size = 0
        # In slices: one pass over millions of keys would make temporaries as large as the
        # table itself.
        for lo in range(0, len(keys), _REINSERT):
            self._probe(keys[lo : lo + _REINSERT], wide[lo : lo + _REINSERT], insert=True)


def _capacity(ids: int) -> int:
    """Slots for a table holding ``ids`` at most half full."""
    capacity = 16
    while capacity < 2 * ids:
        capacity *= 2
    return capacity


class DuplicateIds:
    """The IDs of one file, chunk after chunk in row order. Use as a context manager (or
    call :meth:`close`): the temporary directory, if one was made, is removed there."""

    def __init__(self, budget: int | None = None) -> None:
        self.budget = ID_MEMORY_BUDGET if budget is None else max(budget, 0)
        # Made at full size for the default budget (memory does not grow with the file).
        self.table = HashTable(min(_capacity(ID_MEMORY_BUDGET), _capacity(self.budget)))
        self.spilling = False
        self.spilled = 0  # occurrences written to disk
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._buckets: list[IO[bytes] | None] = []
        self._text: IO[bytes] | None = None
        self._text_size = 0

    def __enter__(self) -> DuplicateIds:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def directory(self) -> str | None:
        """The temporary directory, while there is one."""
        return self._tmp.name if self._tmp is not None else None

    def add(
        self,
        hashes: np.ndarray[Any, np.dtype[np.int64]],
        rows: np.ndarray[Any, np.dtype[np.int64]],
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The distinct (sorted) ``hashes`` of one chunk, with the row where each first
        appears in it: for each, the row of an occurrence in an earlier chunk, :data:`NEW`
        (a first occurrence, kept), or :data:`SPILLED` (not in memory: pass each of its
        occurrences in this chunk to :meth:`spill`; it is decided at :meth:`finish`)."""
        if not len(hashes):
            return _NO_KEYS
        table = self.table
        fits = int(rows.max()) <= _MAX_ROW
        if not self.spilling and fits and table.size + len(hashes) <= self.budget:
            return table.add(hashes, rows)
        found = table.find(hashes)
        new = np.flatnonzero(found == NEW)
        room = max(self.budget - table.size, 0) if fits and not self.spilling else 0
        if room and len(new):
            take = new[:room]
            table.add(hashes[take], rows[take])  # all absent: they stay NEW
            new = new[room:]
        if len(new):
            # From now on no ID is added to memory: one left out here and seen again later
            # must not be taken there for a first occurrence.
            self.spilling = True
            found[new] = SPILLED
        return found

    def spill(
        self,
        hashes: np.ndarray[Any, np.dtype[np.int64]],
        rows: np.ndarray[Any, np.dtype[np.int64]],
        text: bytes,
        starts: np.ndarray[Any, np.dtype[np.int64]],
        lengths: np.ndarray[Any, np.dtype[np.int64]],
    ) -> None:
        """Write occurrences of IDs not in memory (in row order): ID ``i`` is
        ``text[starts[i]:starts[i] + lengths[i]]`` (UTF-8). ``text`` may hold other IDs."""
        if not len(hashes):
            return
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="kanmin-ids-", dir=SPILL_DIR)
            self._buckets = [None] * (1 << _BUCKET_BITS)
        if self._text is None:  # closed in close()
            self._text = open(os.path.join(self._tmp.name, "ids.txt"), "wb")
        rec = np.empty(len(hashes), dtype=_RECORD)
        rec["hash"] = hashes
        rec["row"] = rows
        rec["offset"] = starts + self._text_size
        rec["length"] = lengths
        self._text.write(text)
        self._text_size += len(text)
        bucket = (hashes.view(np.uint64) >> np.uint64(64 - _BUCKET_BITS)).astype(np.intp)
        order = np.argsort(bucket, kind="stable")  # keeps row order within a file
        rec, bucket = rec[order], bucket[order]
        bounds = np.searchsorted(bucket, np.arange((1 << _BUCKET_BITS) + 1)).tolist()
        for b in range(1 << _BUCKET_BITS):
            lo, hi = bounds[b], bounds[b + 1]
            if lo == hi:
                continue
            out = self._buckets[b]
            if out is None:
                out = open(self._bucket_path(b), "wb")  # closed in close()
                self._buckets[b] = out
            out.write(rec[lo:hi].tobytes())
        self.spilled += len(hashes)

    def _bucket_path(self, b: int) -> str:
        return os.path.join(self.directory or "", f"{b:02d}.rec")

    def finish(self) -> Iterator[tuple[int, int, str]]:
        """``(row, first row, ID)`` of each spilled occurrence of an ID seen before."""
        if self._tmp is None or self._text is None:
            return
        self._text.close()
        for out in self._buckets:
            if out is not None:
                out.close()
        fd = os.open(os.path.join(self._tmp.name, "ids.txt"), os.O_RDONLY)
        try:
            for b, out in enumerate(self._buckets):
                if out is None:
                    continue
                path = self._bucket_path(b)
                yield from _resolve(path, fd)
                os.unlink(path)  # the disk is given back as we go
        finally:
            os.close(fd)

    def close(self) -> None:
        for out in self._buckets:
            if out is not None:
                out.close()
        self._buckets = []
        if self._text is not None:
            self._text.close()
            self._text = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _read(fd: int, offset: int, length: int) -> str:
    return os.pread(fd, length, offset).decode("utf-8", "surrogatepass")


def _resolve(path: str, fd: int) -> Iterator[tuple[int, int, str]]:
    """One file of records, in row order, read a block at a time. The first occurrence of
    each hash found so far is kept (sorted, 32 bytes a distinct hash); every later record
    with that hash is compared by its text with the first."""
    first_hash = _NO_KEYS
    first_row = _NO_KEYS
    first_off = _NO_KEYS
    first_len = _NO_KEYS
    # Different IDs with one hash (about never): the first row of each such ID.
    others: dict[tuple[int, str], int] = {}
    with open(path, "rb") as fh:
        while True:
            block = np.fromfile(fh, dtype=_RECORD, count=_READ_BLOCK)
            if not len(block):
                break
            hashes, rows = block["hash"], block["row"]
            uniq, first_at, inverse = np.unique(hashes, return_index=True, return_inverse=True)
            at = np.searchsorted(first_hash, uniq)
            known = at < len(first_hash)
            known[known] = first_hash[at[known]] == uniq[known]
            u_row, u_off, u_len = (
                rows[first_at],
                block["offset"][first_at],
                block["length"][first_at],
            )
            ka = at[known]
            u_row[known], u_off[known], u_len[known] = first_row[ka], first_off[ka], first_len[ka]
            later = np.flatnonzero(rows != u_row[inverse])
            new = ~known
            if new.any():
                na = at[new]
                first_hash = np.insert(first_hash, na, uniq[new])
                first_row = np.insert(first_row, na, u_row[new])
                first_off = np.insert(first_off, na, u_off[new])
                first_len = np.insert(first_len, na, u_len[new])
            offsets, lengths = block["offset"], block["length"]
            for k in later.tolist():
                j = int(inverse[k])
                row = int(rows[k])
                text = _read(fd, int(offsets[k]), int(lengths[k]))
                if text == _read(fd, int(u_off[j]), int(u_len[j])):
                    yield row, int(u_row[j]), text
                    continue
                first = others.setdefault((int(uniq[j]), text), row)
                if first != row:
                    yield row, first, text
