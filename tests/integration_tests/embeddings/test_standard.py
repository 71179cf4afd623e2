"""LangChain's standard integration suite for GigaChatEmbeddings (emulator, or live API)."""

from __future__ import annotations

from typing import Any

from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings
from tests.integration_tests.backend import connection_kwargs


class TestGigaChatEmbeddingsStandard(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[GigaChatEmbeddings]:
        return GigaChatEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {**connection_kwargs(), "model": "Embeddings"}
