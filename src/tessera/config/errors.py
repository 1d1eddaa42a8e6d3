"""The configuration error type."""


class ConfigError(ValueError):
    """The configuration is unusable; the message starts with the dotted key at fault."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
