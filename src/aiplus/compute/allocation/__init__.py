"""aiplus.compute.allocation — who gets which GPU cards when (pure Python, numpy, HiGHS).

Applications ask for `cards` GPUs of accepted models for `hours` hours inside a window, at no
more than a price; offers list cards of one model, a price and days available; a voucher
programme pays part of the cost. `solve` serves the most card-hours, then at the least cost,
then spreads vouchers to reach the most applications in full; `bound` proves how far from the
best possible a result is; `checker` verifies a result from the raw rows without using any of
the solver's code. No Django import: the Django app builds an `Instance` with
`Instance.from_rows` and stores what `solve` returns.

    from aiplus.compute.allocation import load_instance, solve
    result = solve(load_instance("bench/compute/default"), method="milp", time_limit=50)
"""

from .problem import (
    Application,
    Instance,
    InstanceError,
    Offer,
    Programme,
    load_instance,
)
from .solve import METHODS, Assignment, SolveResult, compute_bound, solve

__all__ = [
    "METHODS",
    "Application",
    "Assignment",
    "Instance",
    "InstanceError",
    "Offer",
    "Programme",
    "SolveResult",
    "compute_bound",
    "load_instance",
    "solve",
]
