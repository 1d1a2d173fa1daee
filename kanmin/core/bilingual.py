"""The error of core's pure-Python readers (和暦, numbers, 全国地方公共団体コード): a stable code,
the input, and a message for people in Japanese and in English, so that each caller (a form,
the validator, the command line) shows the one its reader needs."""

from __future__ import annotations


class BilingualError(ValueError):
    def __init__(self, code: str, text: str, message_ja: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.text = text
        self.message_ja = message_ja
        self.message_en = message_en
