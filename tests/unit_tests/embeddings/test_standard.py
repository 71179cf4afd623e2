"""LangChain's standard unit suite for GigaChatEmbeddings."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_gigachat_ext.embeddings.model import GigaChatEmbeddings


class TestGigaChatEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[GigaChatEmbeddings]:
        return GigaChatEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"credentials": "test-credentials", "model": "Embeddings"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "GIGACHAT_CREDENTIALS": "env-credentials",
                "GIGACHAT_EMBEDDINGS_MODEL": "EmbeddingsGigaR",
                "GIGACHAT_SCOPE": "GIGACHAT_API_B2B",
                "GIGACHAT_BASE_URL": "http://127.0.0.1:9/api/v1",
            },
            {},
            {
                "credentials": "env-credentials",
                "model": "EmbeddingsGigaR",
                "scope": "GIGACHAT_API_B2B",
                "base_url": "http://127.0.0.1:9/api/v1",
            },
        )
