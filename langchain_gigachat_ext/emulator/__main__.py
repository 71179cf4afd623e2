"""``python -m langchain_gigachat_ext.emulator``."""

from langchain_gigachat_ext.emulator.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
