"""Griffe extension for the docs build: render the Sphinx markup of the numpydoc docstrings.

The docstrings follow numpydoc, which uses Sphinx roles and directives that Markdown does not
know. Loaded by mkdocstrings (``extensions`` in mkdocs.yml), this rewrites each docstring of
the package in memory, never the source:

- ``:func:`name```, ``:class:``, ``:meth:``, ``:attr:``, ``:data:``, ``:mod:``, ``:exc:``,
  ``:obj:`` (also with a ``py:`` prefix, ``~`` and leading dots): inline code, linked to the
  object's page when the name resolves to a documented object (an optional cross-reference:
  a name that is not documented on the site, e.g. a private helper, stays plain code and does
  not warn);
- ``:math:`x``` and ``.. math::`` blocks: arithmatex delimiters ``\\(x\\)`` and ``\\[x\\]``;
- ``\\`text <url>\\`_`` links: Markdown links.

Names are resolved the way Python resolves them in the docstring's scope; a name that is
both a submodule and the function it defines (``loyaltystats.nps.score``: the module
``nps/score.py`` and the function ``score`` that ``nps/__init__.py`` imports) links to the
function for ``:func:`` and ``:class:``, which is what Python sees at run time.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(func|meth|class|attr|data|mod|exc|obj):`([^`]+)`")
MATH_ROLE = re.compile(r":math:`([^`]+)`")
RST_LINK = re.compile(r"`([^`<]+?)\s*<(https?://[^>]+)>`__?")
MATH_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")
CALLABLE_ROLES = {"func", "meth"}


def _resolve(obj: griffe.Object, target: str, role: str) -> str | None:
    """Full path of the documented object ``target`` refers to from ``obj``, or None."""
    name = target.lstrip("~").lstrip(".")
    if not name:
        return None
    first, _, rest = name.partition(".")
    root = obj.package.path
    if first == root:
        path = name
    else:
        try:
            path = obj.resolve(first)
        except Exception:  # noqa: BLE001 - unresolvable names stay plain code
            return None
        if rest:
            path = f"{path}.{rest}"
    try:
        found = obj.modules_collection[path]
    except Exception:  # noqa: BLE001
        return path
    try:
        if found.is_alias:
            found = found.final_target
    except Exception:  # noqa: BLE001
        return path
    last = found.name
    if role != "mod" and found.is_module and last in found.members:
        # a submodule shadowed by the object of the same name that its package imports
        member = found.members[last]
        if not member.is_alias:
            found = member
    return found.path


def _role(obj: griffe.Object, match: re.Match[str]) -> str:
    role, target = match.group(1), match.group(2).strip()
    shown = target.lstrip(".")
    if target.startswith("~"):
        shown = target[1:].rsplit(".", 1)[-1]
    if role in CALLABLE_ROLES and not shown.endswith(")"):
        shown += "()"
    path = _resolve(obj, target, role)
    if path is None:
        return f"`{shown}`"
    return f'<autoref optional identifier="{path}"><code>{shown}</code></autoref>'


def _math_blocks(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = MATH_DIRECTIVE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = m.group("indent")
        body = [m.group("first").strip()] if m.group("first").strip() else []
        i += 1
        while i < len(lines) and (not lines[i].strip()
                                  or len(lines[i]) - len(lines[i].lstrip()) > len(indent)):
            if lines[i].strip():
                body.append(lines[i].strip())
            elif body:
                break
            i += 1
        out += [f"{indent}\\[", *(f"{indent}{b}" for b in body), f"{indent}\\]", ""]
    return "\n".join(out)


def convert(obj: griffe.Object, text: str) -> str:
    """Return ``text`` (a docstring of ``obj``) with its Sphinx markup as Markdown."""
    if ".. math::" in text:
        text = _math_blocks(text)
    text = MATH_ROLE.sub(lambda m: f"\\({m.group(1)}\\)", text)
    text = RST_LINK.sub(lambda m: f"[{m.group(1)}]({m.group(2)})", text)
    return ROLE.sub(lambda m: _role(obj, m), text)


def _walk(obj: griffe.Object, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if obj.docstring is not None:
        obj.docstring.value = convert(obj, obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _walk(member, seen)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles, math and links in every docstring of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # griffe >= 1.14
        _walk(pkg, set())

    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # older griffe
        _walk(pkg, set())
