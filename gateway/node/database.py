"""The node's database thread: every store call runs there. Writes that arrive together are committed
together (group commit: one fsync for many state changes, each call in its own savepoint); reads run
on a connection of their own, in the order they came."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from gateway.store import Store, Tx

P = ParamSpec("P")
T = TypeVar("T")
_Item = tuple[bool, Callable[..., Any], asyncio.Future[Any], asyncio.AbstractEventLoop]  # (write?, …)
MAX_GROUP = 256


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)


class Database:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="bgw-db", daemon=True)
        self._thread.start()

    async def write(self, function: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run *function* in a write transaction (grouped with the writes queued with it)."""
        return await self._submit(True, lambda tx: function(tx, *args, **kwargs))

    async def read(
        self, function: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return await self._submit(False, lambda conn: function(conn, *args, **kwargs))

    async def _submit(self, write: bool, call: Callable[..., T]) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((write, call, future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=60)
        self.store.close()

    def _run(self) -> None:
        held: list[_Item | None] = []  # an item taken while grouping that belongs after the group
        while True:
            first = held.pop() if held else self._queue.get()
            if first is None:
                return
            if not first[0]:
                self._answer([first], self._read(first[1]))
                continue
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None or not item[0]:  # a read, or the end: after this group
                    held.append(item)
                    break
                group.append(item)
            self._answer(group, self._commit(group))

    def _read(self, call: Callable[[Connection], Any]) -> list[Any]:
        try:
            return [self.store.read(call)]
        except Exception as exc:  # noqa: BLE001 - the caller gets the error
            return [exc]

    def _commit(self, group: list[_Item]) -> list[Any]:
        try:
            return list(self.store.group([call for _, call, _, _ in group]))
        except Exception as exc:  # noqa: BLE001 - the commit failed: every caller gets the error
            return [exc] * len(group)

    @staticmethod
    def _answer(items: list[_Item], results: list[Any]) -> None:
        for (_, _, future, loop), result in zip(items, results, strict=True):
            if not loop.is_closed():  # a caller whose loop has ended (shutdown) needs no answer
                loop.call_soon_threadsafe(_resolve, future, result)
