"""Gates on the demand lifecycle that other modules own, without scenarios importing them.

A gate is a function `(demand, to_status) -> str | None`: a message (Chinese, shown to the
user) saying why the demand may not move to `to_status` yet, or None when it may. Modules
register theirs in their `AppConfig.ready()` (governance: a signed risk checklist before pilot
and before deployment); `transition_demand` calls `check` after its permission check.
"""

from __future__ import annotations

from collections.abc import Callable

from aiplus.core.errors import Conflict

Gate = Callable[[object, str], "str | None"]

_gates: list[Gate] = []


def register(fn: Gate) -> Gate:
    """Add a gate (once, however often a module registers it); usable as a decorator."""
    if fn not in _gates:
        _gates.append(fn)
    return fn


def unregister(fn: Gate) -> None:
    if fn in _gates:
        _gates.remove(fn)


def blocked(demand, to_status: str) -> str | None:
    """The first gate's refusal of this move, or None when every gate lets it pass."""
    for gate in _gates:
        message = gate(demand, to_status)
        if message:
            return message
    return None


def check(demand, to_status: str) -> None:
    """Raise Conflict with the gate's message when a gate refuses this move."""
    message = blocked(demand, to_status)
    if message:
        raise Conflict(message)
