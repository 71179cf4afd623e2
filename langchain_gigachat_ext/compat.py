"""What ``langchain-gigachat`` 0.5.1 / 0.5.2a1 code brings along, mapped onto this package.

Their ``use_api_v2`` selects our ``api_version`` (on the model, from ``GIGACHAT_USE_API_V2``, or
per call through ``bind(use_api_v2=True)``); their v2 options that this package handles in
another way are accepted where that changes nothing, and refused, before anything is sent,
with what to do instead where it would. The README's migration section lists every difference.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from langchain_gigachat_ext.client.config_env import env_bool
from langchain_gigachat_ext.errors import GigaChatInvalidInputError

SERVER_THREADS = ("assistant_id", "storage")
"""langchain-gigachat 0.5.2a1 call arguments for server-side assistants and threads."""

_THREADS_REFUSED = (
    "{names}: server-side assistants and threads (langchain-gigachat 0.5.2a1) are not "
    "supported; this package keeps the conversation on the client. Pass the whole history "
    "(e.g. a LangGraph checkpointer: its thread_id also becomes the X-Session-ID, so the API "
    "caches the shared prefix), and drop {names}."
)

RAW_V2_FIELDS = {
    "model_options": (
        "set the typed fields instead (temperature, top_p, max_tokens, repetition_penalty, "
        "reasoning_effort, top_logprobs), on the model or per call"
    ),
    "tool_config": "use bind_tools(tools, tool_choice=...) (a name, 'auto', 'none' or 'any')",
    "additional_fields": (
        "this package sends only request fields it knows and checks; if the API has one it "
        "lacks, please report it"
    ),
}
"""langchain-gigachat 0.5.2a1's raw v2 request fields, with what to use here instead."""


def refuse_raw_v2_fields(arguments: Mapping[str, Any], error: type[Exception]) -> None:
    """Raise ``error`` naming each raw v2 field given and what to use instead.

    Raises:
        Exception: ``error``, when ``arguments`` holds one of :data:`RAW_V2_FIELDS`.
    """
    given = [name for name in RAW_V2_FIELDS if name in arguments]
    if given:
        advice = "; ".join(f"{name}: {RAW_V2_FIELDS[name]}" for name in given)
        names = ", ".join(given)
        msg = f"{names} (raw v2 request fields of langchain-gigachat) not accepted: {advice}."
        raise error(msg)


def api_version_from(values: Any) -> Any:
    """Constructor arguments with ``use_api_v2`` turned into ``api_version``.

    ``use_api_v2=True`` is ``api_version="v2"``, ``False`` is ``"v1"``. Without either argument,
    ``GIGACHAT_USE_API_V2`` decides, as in langchain-gigachat.

    Raises:
        ValueError: ``use_api_v2`` and ``api_version`` disagree.
    """
    if not isinstance(values, Mapping):
        return values
    refuse_raw_v2_fields(values, ValueError)
    flag = values.get("use_api_v2")
    version = values.get("api_version")
    if flag is None and version is None:
        flag = env_bool("GIGACHAT_USE_API_V2", default=None)()
    if flag is None:
        return values
    wanted = "v2" if flag else "v1"
    if version is not None and version != wanted:
        msg = (
            f"use_api_v2={flag} and api_version={version!r} disagree: use_api_v2=True means "
            "api_version='v2' and False means 'v1'. Pass one of them."
        )
        raise ValueError(msg)
    return {**values, "api_version": wanted, "use_api_v2": flag}


def call_api_version(kwargs: MutableMapping[str, Any], default: str) -> str:
    """The API a call goes to: ``use_api_v2`` / ``api_version`` bound or given per call.

    Removes both from ``kwargs`` (they choose the dialect; they are not request fields) and
    refuses server-side thread arguments.

    Raises:
        GigaChatInvalidInputError: ``assistant_id``/``storage`` given, or ``use_api_v2`` and
            ``api_version`` disagree, or an unknown ``api_version``.
    """
    refuse_raw_v2_fields(kwargs, GigaChatInvalidInputError)
    threads = [name for name in SERVER_THREADS if kwargs.get(name) is not None]
    if threads:
        raise GigaChatInvalidInputError(_THREADS_REFUSED.format(names=", ".join(threads)))
    for name in SERVER_THREADS:
        kwargs.pop(name, None)
    flag = kwargs.pop("use_api_v2", None)
    version = kwargs.pop("api_version", None)
    if version is not None and version not in ("v1", "v2"):
        msg = f"api_version must be 'v1' or 'v2', not {version!r}."
        raise GigaChatInvalidInputError(msg)
    if flag is not None:
        wanted = "v2" if flag else "v1"
        if version is not None and version != wanted:
            msg = f"use_api_v2={flag} and api_version={version!r} disagree; pass one of them."
            raise GigaChatInvalidInputError(msg)
        return wanted
    return version or default


def check_v2_options(
    *, api_version: str, parallel_tool_calls: bool | None, reasoning_max_tokens: int | None
) -> None:
    """Refuse langchain-gigachat 0.5.2a1 options that would otherwise be dropped.

    ``parallel_tool_calls=True`` is what the v2 API does anyway (several calls per answer) and
    is accepted there; ``False`` and any ``reasoning_max_tokens`` have no wire field here.

    Raises:
        ValueError: The option cannot be honoured.
    """
    if parallel_tool_calls is not None and api_version != "v2":
        msg = (
            "parallel_tool_calls needs the v2 chat API: pass use_api_v2=True (or "
            "api_version='v2'); the v1 API answers one function call at a time."
        )
        raise ValueError(msg)
    if parallel_tool_calls is False:
        msg = (
            "parallel_tool_calls=False is not supported: the v2 API may answer several calls "
            "at once, and each comes back as a tool call. Leave it unset (or True)."
        )
        raise ValueError(msg)
    if reasoning_max_tokens is not None:
        msg = (
            "reasoning_max_tokens is not supported: the GigaChat API documents no reasoning "
            "budget field. Use reasoning_effort='low' | 'medium' | 'high'."
        )
        raise ValueError(msg)
