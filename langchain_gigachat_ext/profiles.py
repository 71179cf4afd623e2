"""LangChain model profiles for GigaChat models (``llm.profile``), from the shared catalogue."""

from __future__ import annotations

from langchain_core.language_models.model_profile import ModelProfile

from langchain_gigachat_ext._catalog import CHAT_MODELS, ChatModelFacts

DEFAULT_FACTS = CHAT_MODELS["GigaChat-2"]


def base_model_name(model: str) -> str:
    """``GigaChat-2-Max:2.0.28.2`` → ``GigaChat-2-Max`` (the API reports versioned names)."""
    return model.split(":", 1)[0]


def facts_for(model: str) -> ChatModelFacts:
    """Catalogue facts for a model id (unknown ids get the GigaChat 2 defaults)."""
    return CHAT_MODELS.get(base_model_name(model), DEFAULT_FACTS)


def model_profile(model: str) -> ModelProfile:
    """The LangChain profile of a GigaChat model.

    ``structured_output`` is True for every model: the native ``response_format`` is used
    where the model accepts it, with an automatic fallback to a forced function call, so
    ``create_agent(response_format=...)`` can use its provider strategy.

    Example:
        ```python
        model_profile("GigaChat-2-Max")["image_inputs"]  # True
        ```
    """
    facts = facts_for(model)
    profile = ModelProfile(
        max_input_tokens=facts.max_input_tokens,
        text_inputs=True,
        image_inputs=facts.image_inputs,
        image_url_inputs=facts.image_inputs,
        pdf_inputs=facts.pdf_inputs,
        audio_inputs=facts.audio_inputs,
        video_inputs=False,
        image_tool_message=False,
        pdf_tool_message=False,
        text_outputs=True,
        image_outputs=False,
        audio_outputs=False,
        video_outputs=False,
        reasoning_output=facts.reasoning,
        tool_calling=True,
        tool_choice=True,
        tool_call_streaming=True,
        structured_output=True,
    )
    if facts.max_output_tokens is not None:
        profile["max_output_tokens"] = facts.max_output_tokens
    if facts.reasoning:
        profile["reasoning_effort_levels"] = ["low", "medium", "high"]
    return profile
