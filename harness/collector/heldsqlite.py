"""SQLite calls that keep the GIL, for the one transaction every delivery waits on.

The sqlite3 module hands the GIL back around every step of every statement. Under a
threaded server each hand-back lets another request thread run Python for a whole
switch interval before the writer gets the GIL again, while it holds the write lock
that every other delivery is queued behind (bench/ingest.py measured about a tenth of
the single-delivery throughput per hand-back). A group commit is a few statements of
microseconds each, so here they run through ``ctypes.PyDLL``, which keeps the GIL.

Only the very SQLite library the sqlite3 module loaded is used: two copies in one
process would each drop the other's POSIX locks. Where that library cannot be found
(a statically linked build), :func:`available` is false and callers use sqlite3.
Nothing here may wait with the GIL held, so there is no busy timeout: a database
locked by another process raises :class:`Busy` at once, for the caller to fall back.
"""

from __future__ import annotations

import ctypes
import sqlite3
from collections.abc import Iterator
from pathlib import Path

OK, ROW, DONE, BUSY = 0, 100, 101, 5
INTEGER, FLOAT, TEXT, NULL = 1, 2, 3, 5  # anything else is a blob
_OPEN_READWRITE, _OPEN_FULLMUTEX = 0x2, 0x10000
_TRANSIENT = ctypes.c_void_p(-1)  # SQLite copies bound values before the call returns
MAX_STATEMENTS = 128  # prepared statements kept, as the sqlite3 module's cache


class Busy(Exception):
    """The database is locked by another connection."""


def _library_path() -> str | None:
    """Return the path of the libsqlite3 the sqlite3 module is linked against, if any."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        path = line.split(maxsplit=5)[-1] if len(line.split()) >= 6 else ""
        if "/libsqlite3." in path:
            return path
    return None


def _load() -> ctypes.PyDLL | None:
    path = _library_path()
    if path is None:
        return None
    lib = ctypes.PyDLL(path)
    lib.sqlite3_libversion.restype = ctypes.c_char_p
    if lib.sqlite3_libversion().decode() != sqlite3.sqlite_version:
        return None
    p, i, i64, d, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_int64, ctypes.c_double, \
        ctypes.c_char_p
    for name, restype, argtypes in [
        ("sqlite3_open_v2", i, [s, ctypes.POINTER(p), i, s]),
        ("sqlite3_close_v2", i, [p]),
        ("sqlite3_errmsg", s, [p]),
        ("sqlite3_exec", i, [p, s, p, p, p]),
        ("sqlite3_prepare_v2", i, [p, s, i, ctypes.POINTER(p), p]),
        ("sqlite3_finalize", i, [p]),
        ("sqlite3_reset", i, [p]),
        ("sqlite3_step", i, [p]),
        ("sqlite3_bind_null", i, [p, i]),
        ("sqlite3_bind_int64", i, [p, i, i64]),
        ("sqlite3_bind_double", i, [p, i, d]),
        ("sqlite3_bind_text", i, [p, i, s, i, p]),
        ("sqlite3_column_count", i, [p]),
        ("sqlite3_column_name", s, [p, i]),
        ("sqlite3_column_type", i, [p, i]),
        ("sqlite3_column_int64", i64, [p, i]),
        ("sqlite3_column_double", d, [p, i]),
        ("sqlite3_column_text", ctypes.POINTER(ctypes.c_char), [p, i]),
        ("sqlite3_column_bytes", i, [p, i]),
        ("sqlite3_last_insert_rowid", i64, [p]),
    ]:
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


_lib = _load()


def available() -> bool:
    """Whether SQLite can be called with the GIL held in this process."""
    return _lib is not None


class Row(tuple):
    """A result row read by position or by column name, like ``sqlite3.Row``."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


class Cursor:
    """The rows a statement returned, read all at once (and its last inserted rowid)."""

    def __init__(self, rows: list[Row], lastrowid: int) -> None:
        self._rows, self.lastrowid = rows, lastrowid

    def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


class Connection:
    """A connection offering the part of ``sqlite3.Connection`` a transaction body uses:
    ``execute(sql, params)`` returning a :class:`Cursor`. Statements are prepared once."""

    def __init__(self, path: str, setup: str = "") -> None:
        if _lib is None:
            raise RuntimeError("SQLite cannot be called with the GIL held here")
        self._db = ctypes.c_void_p()
        flags = _OPEN_READWRITE | _OPEN_FULLMUTEX
        if _lib.sqlite3_open_v2(path.encode(), ctypes.byref(self._db), flags, None) != OK:
            raise sqlite3.OperationalError(self._error())
        self._statements: dict[str, ctypes.c_void_p] = {}
        self.script(setup)

    def _error(self) -> str:
        return _lib.sqlite3_errmsg(self._db).decode(errors="replace")

    def _check(self, rc: int) -> None:
        if rc == BUSY:
            raise Busy(self._error())
        if rc not in (OK, ROW, DONE):
            raise sqlite3.OperationalError(self._error())

    def script(self, sql: str) -> None:
        """Run statements that take no parameters and return no rows (BEGIN, COMMIT)."""
        self._check(_lib.sqlite3_exec(self._db, sql.encode(), None, None, None))

    def _statement(self, sql: str) -> ctypes.c_void_p:
        statement = self._statements.get(sql)
        if statement is None:
            if len(self._statements) >= MAX_STATEMENTS:  # SQL made per call: start afresh
                for old in self._statements.values():
                    _lib.sqlite3_finalize(old)
                self._statements.clear()
            statement = ctypes.c_void_p()
            self._check(_lib.sqlite3_prepare_v2(self._db, sql.encode(), -1,
                                                ctypes.byref(statement), None))
            self._statements[sql] = statement
        return statement

    def execute(self, sql: str, params: tuple | list = ()) -> Cursor:
        statement = self._statement(sql)
        try:
            for index, value in enumerate(params, 1):
                self._check(self._bind(statement, index, value))
            rows, names = [], None
            while (rc := _lib.sqlite3_step(statement)) == ROW:
                if names is None:
                    names = tuple(_lib.sqlite3_column_name(statement, i).decode()
                                  for i in range(_lib.sqlite3_column_count(statement)))
                row = Row(self._column(statement, i) for i in range(len(names)))
                row.names = names
                rows.append(row)
            self._check(rc)
        finally:
            _lib.sqlite3_reset(statement)  # every parameter is bound afresh on each use
        return Cursor(rows, _lib.sqlite3_last_insert_rowid(self._db))

    @staticmethod
    def _bind(statement: ctypes.c_void_p, index: int, value: object) -> int:
        if value is None:
            return _lib.sqlite3_bind_null(statement, index)
        if isinstance(value, bool | int):
            return _lib.sqlite3_bind_int64(statement, index, int(value))
        if isinstance(value, float):
            return _lib.sqlite3_bind_double(statement, index, value)
        if isinstance(value, str):
            data = value.encode()
            return _lib.sqlite3_bind_text(statement, index, data, len(data), _TRANSIENT)
        raise sqlite3.ProgrammingError(f"cannot bind a {type(value).__name__}")

    @staticmethod
    def _column(statement: ctypes.c_void_p, index: int) -> object:
        kind = _lib.sqlite3_column_type(statement, index)
        if kind == INTEGER:
            return _lib.sqlite3_column_int64(statement, index)
        if kind == FLOAT:
            return _lib.sqlite3_column_double(statement, index)
        if kind == NULL:
            return None
        text = _lib.sqlite3_column_text(statement, index)
        data = ctypes.string_at(text, _lib.sqlite3_column_bytes(statement, index))
        return data.decode() if kind == TEXT else data

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        for statement in getattr(self, "_statements", {}).values():
            _lib.sqlite3_finalize(statement)
        self._statements = {}
        if getattr(self, "_db", None):
            _lib.sqlite3_close_v2(self._db)
            self._db = ctypes.c_void_p()
