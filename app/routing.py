"""URL rules that compile their URL builder on first use.

Werkzeug compiles two Python functions per URL rule when the rule is added, so that
``url_for`` is fast. The portal has close to a thousand rules (a screen, an API and an
import per record type) and most are never built into a URL by a given worker, so
compiling them all made start-up about half a second slower and every worker larger.
:class:`LazyRule` compiles each builder the first time it is needed, then keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyRule(Rule):
    """A :class:`werkzeug.routing.Rule` whose URL builders are compiled on first use."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not compiled:  # two threads may both compile: same result, no harm
                compiled.append(Rule._compile_builder(rule, append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build
