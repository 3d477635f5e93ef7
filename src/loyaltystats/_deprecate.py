"""Old spellings of keywords, kept for one release with a DeprecationWarning.

The vocabulary is written down in docs/conventions.md; a function that used another name
for one of its words accepts the old name for one release and says which to use.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from ._warn import warn_user
from .errors import ParameterError

__all__ = ["renamed_keywords", "positional_options", "moved_name"]

_F = TypeVar("_F", bound=Callable[..., Any])


def renamed_keywords(**old_to_new: str) -> Callable[[_F], _F]:
    """Accept ``old=`` as ``new=`` with a DeprecationWarning (both at once is an error).

    Examples
    --------
    >>> @renamed_keywords(conf_level="level")
    ... def f(*, level=0.95):
    ...     return level
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(conf_level=0.9), w[0].category.__name__
    (0.9, 'DeprecationWarning')
    """

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise ParameterError(f"{fn.__name__}: give {new}= only ({old}= is its "
                                             "old name)")
                    warn_user(f"{fn.__name__}: {old}= is now {new}= (the old name goes in "
                              "the next release)", DeprecationWarning)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def positional_options(*names: str) -> Callable[[_F], _F]:
    """Accept the keyword-only options ``names`` positionally for one release, with a warning.

    Options are keyword-only (docs/conventions.md). A function whose options used to be
    positional lists them here in their old order; a call that still passes them by
    position gets the same result and a DeprecationWarning naming the keywords to use.
    The decorator goes outermost, so the boundary and the renamed-keyword shims see keywords.

    Examples
    --------
    >>> @positional_options("cap")
    ... def f(data, *, cap=3):
    ...     return cap
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f("d", 5), w[0].category.__name__
    (5, 'DeprecationWarning')
    """

    def decorate(fn: _F) -> _F:
        params = inspect.signature(fn).parameters.values()
        n_positional = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                           for p in params)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            extra = args[n_positional:]
            if extra:
                if len(extra) > len(names):
                    raise TypeError(f"{fn.__name__}() takes {n_positional} positional "
                                    f"arguments but {len(args)} were given")
                given = names[:len(extra)]
                for name, value in zip(given, extra):
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for "
                                        f"argument '{name}'")
                    kwargs[name] = value
                words = ", ".join(f"{n}=" for n in given)
                warn_user(f"{fn.__name__}: pass {words} by keyword (options are "
                          "keyword-only; passing them by position goes in the next release)",
                          DeprecationWarning)
            return fn(*args[:n_positional], **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def moved_name(old_module: str, name: str, new_module: str, value: Any) -> Any:
    """Return ``value`` for a public name that moved modules, with a DeprecationWarning.

    Called from the old module's ``__getattr__`` (PEP 562), so the old import keeps working
    for one release and says where the name lives now.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     moved_name("pkg.old", "f", "pkg.new", 42), w[0].category.__name__
    (42, 'DeprecationWarning')
    """
    warn_user(f"{old_module}.{name} moved to {new_module}.{name} (the old import goes in the "
              "next release)", DeprecationWarning)
    return value
