"""fakeapi.validation: request validation in the shape of FastAPI / pydantic v2.

A Validator collects every error of one request's path, query and body (the
body against a model of fakeapi.contract.Field) and raises them together as
one 422, with the types, locs, messages and inputs pydantic v2 gives.  Also
page(), the fastapi-pagination envelope.
"""

import json
import math

from .contract import IMAGE_ERROR, INT_RE, ApiError

INVALID = object()
TRUE_WORDS = frozenset(("1", "on", "t", "true", "y", "yes"))
FALSE_WORDS = frozenset(("0", "off", "f", "false", "n", "no"))


def expected_choices(choices):
    quoted = [f"'{c}'" for c in choices]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Validator:
    """Collects pydantic-v2-shaped errors for one request; finish() raises the 422."""

    def __init__(self, req):
        self.req = req
        self.errors = []

    def error(self, kind, loc, msg, value, ctx=None):
        item = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
        if ctx is not None:
            item["ctx"] = ctx
        self.errors.append(item)

    def finish(self):
        if self.errors:
            raise ApiError(422, {"detail": self.errors})

    # -- scalars -----------------------------------------------------------

    def int_value(self, loc, value, ge=None, le=None):
        if isinstance(value, bool):
            number = int(value)
        elif isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                self.error("int_from_float", loc,
                           "Input should be a valid integer, got a number with a fractional part",
                           value)
                return INVALID
            number = int(value)
        elif isinstance(value, str):
            if not INT_RE.match(value.strip()):
                self.error("int_parsing", loc,
                           "Input should be a valid integer, unable to parse string as an integer",
                           value)
                return INVALID
            number = int(value.strip())
        else:
            self.error("int_type", loc, "Input should be a valid integer", value)
            return INVALID
        if ge is not None and number < ge:
            self.error("greater_than_equal", loc, f"Input should be greater than or equal to {ge}",
                       value, {"ge": ge})
            return INVALID
        if le is not None and number > le:
            self.error("less_than_equal", loc, f"Input should be less than or equal to {le}",
                       value, {"le": le})
            return INVALID
        return number

    def enum_value(self, loc, value, choices):
        if isinstance(value, str) and value in choices:
            return value
        expected = expected_choices(choices)
        self.error("enum", loc, f"Input should be {expected}", value, {"expected": expected})
        return INVALID

    # -- path and query ----------------------------------------------------

    def path_int(self, name):
        return self.int_value(("path", name), self.req.params[name])

    def query_int(self, name, default=None, required=False, ge=None, le=None):
        raw = self.req.query.get(name)
        if raw is None:
            if required:
                self.error("missing", ("query", name), "Field required", None)
            return default
        value = self.int_value(("query", name), raw, ge, le)
        return default if value is INVALID else value

    def query_str(self, name, required=False):
        raw = self.req.query.get(name)
        if raw is None and required:
            self.error("missing", ("query", name), "Field required", None)
        return raw

    def query_bool(self, name, default):
        raw = self.req.query.get(name)
        if raw is None:
            return default
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.error("bool_parsing", ("query", name),
                   "Input should be a valid boolean, unable to interpret input", raw)
        return default

    def query_enum(self, name, choices):
        raw = self.req.query.get(name)
        if raw is None:
            return None
        value = self.enum_value(("query", name), raw, choices)
        return None if value is INVALID else value

    def pagination(self):
        skip = self.query_int("skip", 0, ge=0)
        limit = self.query_int("limit", 100, ge=1, le=100)
        return skip, limit

    # -- body --------------------------------------------------------------

    def body(self, fields):
        """Parse the JSON body and validate it against fields; returns a dict of
        field name -> value (defaults filled in), or None when invalid."""
        raw = self.req.body
        if not raw:
            self.error("missing", ("body",), "Field required", None)
            return None
        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            position = getattr(exc, "pos", 0)
            reason = getattr(exc, "msg", "Invalid UTF-8")
            # FastAPI reports an undecodable body alone, before any other check.
            raise ApiError(422, {"detail": [{
                "type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error",
                "input": {}, "ctx": {"error": reason}}]})
        if not isinstance(data, dict):
            self.error("model_attributes_type", ("body",),
                       "Input should be a valid dictionary or object to extract fields from", data)
            return None
        before = len(self.errors)
        values = {}
        for field in fields:
            if field.name not in data:
                if field.required:
                    self.error("missing", ("body", field.name), "Field required", data)
                values[field.name] = field.default
                continue
            values[field.name] = self.field_value(("body", field.name), data[field.name], field)
        return values if len(self.errors) == before else None

    def field_value(self, loc, value, field):
        if value is None and field.nullable:
            return None
        kind = field.kind
        if kind == "str":
            if isinstance(value, str):
                return value
            self.error("string_type", loc, "Input should be a valid string", value)
        elif kind == "int":
            return self.int_value(loc, value, field.ge, field.le)
        elif kind == "enum":
            return self.enum_value(loc, value, field.choices)
        elif kind == "dict":
            if isinstance(value, dict):
                return value
            self.error("dict_type", loc, "Input should be a valid dictionary", value)
        elif kind in ("str_list", "data_uri_list"):
            if not isinstance(value, list):
                self.error("list_type", loc, "Input should be a valid list", value)
                return INVALID
            for index, item in enumerate(value):
                item_loc = loc + (index,)
                if not isinstance(item, str):
                    self.error("string_type", item_loc, "Input should be a valid string", item)
                elif kind == "data_uri_list" and not (item.startswith("data:image/")
                                                      and ";base64," in item):
                    self.error("value_error", item_loc, "Value error, " + IMAGE_ERROR, item,
                               {"error": IMAGE_ERROR})
            return value
        elif kind in ("str_int_map", "str_str_map"):
            if not isinstance(value, dict):
                self.error("dict_type", loc, "Input should be a valid dictionary", value)
                return INVALID
            result = {}
            for key, item in value.items():
                if kind == "str_int_map":
                    result[key] = self.int_value(loc + (key,), item)
                elif isinstance(item, str):
                    result[key] = item
                else:
                    self.error("string_type", loc + (key,), "Input should be a valid string", item)
            return result
        return INVALID


def _reject_constant(name):
    raise ValueError(f"Invalid constant {name}")


def page(items, skip, limit):
    """The fastapi-pagination envelope over an already filtered list."""
    return page_of(len(items), items[skip:skip + limit], skip, limit)


def page_of(total, items, skip, limit):
    """The envelope of one page already cut from a list of total items."""
    return {"items": items, "total": total, "page": skip // limit + 1,
            "size": limit, "pages": math.ceil(total / limit)}
