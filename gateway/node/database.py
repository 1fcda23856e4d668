"""The node's database thread: every store call runs there, and calls that arrive together are
committed together (group commit), one fsync for many state changes, each in its own savepoint."""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from gateway.store import Store

T = TypeVar("T")
_Item = tuple[Callable[[], Any], asyncio.Future[Any], asyncio.AbstractEventLoop]
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

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put((functools.partial(function, *args, **kwargs), future, loop))
        return await future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=60)
        self.store.close()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            stop = False
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                group.append(item)
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[_Item]) -> None:
        try:
            results: list[Any] = self.store.run_group([call for call, _, _ in group])
        except Exception as exc:  # noqa: BLE001 - the commit failed: every caller gets the error
            results = [exc] * len(group)
        for (_, future, loop), result in zip(group, results, strict=True):
            if not loop.is_closed():  # a caller whose loop has ended (shutdown) needs no answer
                loop.call_soon_threadsafe(_resolve, future, result)
