"""The models listing: which models the account may call (``GET /models``, ``/models/{id}``).

``ChatGigaChat.get_models`` / ``get_model`` and their ``a``-prefixed twins call these with the
model's transport; they return the SDK's ``Models`` / ``Model`` as ``langchain-gigachat`` does.

Example:
    ```python
    llm = ChatGigaChat()
    print([model.id_ for model in llm.get_models().data])
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_gigachat_ext.client.sdk import Model, Models
from langchain_gigachat_ext.client.sdk import models as sdk_models

if TYPE_CHECKING:
    from langchain_gigachat_ext.client.transport import Transport

__all__ = ["aget_model", "aget_models", "get_model", "get_models"]


def get_models(transport: Transport) -> Models:
    """Every model the account may call (``data``: ``id_``, ``object_``, ``owned_by``)."""
    return transport.call(lambda http, token: sdk_models.get_models_sync(http, access_token=token))


async def aget_models(transport: Transport) -> Models:
    """Async :func:`get_models`."""

    async def op(http: Any, token: str | None) -> Models:
        return await sdk_models.get_models_async(http, access_token=token)

    return await transport.acall(op)


def get_model(transport: Transport, model: str) -> Model:
    """One model's card.

    Raises:
        GigaChatNotFoundError: No such model for this account.
    """
    return transport.call(
        lambda http, token: sdk_models.get_model_sync(http, model=model, access_token=token)
    )


async def aget_model(transport: Transport, model: str) -> Model:
    """Async :func:`get_model`."""

    async def op(http: Any, token: str | None) -> Model:
        return await sdk_models.get_model_async(http, model=model, access_token=token)

    return await transport.acall(op)
