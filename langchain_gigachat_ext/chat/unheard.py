"""What ``.invoke()`` and ``.stream()`` share when no callback handler listens.

langchain-core's ``BaseChatModel`` wraps every call in callback bookkeeping: run managers,
invocation parameters and traced copies of the messages for the handlers, and in ``.stream()`` a
merge of every chunk for their ``on_llm_end``. With no handler configured (no callbacks in the
config, inherited from an enclosing runnable, or on the model; not ``verbose``; no tracing or
``collect_runs``) nothing receives any of it. :mod:`~._unheard_invoke` and
:mod:`~._unheard_stream` then run core's own steps that shape the result (the same private
helpers, imported here) and skip the rest; any handler, ``output_version="v1"``, a configured
cache, or a langchain-core release without these helpers sends the call down core's path.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import AsyncCallbackManager, CallbackManager
from langchain_core.runnables.config import RunnableConfig

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel, LanguageModelInput
    from langchain_core.messages import BaseMessage
    from langchain_core.outputs import ChatGeneration

try:  # private helpers of BaseChatModel: the same steps, not copies of them
    from langchain_core.language_models._utils import _normalize_messages
    from langchain_core.language_models.chat_models import _gen_info_and_msg_metadata
    from langchain_core.utils._signature import _signature_parameters
    from langchain_core.utils.utils import LC_ID_PREFIX
except ImportError:  # pragma: no cover - depends on the installed langchain-core
    SUPPORTED = False
else:
    SUPPORTED = True
"""Whether the installed langchain-core has the helpers the unheard paths call."""


def configured_manager(
    model: BaseChatModel, config: RunnableConfig, *, async_api: bool
) -> CallbackManager | AsyncCallbackManager | None:
    """Core's callback manager for this call, or None when a handler would receive events.

    Args:
        model: The chat model.
        config: The call's ensured config (``ensure_config`` also inherits an enclosing
            runnable's config, and with it that runnable's handlers).
        async_api: Whether the call is ``ainvoke``/``astream``.
    """
    manager_class = AsyncCallbackManager if async_api else CallbackManager
    manager = manager_class.configure(
        config.get("callbacks"),
        model.callbacks,
        model.verbose,
        config.get("tags"),
        model.tags,
        config.get("metadata"),
        model.metadata,
    )
    if manager.handlers or manager.inheritable_handlers:
        return None
    return manager


def input_messages(
    model: BaseChatModel, model_input: LanguageModelInput, kwargs: dict[str, Any]
) -> list[BaseMessage]:
    """The normalised messages of ``model_input``; pops core's tracing-only kwargs first."""
    # Popped as in core (the first one found): they are for tracing only.
    kwargs.pop("ls_structured_output_format", None) or kwargs.pop("structured_output_format", None)
    return _normalize_messages(model._convert_input(model_input).to_messages())  # noqa: SLF001


def message_metadata(generation: ChatGeneration) -> dict[str, Any]:
    """Core's ``response_metadata`` of a generation's message (its generation info merged in)."""
    return _gen_info_and_msg_metadata(generation)


def run_label(run_id: object) -> str:
    """Core's message id for a run: ``lc_run-<run id>``."""
    return f"{LC_ID_PREFIX}-{run_id}"


def takes_run_manager(method: Callable[..., Any]) -> bool:
    """Whether core would pass ``run_manager`` to this ``_generate``/``_agenerate``.

    Core inspects the bound method's signature on every call (~11 µs); a method's parameters
    are those of its function, so the answer is kept per function.
    """
    function = getattr(method, "__func__", None)
    if function is None:  # not a bound method (e.g. a callable set on the instance)
        return bool(_signature_parameters(method).get("run_manager"))
    return _function_takes_run_manager(function)


@functools.lru_cache(maxsize=256)
def _function_takes_run_manager(function: Callable[..., Any]) -> bool:
    return bool(_signature_parameters(function).get("run_manager"))
