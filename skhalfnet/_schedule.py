"""Step-size schedules: the factor by which both Adam steps are multiplied at each step.

Each schedule is a small pure function of where training stands; ``SCHEDULES``
dispatches on the estimators' ``learning_rate`` parameter.
"""

from __future__ import annotations

import math

#: Share of a cosine schedule's steps spent warming up linearly (at most one epoch).
WARMUP_FRACTION = 0.05
#: With ``adaptive`` steps, two epochs in a row without improvement divide the steps by this.
ADAPTIVE_DIVISOR = 5.0
#: ``partial_fit``: the stream's first step, relative to ``learning_rate_init`` (the peak of a
#: cosine fit, which a stream without an end cannot anneal from) ...
STREAM_START = 0.6
#: ... the steps after which it has fallen to 1/sqrt(2) of that ...
STREAM_STEPS = 1000
#: ... and the floor it never goes below, however long the stream.
STREAM_FLOOR = 0.1
#: partial_fit's model averages the trained weights over about this many recent steps.
STREAM_AVERAGE_STEPS = 40
#: A cosine fit trains V for this share of its steps; the head trains to the end.
COSINE_COMPONENTS_SHARE = 5 / 6


def constant(step: int, total_steps: int, steps_per_epoch: int, adaptive_scale: float) -> float:
    """The same step throughout."""
    return 1.0


def stream(step: int, total_steps: int, steps_per_epoch: int, adaptive_scale: float) -> float:
    """``partial_fit``: ``STREAM_START / sqrt(1 + t / STREAM_STEPS)`` over all steps ``t`` taken.

    A stream has no end to anneal towards; the step depends only on how many
    steps were taken, never on how many calls brought them or on whether a
    call improved, so a long stream keeps learning at the floor.
    """
    return STREAM_START * max(STREAM_FLOOR, (1.0 + step / STREAM_STEPS) ** -0.5)


def stream_average_weight(step: int) -> float:
    """Weight of the newest weights in partial_fit's running average after ``step`` steps.

    ``1 / step`` (the plain mean) until :data:`STREAM_AVERAGE_STEPS` steps, then
    the fixed weight of an exponential average over about that many steps.
    """
    return 1.0 / min(max(step, 1), STREAM_AVERAGE_STEPS)


def adaptive(step: int, total_steps: int, steps_per_epoch: int, adaptive_scale: float) -> float:
    """The step divided by :data:`ADAPTIVE_DIVISOR` at each stall (kept across warm starts)."""
    return adaptive_scale


def cosine(step: int, total_steps: int, steps_per_epoch: int, adaptive_scale: float) -> float:
    """Linear warm-up, then a half cosine from the full step down to zero at ``total_steps``."""
    warmup = max(1, min(steps_per_epoch, round(WARMUP_FRACTION * total_steps)))
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total_steps - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def trains_components(schedule: str, step: int, total_steps: int) -> bool:
    """Whether step ``step`` (from 0) of ``total_steps`` updates V as well as the head.

    A cosine fit leaves V as it is for its last sixth
    (:data:`COSINE_COMPONENTS_SHARE`): there the step has fallen below a tenth of
    its peak, and those steps add up to 0.8 % of the sum of V's steps over a fit of
    1,175 steps (the default MNIST fit), 2.4 % at most (a fit of 6 steps). A step
    without V's gradient skips the backward through the frozen Z, the product with
    the rows and V's update. The other schedules have no end they anneal towards,
    so V trains at every step.
    """
    return schedule != "cosine" or step < COSINE_COMPONENTS_SHARE * total_steps


SCHEDULES = {"constant": constant, "adaptive": adaptive, "cosine": cosine, "stream": stream}
