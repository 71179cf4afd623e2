"""The class docstring of :class:`ChatGigaChat` (kept apart so the class reads in one screen)."""

CHAT_GIGACHAT_DOC = '''GigaChat chat model (Sber), over the official ``gigachat`` SDK.

Setup:
    Install the package and export your authorization key::

        pip install langchain-gigachat-ext
        export GIGACHAT_CREDENTIALS="<base64 authorization key>"
        export GIGACHAT_CA_BUNDLE_FILE=/path/to/russian_trusted_root_ca.cer

    No credentials? Run everything offline against the bundled emulator
    (``pip install "langchain-gigachat-ext[emulator]"``)::

        from langchain_gigachat_ext.emulator import GigaChatEmulator

        with GigaChatEmulator() as emu:
            llm = ChatGigaChat(**emu.client_kwargs())
            print(llm.invoke("Привет!").text)

Key init args — completion params:
    model: Model id, default ``GigaChat-2`` (env ``GIGACHAT_MODEL``).
    temperature: 0..2; 0 means greedy.
    max_tokens: Maximum tokens to generate.
    top_p, repetition_penalty, update_interval, profanity_check, flags, reasoning_effort.
    stop: Stop sequences (applied client-side; the API has none).

Key init args — client params:
    credentials (alias ``api_key``), scope, user, password, access_token, base_url, auth_url,
    cert_file, key_file, key_file_password, ca_bundle_file, verify_ssl_certs, timeout,
    connect_timeout, max_retries. Every one reads its ``GIGACHAT_*`` environment variable.

Instantiate:
    ```python
    from langchain_gigachat_ext import ChatGigaChat

    llm = ChatGigaChat(model="GigaChat-2-Max", temperature=0, max_retries=2)
    ```

Invoke:
    ```python
    messages = [
        ("system", "Ты — вежливый помощник банка."),
        ("human", "Как заблокировать карту?"),
    ]
    llm.invoke(messages)
    ```

Stream:
    ```python
    for chunk in llm.stream(messages):
        print(chunk.text, end="", flush=True)
    ```

Async:
    ```python
    await llm.ainvoke(messages)
    async for chunk in llm.astream(messages):
        ...
    await llm.abatch([messages, messages])
    ```
    One instance works across event loops (``asyncio.run`` twice, Jupyter).

Tool calling:
    ```python
    from langchain_core.tools import tool


    @tool
    def get_exchange_rate(currency: str) -> float:
        """Курс валюты к рублю."""
        return 92.5


    llm.bind_tools([get_exchange_rate], tool_choice="any").invoke("Курс доллара?").tool_calls
    ```

Structured output:
    ```python
    from pydantic import BaseModel


    class Ticket(BaseModel):
        topic: str
        urgent: bool


    llm.with_structured_output(Ticket).invoke("Карта украдена, срочно!")
    ```

Token usage:
    ```python
    llm.invoke(messages).usage_metadata
    # {'input_tokens': 25, 'output_tokens': 12, 'total_tokens': 37,
    #  'input_token_details': {'cache_read': 0}}
    ```

Response metadata:
    ```python
    llm.invoke(messages).response_metadata
    # {'model_provider': 'gigachat', 'model_name': 'GigaChat-2:2.0.28.2',
    #  'finish_reason': 'stop', 'gigachat_finish_reason': 'stop',
    #  'request_id': '…', 'session_id': '…'}
    ```

Prompt caching:
    Set ``session_id`` (sent as ``X-Session-ID``), or run inside LangGraph with a
    ``thread_id``: a stable session id is derived from it automatically, and cache hits show up
    as ``usage_metadata["input_token_details"]["cache_read"]``.
'''
