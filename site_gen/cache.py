"""
# The build cache

A content-addressed store: every entry is found by a key that is a hash of
*what* was computed (its kind), *from what* (its inputs) and *by what* (the
versions of the tools and of this generator's own code). An input that changes
changes the key, so an entry is never stale; it is simply not found.

The store is one SQLite file outside the output folder, written by the build's
main process only. A cache that cannot be read (truncated, corrupted, from an
incompatible version, or some other program's database) is deleted and
started afresh, with a note; so is one that SQLite finds damaged in the
middle during the build (deleted when the build closes it). A cache that
cannot be deleted either (a folder in its place, say) is left alone and the
build goes without it: the cache can make a build faster, never different and
never fail.

Entries are committed every few hundred, so a build that is killed keeps
most of what it rendered.

After a complete build, every entry of every kind that the build did not use
is deleted and the space reclaimed, so the cache stays about the size of one
build's entries however many builds ran.

Each entry carries a checksum of its kind, key and value: an entry that some
other program (or another version of this one) wrote or changed in place does
not match it and is read as a miss, then recomputed. A value whose shape its
reader cannot use is a miss too, never a crash.

Values are stored as JSON, UTF-8, compressed when long (`encode_value`); a
page's HTML as its UTF-8 (`encode_text`), compressed too: a page is mostly
repetitive HTML, so the cache is a few times smaller than the site; bytes
compressed already beside the JSON they go with (`encode_parts`). A worker can
encode its page's entries itself (`put_encoded`), so the build's main process
never holds a page's JSON.

In: kinds, keys and JSON values. Out: the values stored under those keys.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any, Callable

# Bump to invalidate every entry when the meaning or layout of stored values changes
FORMAT = 7
# SQLite's `user_version` of our caches: a database without it is not ours
_MARK = 0x5347_0000 + FORMAT
# A commit after this many entries or this many bytes of them: a killed build loses at most these
_BATCH = 200
_BATCH_BYTES = 4 * 2**20
# Keys in one `get_many` query (SQLite allows 32,766 parameters since 3.32; 999 before)
_KEYS_A_QUERY = 900
# SQLite's own words for a damaged database (any other error, a full disk say, is not the file's fault)
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_TOOLS = ("markdown", "pygments", "jinja2", "pykatex", "nh3", "pyyaml", "pylatexenc", "markupsafe", "fonttools", "brotli")


def digest(*parts: str | bytes) -> str:
    """A stable hash of several inputs (each length-prefixed, so they cannot run together)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


# `remember(kind, inputs, compute, encode, decode)`: `compute()`, or what it gave an earlier build for the
# same `inputs` (`Cache.remember`)
Remember = Callable[..., Any]


def recompute(kind: str, inputs: str, compute: Callable[[], Any], encode: Any = None, decode: Any = None) -> Any:
    """The `Remember` of no cache: computes every time."""
    return compute()


# Values shorter than this are stored as they are: setting zlib up costs ~50 µs whatever the size (its
# tables are cleared each time), more than encoding a small value, and a cold stdlib build stores 20,000
_COMPRESS_FROM = 4096


def encode_value(value: Any) -> bytes:
    """
    A JSON value as the cache stores it (`Cache.put_encoded`): compact JSON,
    UTF-8, compressed fast unless short.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(text) < _COMPRESS_FROM:
        return text.encode("utf-8", "surrogatepass")
    packer = zlib.compressobj(1)
    # UTF-8 a megabyte at a time: a big page's JSON is never held twice (a slice never splits a character)
    packed = [packer.compress(text[at : at + 2**20].encode("utf-8", "surrogatepass")) for at in range(0, len(text), 2**20)]
    return b"".join([*packed, packer.flush()])


def encode_text(text: bytes) -> bytes:
    """
    A text (UTF-8) as the cache stores it, for `encode_value` of the `str`:
    itself behind a NUL byte (no JSON text starts with one), compressed fast unless short.
    A page's HTML is stored so: JSON would escape every quote of it, then encode it all again.
    """
    if len(text) < _COMPRESS_FROM:
        return _TEXT + text
    packer = zlib.compressobj(1)
    return b"".join([packer.compress(_TEXT), packer.compress(text), packer.flush()])


class DamagedEntry(Exception):
    """
    A value that matched its entry's checksum, left undecoded when read (a page's
    search sections, a document's sections) and found unusable when used: some
    program wrote it so. The build stops, and the cache goes (`Cache.delete`).
    """


def encode_parts(value: Any, parts: list[bytes]) -> bytes:
    """
    A JSON value and some bytes (compressed already, say) as the cache stores
    them: the bytes as they are, not written into the JSON as text nor compressed
    again; each part behind its length. It comes back as `(value, parts)`.
    """
    pieces = [encode_value(value), *parts]
    return b"".join([_PARTS, *(piece for part in pieces for piece in (len(part).to_bytes(4, "big"), part))])


def _parts(stored: bytes) -> tuple[Any, list[bytes]]:
    pieces, at = [], len(_PARTS)
    while at < len(stored):
        size = int.from_bytes(stored[at : at + 4], "big")
        if at + 4 + size > len(stored):
            raise ValueError("a part cut short")
        pieces.append(stored[at + 4 : at + 4 + size])
        at += 4 + size
    if not pieces or pieces[0][:1] == _PARTS:
        raise ValueError("no value, or parts within parts")
    return decode_value(pieces[0]), pieces[1:]


_TEXT = b"\0"
_PARTS = b"\1"
_ZLIB = b"\x78"  # the first byte of what `zlib.compressobj` makes (deflate, 32 KB window); no JSON text starts so


def decode_value(stored: bytes) -> Any:
    """The value `encode_value`, `encode_text` or `encode_parts` made `stored` from; `ValueError` for anything else."""
    if not isinstance(stored, bytes):
        raise ValueError("not an encoded value")
    if stored[:1] == _PARTS:
        return _parts(stored)
    data = stored
    if stored[:1] == _ZLIB:
        try:
            data = zlib.decompress(stored)
        except zlib.error as error:
            raise ValueError(f"not compressed: {error}") from None
    if data.startswith(_TEXT):
        return str(memoryview(data)[len(_TEXT):], "utf-8", "surrogatepass")
    return json.loads(data.decode("utf-8", "surrogatepass"))


def tool_versions() -> str:
    """
    The versions of everything that renders, where its files are and their
    sizes and times (a tool patched or installed elsewhere under the same
    version renders differently too), and a hash of our own code.
    """
    from importlib import metadata  # 15 ms of imports: a build whose stamp knows the salt does without

    from .stamp import tool_files

    versions = []
    for name in _TOOLS:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=?")
    files = json.dumps(sorted((path, stat[:2]) for path, stat in tool_files().items()))
    own = Path(__file__).resolve().parent
    code = digest(*(p.read_bytes() for p in sorted(own.glob("*.py"))))
    return digest(f"format={FORMAT}", *versions, files, code)


class Cache:
    """Entries by kind and key; JSON values. `Cache(None)` stores nothing."""

    def __init__(self, path: Path | None, notes: list[str] | None = None, salt: str | None = None) -> None:
        """`salt`: `tool_versions()` if known (`stamp.known_salt`)."""
        self.path = path
        self.notes = notes if notes is not None else []
        self.salt = (salt or tool_versions()) if path is not None else ""
        self.hits = 0
        self.misses = 0
        self._pending = self._pending_bytes = 0  # entries (and their bytes) put since the last commit
        self._unwritable = False  # a put failed: store nothing more
        self._damaged = False  # SQLite found the file damaged: delete it on close
        self._entry_notes: set[str] = set()  # the notes of damaged entries, until the file itself is found damaged
        self._used: set[tuple[str, str]] = set()
        self._db = self._open() if path is not None else None

    def _open(self) -> sqlite3.Connection | None:
        assert self.path is not None
        for attempt in range(2):
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path)
                tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables and db.execute("PRAGMA user_version").fetchone()[0] != _MARK:
                    db.close()
                    raise sqlite3.DatabaseError("not a site-gen cache of this version")
                # No waiting for the disk at each commit: a killed build keeps what it committed all the same
                # (the system has it), and a database a system crash damaged is found so and started anew
                db.execute("PRAGMA synchronous = OFF")
                db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT, key TEXT, value TEXT, sum TEXT, PRIMARY KEY (kind, key))")
                if not tables:
                    db.execute(f"PRAGMA user_version = {_MARK}")  # a write: only when the file is new
                db.execute("SELECT count(*) FROM entries").fetchone()
                return db
            except (sqlite3.DatabaseError, OSError) as error:
                if attempt:
                    self.notes.append(f"{self.path}: cache unusable ({error}); building without it")
                    return None
                failed = self._discard()
                if failed is not None:
                    self.notes.append(f"{self.path}: cache unusable ({error}) and cannot be deleted ({failed}); "
                                      "building without it")
                    return None
                self.notes.append(f"{self.path}: cache unreadable ({error}); starting a new one")
        return None

    def _discard(self) -> OSError | None:
        """Delete the cache's files; the error when one cannot be (a folder in its place, say)."""
        assert self.path is not None
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError as error:
            return error
        return None

    def _broken(self, error: sqlite3.DatabaseError) -> bool:
        """
        Whether `error` says the file itself is damaged; if so (noted once, in
        place of the damaged entries noted before it: the same damage, found
        first inside a value), the build goes on without the cache, which `close` deletes.
        """
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF  # the primary code, without its extension
        if code not in _CORRUPT and type(error) is not sqlite3.DatabaseError:
            return False
        self.notes[:] = [note for note in self.notes if note not in self._entry_notes]
        self.notes.append(f"{self.path}: cache damaged ({error}); building without it, a new one next time")
        self._damaged = True
        self._drop()
        return True

    def _entry_damaged(self, message: str) -> None:
        note = f"{self.path}: {message}"
        self._entry_notes.add(note)
        self.notes.append(note)

    def _drop(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def key(self, kind: str, *parts: str | bytes) -> str:
        return digest(self.salt, kind, *parts)

    def _sum(self, kind: str, key: str, value: bytes) -> str:
        # Unsalted: the key already names the versions, so an entry of an earlier version is
        # intact, merely never asked for (and forgotten after the build), not damaged
        return digest(kind, key, value)

    def _decoded(self, kind: str, key: str, value: Any, check: Any, shape: Callable[[Any], Any]) -> Any | None:
        """`shape` of a stored value, or `None` (with a note) for one that is damaged or of the wrong shape."""
        try:
            if not isinstance(value, bytes) or check != self._sum(kind, key, value):
                raise ValueError("checksum does not match")
            return shape(decode_value(value))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as error:
            self._entry_damaged(f"damaged {kind} entry in the cache ({error}); recomputed")
            return None

    def get(self, kind: str, key: str, decode: Callable[[Any], Any] = lambda value: value) -> Any | None:
        """The value stored under `key`, passed through `decode`; `None` when missing or unusable."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT value, sum FROM entries WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        except sqlite3.DatabaseError as error:
            if not self._broken(error):
                self._entry_damaged(f"damaged cache entry ({error}); recomputed")
            row = None
        return self._counted(kind, key, self._decoded(kind, key, *row, decode) if row else None)

    def get_many(self, kind: str, keys: list[str], decodes: list[Callable[[Any], Any]]) -> list[Any | None]:
        """`get` of each key with its `decode`, read in a query for hundreds (an edit build reads every page's record)."""
        if self._db is None:
            return [None] * len(keys)
        rows: dict[str, tuple[bytes, str]] = {}
        try:
            for at in range(0, len(keys), _KEYS_A_QUERY):
                chunk = keys[at : at + _KEYS_A_QUERY]
                query = f"SELECT key, value, sum FROM entries WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})"
                rows.update((key, (value, check)) for key, value, check in self._db.execute(query, [kind, *chunk]))
        except sqlite3.DatabaseError as error:
            if not self._broken(error):
                self._entry_damaged(f"damaged cache entry ({error}); recomputed")
            rows = {}
        return [self._counted(kind, key, self._decoded(kind, key, *rows[key], decode) if key in rows else None)
                for key, decode in zip(keys, decodes, strict=True)]

    def _counted(self, kind: str, key: str, value: Any | None) -> Any | None:
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
            self._used.add((kind, key))
        return value

    def remember(self, kind: str, inputs: str, compute: Callable[[], Any], encode: Callable[[Any], Any] = lambda v: v,
                 decode: Callable[[Any], Any] = lambda v: v) -> Any:
        """
        `compute()`, or what it gave an earlier build for the same `inputs`
        (a text holding everything it depends on): `encode` makes the JSON
        value to store, `decode` the value back (raising for a wrong shape).
        """
        key = self.key(kind, inputs)
        found = self.get(kind, key, decode)
        if found is None:
            found = compute()
            self.put(kind, key, encode(found))
        return found

    def keep(self, kind: str, key: str) -> None:
        """Mark an entry read in bulk (`all`) as still in use."""
        self._used.add((kind, key))

    def all(self, kind: str, decode: Callable[[Any], Any] = lambda value: value) -> dict[str, Any]:
        """Every usable entry of a kind, decoded (for small values needed in bulk, such as formulas)."""
        if self._db is None:
            return {}
        try:
            rows = self._db.execute("SELECT key, value, sum FROM entries WHERE kind = ?", (kind,)).fetchall()
        except sqlite3.DatabaseError as error:
            if not self._broken(error):
                self._entry_damaged(f"damaged cache entries ({error}); recomputed")
            return {}
        found = {key: self._decoded(kind, key, value, check, decode) for key, value, check in rows}
        return {key: value for key, value in found.items() if value is not None}

    @property
    def storing(self) -> bool:
        """Whether `put` stores anything (else a value need not even be encoded)."""
        return self._db is not None and not self._unwritable

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store a JSON value (see `put_encoded`)."""
        if self.storing:
            self.put_encoded(kind, key, encode_value(value))

    def put_encoded(self, kind: str, key: str, stored: bytes) -> None:
        """
        Store a value `encode_value` made. It goes to the database at once (so memory does not
        grow with the site) and is committed with the next `_BATCH` entries,
        or by `save`: a killed build keeps all but the last few.
        """
        if not self.storing:
            return
        self._used.add((kind, key))
        try:
            self._db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                             (kind, key, stored, self._sum(kind, key, stored)))
            self._pending += 1
            self._pending_bytes += len(stored)
            if self._pending >= _BATCH or self._pending_bytes >= _BATCH_BYTES:
                self._db.commit()
                self._pending = self._pending_bytes = 0
        except sqlite3.DatabaseError as error:  # a full disk, say: entries since the last commit are lost, the build goes on
            if not self._broken(error):
                self.notes.append(f"{self.path}: could not save the cache ({error})")
                self._db.rollback()
                self._unwritable = True

    def save(self, prune: bool = False) -> None:
        """
        Commit what this build added since the last commit. With `prune` (after a
        complete build), forget every entry this build did not use, so the
        cache holds one site's worth of entries rather than its whole history.
        """
        if self._db is None or self._unwritable or not (self._pending or prune):
            return
        try:
            with self._db:
                if prune:  # the keys alone are read (from the primary key's index): a few ms for thousands
                    unused = [row for row in self._db.execute("SELECT kind, key FROM entries") if row not in self._used]
                    self._db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", unused)
            if prune:
                self._reclaim()
        except sqlite3.DatabaseError as error:
            if not self._broken(error):
                self.notes.append(f"{self.path}: could not save the cache ({error})")
        self._pending = self._pending_bytes = 0

    def _reclaim(self) -> None:
        """Give deleted entries' space back to the disk once it is a good part of the file."""
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        if free and free * 4 >= pages:
            self._db.execute("VACUUM")

    def delete(self) -> OSError | None:
        """
        Close and delete the file now (an entry that matched its checksum proved
        unusable later: some program wrote it so); the error if it cannot be deleted.
        """
        self._drop()
        self._damaged = False
        return self._discard()

    def close(self) -> None:
        """Close the database; delete it if SQLite found it damaged, so the next build starts a new one."""
        self._drop()
        if self._damaged:
            self._damaged = False
            failed = self._discard()
            if failed is not None:
                self.notes.append(f"{self.path}: could not delete the damaged cache ({failed})")
