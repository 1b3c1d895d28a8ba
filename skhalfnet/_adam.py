"""Adam with an L2 penalty as torch.optim.Adam computes it, without torch.optim's machinery.

Building any ``torch.optim`` optimizer imports ``torch._dynamo`` the first time (its
methods are wrapped to disable the compiler), which costs about 0.75 CPU seconds in a
fresh process: more than ten default fits on iris. Training needs none of it, so
:class:`Adam` calls the kernels ``torch.optim.Adam`` itself calls
(``amsgrad=False``, ``maximize=False``), and gives its numbers bit for bit
(``tests/test_adam.py`` compares the two):

* on the CPU, torch's fused kernel (``torch.optim.Adam(fused=True)``): one call per
  parameter instead of a dozen element-wise operations, about a third of the
  single-tensor path's time for the default network's three parameters;
* elsewhere, the arithmetic of the single-tensor path (torch's default), operation
  for operation.

It keeps torch's state layout (``step`` as a 0-d float32 tensor, ``exp_avg``,
``exp_avg_sq``) so that the moments saved in a fitted estimator's history load
either way.
"""

from __future__ import annotations

import torch

#: Adam's decay rates of the first and second moments, and its epsilon (torch's defaults).
BETAS = (0.9, 0.999)
EPS = 1e-8


@torch.no_grad()
def adam_update(param, grad, state: dict, lr: float, weight_decay: float) -> None:
    """One Adam step on ``param`` in place; ``state`` holds step, exp_avg and exp_avg_sq."""
    beta1, beta2 = BETAS
    state["step"] += 1
    if weight_decay != 0:
        grad = grad.add(param, alpha=weight_decay)
    state["exp_avg"].lerp_(grad, 1 - beta1)
    state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    step = state["step"].item()
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    bias_correction2_sqrt = bias_correction2**0.5
    denom = (state["exp_avg_sq"].sqrt() / bias_correction2_sqrt).add_(EPS)
    param.addcdiv_(state["exp_avg"], denom, value=-step_size)


@torch.no_grad()
def fused_adam_update(param, grad, state: dict, lr: float, weight_decay: float) -> None:
    """The same step with torch's fused kernel, as ``torch.optim.Adam(fused=True)`` takes it."""
    state["step"] += 1  # the fused kernel reads the step count; the caller advances it
    torch._fused_adam_(
        [param],
        [grad],
        [state["exp_avg"]],
        [state["exp_avg_sq"]],
        [],
        [state["step"]],
        lr=lr,
        beta1=BETAS[0],
        beta2=BETAS[1],
        weight_decay=weight_decay,
        eps=EPS,
        amsgrad=False,
        maximize=False,
    )


#: The update by the parameter's device type: torch's fused kernel where torch has one
#: for float CPU tensors, the single-tensor arithmetic elsewhere.
UPDATES = {"cpu": fused_adam_update}


def update_for(param):
    """The update function for ``param``: fused on the CPU, the reference elsewhere."""
    return UPDATES.get(param.device.type, adam_update)


def new_state(param) -> dict:
    """Adam's state before its first step on ``param``."""
    return {
        "step": torch.zeros((), dtype=torch.float32),
        "exp_avg": torch.zeros_like(param, memory_format=torch.preserve_format),
        "exp_avg_sq": torch.zeros_like(param, memory_format=torch.preserve_format),
    }


def _copy_state(state: dict | None) -> dict | None:
    """A copy of one parameter's Adam state that shares no tensor with it.

    Tensor clones, not ``copy.deepcopy``: deep-copying the state at every epoch's
    snapshot was about a third of a small fit's time.
    """
    return None if state is None else {key: value.clone() for key, value in state.items()}


class Adam:
    """The part of ``torch.optim.Adam``'s interface that training uses.

    ``param_groups`` is a list of dicts with ``params``, ``lr`` and
    ``weight_decay`` (and whatever else the caller stores there); ``state`` maps
    each parameter to its Adam state once it has taken a step.
    """

    def __init__(self, param_groups: list[dict]):
        self.param_groups = [{**group, "params": list(group["params"])} for group in param_groups]
        self.state: dict = {}

    def _params(self) -> list:
        return [param for group in self.param_groups for param in group["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        for param in self._params():
            param.grad = None

    def step(self) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if not self.state.get(param):  # no step yet (or a state saved before one)
                    self.state[param] = new_state(param)
                update_for(param)(
                    param, param.grad, self.state[param], group["lr"], group["weight_decay"]
                )

    def state_dict(self) -> dict:
        """The states (by the parameters' order) and the groups' settings, as copies."""
        return {
            "state": [_copy_state(self.state.get(param)) for param in self._params()],
            "param_groups": [
                {key: value for key, value in group.items() if key != "params"}
                for group in self.param_groups
            ],
        }

    def load_state_dict(self, saved: dict) -> None:
        """Put back what :meth:`state_dict` returned."""
        self.state = {
            param: _copy_state(state)
            for param, state in zip(self._params(), saved["state"], strict=True)
            if state is not None
        }
        for group, settings in zip(self.param_groups, saved["param_groups"], strict=True):
            group.update(settings)
