"""Sync twins of async methods: one line per method, the async signature and docstring kept.

    >>> import asyncio
    >>> class Engine:
    ...     async def double(self, x: int, *, times: int = 2) -> int:
    ...         '''Multiply ``x``.'''
    ...         return x * times
    >>> class Facade:
    ...     def __init__(self) -> None:
    ...         self.engine = Engine()
    ...     def _run(self, coro):
    ...         return asyncio.run(coro)
    ...     double = sync_twin(Engine.double)
    >>> Facade().double(3, times=3), Facade.double.__doc__
    (9, 'Multiply ``x``.')

Why a ``ParamSpec`` helper rather than spelled-out methods: the sync facade is a dispatcher,
not a second implementation, so writing every parameter twice would only create a place for
the twins to drift (a ``scope=`` added to the engine would be missing from the facade until
someone remembered). ``sync_twin`` makes mypy see the async method's exact parameters (the
ParamSpec carries them), ``functools.wraps`` gives ``inspect.signature`` and ``help()`` the
same signature and docstring, and ``tests/engine/test_sync_twins.py`` fails for a public
async method that has no twin.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Facade(Protocol):
    """What a twin needs from the sync object: the async object, and a way to run on its loop."""

    @property
    def engine(self) -> Any: ...

    def _run(self, coro: Coroutine[Any, Any, T]) -> T: ...


def sync_twin(
    method: Callable[Concatenate[Any, P], Coroutine[Any, Any, R]],
) -> Callable[Concatenate[Any, P], R]:
    """The sync twin of an async method: same parameters and docstring, run on the facade's
    loop (``facade._run(method(facade.engine, ...))``)."""

    @functools.wraps(method)
    def twin(facade: Facade, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return facade._run(method(facade.engine, *args, **kwargs))

    return twin


def sync_list_twin(
    method: Callable[Concatenate[Any, P], AsyncIterator[R]],
) -> Callable[Concatenate[Any, P], list[R]]:
    """The sync twin of an async generator method: same parameters and docstring, the items
    collected into a list."""

    @functools.wraps(method)
    def twin(facade: Facade, /, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        return facade._run(_collect(method(facade.engine, *args, **kwargs)))

    signature = inspect.signature(method)
    twin.__signature__ = signature.replace(  # type: ignore[attr-defined]
        return_annotation=_as_list(signature.return_annotation)
    )
    return twin


def _as_list(annotation: Any) -> Any:
    """``AsyncIterator[X]`` (as written, a string under postponed annotations) -> ``list[X]``."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    head, _, item = text.partition("[")
    return f"list[{item}" if head.endswith("AsyncIterator") and item else annotation


async def _collect(items: AsyncIterator[R]) -> list[R]:
    return [item async for item in items]
