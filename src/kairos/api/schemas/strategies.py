"""Strategy bodies: `StrategyCreate`, `StrategyUpdate`, `StrategyTest` in; `StrategyPublic` out."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictStr,
    field_validator,
    model_validator,
)

from kairos.api.schemas.common import InputBody, ListResponse, NotNull, Timestamp

Selector = Annotated[StrictStr, Field(min_length=1, max_length=2000)]
StrategyTypeName = Literal["css", "xpath", "json", "api"]

EXAMPLES: list[JsonValue] = [
    {"name": "Product cards", "type": "css", "item": "div.product",
     "fields": {"title": "h2::text", "url": {"selector": "a", "attr": "href"},
                "price": {"selector": ".price::text", "regex": r"([\d.,]+)", "required": True},
                "tags": {"selector": ".tag::text", "all": True, "default": []}}},
    {"name": "Releases feed", "type": "json", "item": "releases",
     "fields": {"version": "tag_name", "date": "published_at"}},
    {"name": "Weather API", "type": "api",
     "request": {"method": "GET", "url": "https://api.example.com/v1/forecast?city={city}",
                 "headers": {"Accept": "application/json"}},
     "parameters": {"city": "Berlin"}, "item": "days", "fields": {"day": "date", "max": "temp.max"}},
]


class FieldSpecBody(BaseModel):
    """A field in its object form (a bare string is the same with only `selector`)."""

    model_config = ConfigDict(extra="forbid")

    selector: Selector
    attr: Annotated[StrictStr, Field(min_length=1, max_length=200)] | None = None
    regex: Annotated[StrictStr, Field(min_length=1, max_length=2000)] | None = None
    all: StrictBool = False
    default: JsonValue = None
    required: StrictBool = False




class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE",
                    "get", "post", "put", "patch", "delete"] = "GET"
    url: Annotated[StrictStr, Field(min_length=1, max_length=4000)]
    headers: dict[str, StrictStr] = Field(default_factory=dict)
    body: JsonValue = Field(default=None, description="A text, or a JSON value; `{param}` placeholders "
                                                      "are filled in either")


class StrategyFields(InputBody):
    model_config = ConfigDict(extra="forbid")

    # `name` and `type` have no "unset": absent keeps them, an explicit null is refused.
    name: NotNull[Annotated[StrictStr, Field(min_length=1, max_length=200)]] = None
    description: Annotated[StrictStr, Field(max_length=2000)] | None = None
    type: NotNull[StrategyTypeName] = None
    item: Annotated[StrictStr, Field(max_length=2000)] | None = Field(
        default=None, description="Selects the items; absent: the whole document is one item")
    fields: dict[Annotated[str, Field(min_length=1, max_length=100)], FieldSpecBody] | None = Field(
        default=None, max_length=200,
        description="Each field: a selector string, or an object with `selector` and options")
    request: RequestBody | None = None
    parameters: dict[str, JsonValue] | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _selector_strings(cls, raw: Any) -> Any:
        # A bare string is the short form of {"selector": …}; read it as that, so that an error
        # in the object form is reported at its own key rather than as "not a string".
        if isinstance(raw, dict):
            return {name: {"selector": spec} if isinstance(spec, str) else spec for name, spec in raw.items()}
        return raw

    def sent(self) -> dict[str, Any]:
        """Only the fields the client sent, as plain JSON values."""
        return self.model_dump(exclude_unset=True, mode="json")


class StrategyCreate(StrategyFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": EXAMPLES})

    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]

    @model_validator(mode="before")
    @classmethod
    def _infer_type(cls, raw: Any) -> Any:
        # A request template makes an api strategy; anything else must say which language it uses.
        if isinstance(raw, dict) and raw.get("type") is None and raw.get("request") is not None:
            return {**raw, "type": "api"}
        return raw


class StrategyUpdate(StrategyFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"fields": {"title": "h2 a::text"}}, {"parameters": {"city": "Paris"}},
    ]})


class StrategyPublic(BaseModel):
    id: str
    workspace_id: str
    name: str
    description: str
    type: StrategyTypeName
    item: str | None
    fields: dict[str, dict[str, Any]]
    request: dict[str, Any] | None
    parameters: dict[str, Any]
    placeholders: list[str] = Field(description="The parameter names the request template uses")
    created_at: Timestamp
    updated_at: Timestamp


StrategyList = ListResponse[StrategyPublic]


class StrategyTest(InputBody):
    """What to test a strategy on: a `url` to fetch, inline `html`, or inline `json`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://example.com/products"},
        {"html": "<div class='product'><h2>Lamp</h2></div>"},
        {"json": {"releases": [{"tag_name": "v1.2"}]}},
        {"parameters": {"city": "Paris"}},
    ]})

    url: Annotated[StrictStr, Field(min_length=1, max_length=4000)] | None = None
    html: Annotated[StrictStr, Field(max_length=1024 * 1024)] | None = None
    json_document: JsonValue = Field(default=None, alias="json")
    parameters: dict[str, JsonValue] | None = None


class InlineStrategyTest(StrategyTest):
    """`POST /strategies:test`: an unsaved strategy under `strategy`, and what to test it on."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"strategy": {"type": "css", "item": "li.post", "fields": {"title": "a::text",
                                                                     "link": "a::attr(href)"}},
         "url": "https://example.com/blog"},
        {"strategy": {"type": "json", "item": "items", "fields": {"id": "id"}},
         "json": {"items": [{"id": 1}, {"id": 2}]}},
    ]})

    strategy: dict[str, Any]


class TestResult(BaseModel):
    __test__ = False  # not a pytest class, whatever its name

    items: list[dict[str, Any]]
    count: int = Field(description="How many items the strategy extracted (items shows at most 1000)")
    warnings: list[str]
