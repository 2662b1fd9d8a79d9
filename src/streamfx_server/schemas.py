"""Shared pydantic building blocks for the JSON edges (camelCase on the wire)."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Fields are snake_case in Python and camelCase in JSON; unknown fields are refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PartialUpdate(ApiModel):
    """A body that changes some of a resource's fields: at least one, and none of them
    null (a field left out keeps its value)."""

    @model_validator(mode="after")
    def _something_and_no_nulls(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{to_camel(name)} cannot be null; leave it out to keep it")
        return self


class ErrorBody(BaseModel):
    error: str
    code: str
    hint: str | None = None
    details: list[dict] | None = None
