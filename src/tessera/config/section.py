"""Reading one YAML mapping with type checks that name the dotted key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from tessera.config.errors import ConfigError

T = TypeVar("T")

_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    str: "a string",
    list: "a list",
    dict: "a mapping",
}


class Section:
    """A mapping being read key by key; what is left unread is an unknown key."""

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"must be a mapping, got {_describe(data)}")
        self.path = path
        self._data = dict(data)
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        """The dotted name of a key in this section."""
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        """Whether the key is set (null counts as unset); marks it as read."""
        self._seen.add(name)
        return self._data.get(name) is not None

    def raw(self, name: str) -> Any:
        """The value as written (None when absent), marking the key as read."""
        self._seen.add(name)
        return self._data.get(name)

    def optional(self, name: str, kind: type[T]) -> T | None:
        """The value if set (null counts as unset), checked to be of ``kind``."""
        value = self.raw(name)
        if value is None:
            return None
        return check_type(value, kind, self.key(name))

    def get(self, name: str, kind: type[T], default: T) -> T:
        value = self.optional(name, kind)
        return default if value is None else value

    def required(self, name: str, kind: type[T], why: str = "required") -> T:
        value = self.optional(name, kind)
        if value is None:
            raise ConfigError(self.key(name), why)
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        """The value if set, which must be one of ``choices``."""
        value = self.optional(name, str)
        if value is not None and value not in choices:
            raise ConfigError(self.key(name), f"must be one of {', '.join(choices)}")
        return value

    def child(self, name: str) -> Section:
        value = self.raw(name)
        return Section({} if value is None else value, self.key(name))

    def unread(self) -> list[str]:
        return [k for k in self._data if k not in self._seen]

    def finish(self) -> None:
        """Refuse keys nobody read: inside a section we implement, they are typos."""
        for name in self.unread():
            raise ConfigError(self.key(str(name)), "unknown key")


#: Synapse's duration units (``synapse/config/_base.py`` ``parse_duration``), in ms.
_DURATION_UNITS_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60 * 1000,
    "h": 60 * 60 * 1000,
    "d": 24 * 60 * 60 * 1000,
    "w": 7 * 24 * 60 * 60 * 1000,
    "y": 365 * 24 * 60 * 60 * 1000,
}


def parse_duration(value: object) -> int | None:
    """Milliseconds in a Synapse duration, or None when Synapse would refuse it (or it is
    negative, which means nothing here).

    As Synapse's ``parse_duration``: an integer is milliseconds (a bool is no
    integer); a string is a number read by Python's ``int()`` (so ``" 5"``,
    ``"+5"`` and ``"1_000"`` too) followed by one unit of ``ms s m h d w y``,
    or by none (milliseconds). Units are case-sensitive: ``5M`` is no duration.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    unit = "ms" if value.endswith("ms") else value[-1:]
    factor = _DURATION_UNITS_MS.get(unit)
    number = value[: -len(unit)] if factor is not None else value
    try:
        amount = int(number)
    except ValueError:
        return None
    milliseconds = amount * (factor or 1)
    return milliseconds if milliseconds >= 0 else None


def duration_ms(section: Section, name: str, default: int | None) -> int | None:
    """A Synapse duration key: milliseconds as a number, or a string like ``5m``, ``1h``."""
    value = section.raw(name)
    if value is None:
        return default
    milliseconds = parse_duration(value)
    if milliseconds is None:
        raise ConfigError(
            section.key(name),
            "must be a duration (milliseconds, or a number with one of the units "
            f"ms, s, m, h, d, w, y, e.g. 2000ms, 30s, 5m, 1h, 7d), got {value!r}",
        )
    return milliseconds


def positive_duration_ms(section: Section, name: str, default: int) -> int:
    """A duration that must be longer than 0."""
    milliseconds = duration_ms(section, name, default)
    if not milliseconds:
        raise ConfigError(section.key(name), "must be a positive duration")
    return milliseconds


def check_type(value: object, kind: type[T], key: str) -> T:
    """``value`` if it is a ``kind`` (an int is no bool, a bool is no int)."""
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise ConfigError(
            key, f"must be {_TYPE_NAMES.get(kind, kind.__name__)}, got {_describe(value)}"
        )
    return value  # type: ignore[return-value]


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return type(value).__name__
