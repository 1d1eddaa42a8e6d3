"""Path convertors: only the profile fields we serve match, the rest is 404."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class ProfileFieldConvertor(Convertor[str]):
    regex = "displayname|avatar_url"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("profile_field", ProfileFieldConvertor())
