"""Old spellings of keywords, kept for one release with a DeprecationWarning.

The vocabulary is written down in docs/conventions.md; a function that used another name
for one of its words accepts the old name for one release and says which to use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ._warn import warn_user
from .errors import ParameterError

__all__ = ["renamed_keywords"]

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
