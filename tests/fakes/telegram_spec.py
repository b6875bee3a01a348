"""The Telegram Bot API specification as a checker, for the fake Telegram server and its tests.

It loads `shared/specs/telegram-bot-api/api.json` (methods and types, each with typed fields) and
answers two questions: is this request to a method well formed (no unknown parameter, every required
one present, each value of the declared JSON type, recursively through objects such as
`InlineKeyboardMarkup`, and within the limits that the descriptions state, such as "1-4096 characters"
or "1-64 bytes" and the quoted choices of "can be"/"must be" sentences), and is this object that the
fake returns a valid instance of its type. Form-encoded requests, as python-telegram-bot sends them,
carry every non-string value JSON-encoded; `decode_request` turns them back into JSON values first.
Each finding is a `Problem` that also knows the description real Telegram would answer with.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_SPEC_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "specs" / "telegram-bot-api" / "api.json"
)
SCALARS = frozenset({"Integer", "Float", "Boolean", "True", "String", "InputFile"})
# InlineKeyboardButton: "Exactly one of the fields other than text, icon_custom_emoji_id, and style".
BUTTON_DECORATIONS = frozenset({"text", "icon_custom_emoji_id", "style"})
_LENGTH = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_CHOICE_SENTENCE = re.compile(r"\b(can be|must be|always|one of)\b", re.IGNORECASE)
_QUOTED = re.compile(r"\"([a-z0-9_]+)\"")
_BARE_MUST_BE = re.compile(r"must be ([a-z_]+)$")
_HTML_TAG = re.compile(r"<[^>]+>")
_MARKDOWN_MARKS = re.compile(r"\]\([^)]*\)|\\(.)|[*_~`|\[\]]")
# "All numerical HTML entities are supported. The API currently supports only the following named
# HTML entities: &lt;, &gt;, &amp; and &quot;." (formatting options, HTML style)
_HTML_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")
_HTML_TAG_PARTS = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^<>]*)?)>")
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
    | {"tg-emoji", "code", "pre", "blockquote"}
)


@dataclass(frozen=True)
class Problem:
    """One way a request or object breaks the spec: where, what, and Telegram's own wording."""

    path: str
    detail: str
    telegram: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.detail}"

    @property
    def description(self) -> str:
        """The `description` a real Bot API server would answer with."""
        return f"Bad Request: {self.telegram or str(self)}"


@dataclass(frozen=True)
class FieldSpec:
    """A parameter of a method or a field of a type, with the limits its description states."""

    name: str
    types: tuple[str, ...]
    required: bool
    description: str
    length: tuple[int, int, str] | None = None
    choices: frozenset[str] | None = None
    after_entities_parsing: bool = False

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FieldSpec:
        description = str(raw.get("description", ""))
        types = tuple(raw["types"])
        length = _LENGTH.search(description) if types == ("String",) else None
        return cls(
            name=raw["name"],
            types=types,
            required=bool(raw.get("required", False)),
            description=description,
            length=(int(length[1]), int(length[2]), length[3]) if length else None,
            choices=_choices(description) if types == ("String",) else None,
            after_entities_parsing="after entities parsing" in description,
        )


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API type: either fields, or (abstract) the subtypes it may be."""

    name: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    subtypes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its parameters and what it returns."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (an `InputFile` value)."""

    filename: str
    content_type: str
    data: bytes


def _choices(description: str) -> frozenset[str] | None:
    """Quoted values of a "can be ..."/"must be ..." sentence, or the bare word of "must be x"."""
    for sentence in re.split(r"(?<=\.)\s+", description):
        if _CHOICE_SENTENCE.search(sentence):
            quoted = _QUOTED.findall(sentence)
            if quoted:
                return frozenset(quoted)
            bare = _BARE_MUST_BE.search(sentence.strip())
            if bare:
                return frozenset({bare[1]})
    return None


def visible_text(text: str, parse_mode: str | None) -> str:
    """Roughly the text left after Telegram parses entities, for "after entities parsing" limits."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return html.unescape(_HTML_TAG.sub("", text))
    if mode in ("markdown", "markdownv2"):
        return _MARKDOWN_MARKS.sub(lambda m: m.group(1) or "", text)
    return text


def html_problem(text: str) -> str | None:
    """Why Telegram cannot parse `text` as HTML ("All <, > and & symbols that are not a part of a
    tag or an HTML entity must be replaced with the corresponding HTML entities"), or None."""
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        char, at = text[i], len(text[:i].encode())
        if char == "&":
            entity = _HTML_ENTITY.match(text, i)
            if entity is None:
                return f"Unsupported HTML entity at byte offset {at}"
            i = entity.end()
            continue
        if char == "<":
            tag = _HTML_TAG_PARTS.match(text, i)
            if tag is None:
                return f"Unclosed start tag at byte offset {at}"
            closing, name = tag.group(1), tag.group(2).lower()
            if closing and (not open_tags or open_tags[-1] != name):
                return f"Unexpected end tag at byte offset {at}"
            if closing:
                open_tags.pop()
            elif name not in HTML_TAGS:
                return f'Unsupported start tag "{name}" at byte offset {at}'
            else:
                open_tags.append(name)
            i = tag.end()
            continue
        if char == ">":
            return f"Unexpected > at byte offset {at}"
        i += 1
    if open_tags:
        return f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"'
    return None


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class BotApiSpec:
    """The loaded specification with request decoding and recursive type checks."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.version: str = str(raw.get("version", "?"))
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(
                name=name,
                fields={f["name"]: FieldSpec.from_json(f) for f in t.get("fields", [])},
                subtypes=tuple(t.get("subtypes", ())),
            )
            for name, t in raw["types"].items()
        }
        methods = [
            MethodSpec(
                name=name,
                fields={f["name"]: FieldSpec.from_json(f) for f in m.get("fields", [])},
                returns=tuple(m["returns"]),
            )
            for name, m in raw["methods"].items()
        ]
        # Telegram matches method names case-insensitively.
        self._methods: dict[str, MethodSpec] = {m.name.lower(): m for m in methods}

    def method(self, name: str) -> MethodSpec | None:
        return self._methods.get(name.lower())

    # -- requests -------------------------------------------------------------------------

    def decode_request(
        self, method: MethodSpec, raw: Mapping[str, Any], *, form_encoded: bool
    ) -> tuple[dict[str, Any], list[Problem]]:
        """JSON values of the parameters, and every way they break the method's spec."""
        params: dict[str, Any] = {}
        problems: list[Problem] = []
        for name, value in raw.items():
            spec = method.fields.get(name)
            if spec is None:
                problems.append(Problem(f"{method.name}.{name}", "unknown parameter"))
                continue
            if form_encoded and isinstance(value, str):
                value, problem = _decode_form_value(spec.types, value)
                if problem:
                    problems.append(
                        Problem(f"{method.name}.{name}", problem, f"can't parse {name} JSON object")
                    )
                    continue
            params[name] = value
        for spec in method.fields.values():
            if spec.required and spec.name not in params and spec.name in raw:
                continue  # already reported as unparsable
            if spec.required and spec.name not in params:
                problems.append(_missing(method.name, spec.name))
        for name, value in params.items():
            problems += self.check_field(
                method.fields[name], value, f"{method.name}.{name}", params
            )
        return params, problems

    # -- values and objects -----------------------------------------------------------------

    def check_field(
        self, spec: FieldSpec, value: Any, path: str, siblings: Mapping[str, Any]
    ) -> list[Problem]:
        """Type of one field's value, then the limits its description states."""
        problems = self.check_value(spec.types, value, path)
        if problems or not isinstance(value, str):
            return problems
        return _check_limits(spec, value, path, siblings)

    def check_value(self, types: tuple[str, ...], value: Any, path: str) -> list[Problem]:
        """Problems of `value` against the best matching alternative of `types` (none: valid)."""
        best: list[Problem] | None = None
        for type_expr in types:
            problems = self._check_one(type_expr, value, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def check_object(self, type_name: str, value: Any, path: str | None = None) -> list[Problem]:
        """Problems of `value` as an instance of the named type, recursively."""
        path = path or type_name
        spec = self.types.get(type_name)
        if spec is None:
            return [Problem(path, f"unknown type {type_name}")]
        if spec.subtypes:
            return self.check_value(spec.subtypes, value, path)
        if not isinstance(value, dict):
            return [Problem(path, f"expected a {type_name} object, got {_kind(value)}")]
        problems = [Problem(f"{path}.{k}", "unknown field") for k in value if k not in spec.fields]
        for f in spec.fields.values():
            if f.name not in value:
                if f.required:
                    problems.append(Problem(f"{path}.{f.name}", "required field is missing"))
                continue
            problems += self.check_field(f, value[f.name], f"{path}.{f.name}", value)
        return problems + _type_rules(type_name, value, path)

    def check_result(self, method: MethodSpec, result: Any) -> list[Problem]:
        """Problems of a method's result against its declared return types."""
        return self.check_value(method.returns, result, f"{method.name}()")

    def _check_one(self, type_expr: str, value: Any, path: str) -> list[Problem]:
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [Problem(path, f"expected {type_expr}, got {_kind(value)}")]
            inner = type_expr.removeprefix("Array of ")
            return [
                p
                for i, item in enumerate(value)
                for p in self._check_one(inner, item, f"{path}[{i}]")
            ]
        if type_expr in SCALARS:
            return (
                []
                if _scalar_ok(type_expr, value)
                else [Problem(path, f"expected {type_expr}, got {_kind(value)}")]
            )
        return self.check_object(type_expr, value, path)


def _scalar_ok(type_name: str, value: Any) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "True":
        return value is True
    if type_name == "InputFile":
        return isinstance(value, UploadedFile | str)
    return isinstance(value, str)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _decode_form_value(types: tuple[str, ...], raw: str) -> tuple[Any, str | None]:
    """Form fields carry strings as they are and every other value JSON-encoded."""
    if set(types) <= {"String", "InputFile"}:
        return raw, None
    try:
        value = json.loads(raw)
    except ValueError:
        if "String" in types or "InputFile" in types:
            return raw, None
        return raw, f"can't parse {raw[:40]!r} as {' or '.join(types)}"
    # "123" is an Integer chat_id, but "true" or "[1]" stay strings where only a String fits.
    if isinstance(value, str) or (
        "String" in types and not isinstance(value, int | float | dict | list)
    ):
        return raw, None
    return value, None


def _missing(method: str, name: str) -> Problem:
    telegram = "message text is empty" if name == "text" else f"{name} is empty"
    return Problem(f"{method}.{name}", "required parameter is missing", telegram)


def _check_limits(
    spec: FieldSpec, value: str, path: str, siblings: Mapping[str, Any]
) -> list[Problem]:
    problems: list[Problem] = []
    if spec.length:
        low, high, unit = spec.length
        text = value
        if spec.after_entities_parsing:
            unparsable = _unparsable(value, siblings.get("parse_mode"))
            if unparsable is not None:
                return [Problem(path, unparsable, f"can't parse entities: {unparsable}")]
            text = visible_text(value, siblings.get("parse_mode"))
        size = len(text.encode()) if unit == "bytes" else len(text)
        if not low <= size <= high:
            problems.append(
                Problem(
                    path,
                    f"{size} {unit}, allowed {low}-{high}",
                    _limit_wording(spec.name, size, low),
                )
            )
    if spec.choices and value not in spec.choices:
        problems.append(Problem(path, f"{value!r} is not one of {sorted(spec.choices)}"))
    return problems


def _unparsable(text: str, parse_mode: object) -> str | None:
    return html_problem(text) if str(parse_mode or "").lower() == "html" else None


def _limit_wording(name: str, size: int, low: int) -> str:
    """Telegram's descriptions for the limits a chat bot meets most."""
    if name == "text":
        return "message text is empty" if size < low else "message is too long"
    if name == "callback_data":
        return "BUTTON_DATA_INVALID"
    return ""


def _type_rules(type_name: str, value: Mapping[str, Any], path: str) -> list[Problem]:
    """Rules a description states in prose rather than in field types."""
    if type_name == "InlineKeyboardButton":
        actions = [k for k in value if k not in BUTTON_DECORATIONS]
        if len(actions) != 1:
            return [
                Problem(
                    path,
                    f"exactly one action field expected, got {actions}",
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                )
            ]
    if type_name == "Update":
        payloads = [k for k in value if k != "update_id"]
        if len(payloads) != 1:
            return [Problem(path, f"exactly one update kind expected, got {payloads}")]
    return []


@cache
def load_spec(path: str | None = None) -> BotApiSpec:
    """The spec at `path`, $MOODWAVE_TELEGRAM_SPEC, or shared/specs beside the checkout."""
    location = Path(path or os.environ.get("MOODWAVE_TELEGRAM_SPEC") or DEFAULT_SPEC_PATH)
    if not location.is_file():
        raise FileNotFoundError(
            f"Telegram Bot API spec {location} not found: set MOODWAVE_TELEGRAM_SPEC to api.json"
        )
    return BotApiSpec(json.loads(location.read_text(encoding="utf-8")))
