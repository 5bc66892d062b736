"""One validation mechanism for the kiosk's config file and every driver's options.

A driver declares its options as a pydantic model (``class Options(DriverOptions)``);
``kiosk/config.py`` declares its sections the same way.  Both go through
:func:`validate`, which turns pydantic's error list into the one line a
technician reads: the key, what is expected, and (shortened) what was found.

pydantic v2 rather than hand-written checkers: the first review found four
validators with four different messages; one model type per table gives one
rule for types, ranges, unknown keys, NaN and strings, and the messages are
made here in one place.  It lives in ``drivers/`` because drivers may not
import ``kiosk/`` while the kiosk may import drivers.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Mapping, Sequence, TypeVar, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["DriverOptions", "Text", "Name", "OptionError", "validate", "expected_from_error", "shorten",
           "no_control_characters", "field_at"]

M = TypeVar("M", bound=BaseModel)


class OptionError(ValueError):
    """An option (or config key) is wrong.  ``key`` is dotted and relative to
    the table validated; ``expected`` reads after the word "expected";
    ``found`` is a shortened quote of the bad value, or None."""

    def __init__(self, key: str, expected: str, found: str | None = None):
        super().__init__(f"{key}: expected {expected}" if key else f"expected {expected}")
        self.key = key
        self.expected = expected
        self.found = found

# A bad value is quoted in the error line, but never whole: a 20 MB string in
# a config file must not become a 20 MB log line.
QUOTE_LIMIT = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # tab and newline too: no key holds text of lines


def shorten(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to ``limit`` characters (with the total length)."""
    try:
        text = repr(value)
    except RecursionError:  # a structure nested thousands deep
        return f"<{type(value).__name__} nested too deep>"
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters)"


def no_control_characters(value: str) -> str:
    """NUL and other control characters cannot belong in a name, path or URL."""
    if _CONTROL.search(value):
        raise ValueError("text without control characters (a NUL or similar was found)")
    return value


# Strings in config and options: bounded, no control characters.
Text = Annotated[str, StringConstraints(max_length=4096), AfterValidator(no_control_characters)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256), AfterValidator(no_control_characters)]


class DriverOptions(BaseModel):
    """Base of every options model: unknown keys refused, no silent
    coercion (``"3"`` is not 3, ``true`` is not 1), NaN and infinities
    refused, values frozen once read."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False,
                              validate_default=False)


def _number_words(ctx: Mapping[str, Any], integer: bool) -> str:
    kind = "a whole number" if integer else "a number"
    lo = ctx.get("ge", ctx.get("gt"))
    hi = ctx.get("le", ctx.get("lt"))
    if lo is not None and hi is not None:
        return f"{kind} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{kind} of at least {lo:g}"
    if hi is not None:
        return f"{kind} of at most {hi:g}"
    return kind


def _is_integer(field: FieldInfo | None) -> bool:
    annotation = getattr(field, "annotation", None)
    return annotation is int or int in get_args(annotation)


def _submodel(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):  # Optional[Section]
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def field_at(model: type[BaseModel], loc: Sequence[Any]) -> tuple[type[BaseModel], FieldInfo | None]:
    """The model that owns the last part of ``loc`` and that part's field
    (None for an unknown key or a model-level check): sections nest models,
    and ``[devices.<name>]`` is a table of models keyed by name."""
    owner = model
    parts = list(loc)
    while parts:
        field = owner.model_fields.get(str(parts.pop(0)))
        if field is None or not parts:
            return owner, field
        annotation = field.annotation
        if get_origin(annotation) is dict:  # a table of tables: skip the name
            annotation = get_args(annotation)[1]
            parts.pop(0)
        inner = _submodel(annotation)
        if inner is None:
            return owner, field  # an item of a list: what the list holds
        owner = inner
    return owner, None


def expected_from_error(model: type[BaseModel], error: Mapping[str, Any]) -> str:
    """The words for "expected ..." from one pydantic error (and the field's
    own ``description``, which a model sets when the type alone says too little)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    owner, field = field_at(model, error.get("loc") or ())
    if kind == "extra_forbidden":
        known = ", ".join(owner.model_fields) or "none"
        return f"no such key (known: {known})"
    if kind == "missing":
        described = f" ({field.description})" if field is not None and field.description else ""
        return f"this key to be set (it is required){described}"
    if kind == "value_error":
        inner = ctx.get("error")
        if isinstance(inner, OptionError):
            return inner.expected
        return str(inner) if inner is not None else str(error.get("msg", "a valid value"))
    if field is not None and field.description:
        return field.description
    integer = _is_integer(field)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _number_words({**ctx, **_bounds(field)}, integer)
    if kind == "finite_number":
        return _number_words(_bounds(field), integer) + " (not NaN or infinity)"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return _number_words(_bounds(field), True)
    if kind in ("float_type", "float_parsing"):
        return _number_words(_bounds(field), False)
    if kind in ("bool_type", "bool_parsing"):
        return "true or false"
    if kind == "literal_error":
        return "one of " + str(ctx.get("expected", "")).replace("'", '"')
    if kind in ("string_type", "string_too_short"):
        return "a non-empty string" if kind == "string_too_short" else "a string"
    if kind == "string_too_long":
        return f"a string of at most {ctx.get('max_length')} characters"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "a table"
    if kind in ("list_type", "tuple_type"):
        return "a list"
    return str(error.get("msg", "a valid value")).lower()


def _bounds(field: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for meta in getattr(field, "metadata", ()):  # annotated_types.Ge / Le / Gt / Lt
        for name in ("ge", "gt", "le", "lt"):
            value = getattr(meta, name, None)
            if value is not None:
                out[name] = value
    return out


def _key_part(part: Any) -> str:
    """A key as the error line shows it: a key in the file may itself hold a
    newline or run to megabytes, and the line must stay one short line."""
    text = str(part)
    if _CONTROL.search(text) or len(text) > 64:
        return shorten(text, 64)
    return text


def _located(error: Mapping[str, Any]) -> str:
    """The dotted key an error is about; a model-level check names its key
    by raising OptionError(key, ...)."""
    ctx = error.get("ctx") or {}
    inner = ctx.get("error")
    parts = [str(p) for p in error.get("loc") or () if p != "[key]"]  # a bad name of a table: the name
    if isinstance(inner, OptionError) and inner.key:
        parts = [*parts, inner.key] if not parts or parts[-1] != inner.key else parts
    return ".".join(_key_part(p) for p in parts)


def _got(options: Mapping[str, Any], key: str) -> Any:
    value: Any = options
    for part in key.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return None
    return value


def validate(model: type[M], options: Mapping[str, Any]) -> M:
    """Validate ``options`` into ``model``; raise :class:`OptionError` whose
    ``key`` is the dotted key, ``expected`` reads after "expected" and
    ``found`` quotes the bad value, shortened."""
    try:
        return model.model_validate(dict(options))
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        key = _located(error)
        expected = expected_from_error(model, error)
        found = None
        if error.get("type") not in ("extra_forbidden", "missing"):
            inner = (error.get("ctx") or {}).get("error")
            # A model-level check names its key; the input pydantic holds is then the whole table.
            got = _got(options, key) if isinstance(inner, OptionError) else error.get("input")
            found = None if got is None else shorten(got)
        raise OptionError(key, expected, found) from None
    except RecursionError:
        raise OptionError("", "tables and arrays nested at most a few levels deep") from None
