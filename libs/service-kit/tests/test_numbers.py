"""JsonInteger takes what JSON Schema calls an integer, and nothing else."""

import pytest
from pydantic import BaseModel, ValidationError

from service_kit.numbers import JsonInteger


class Count(BaseModel):
    units: JsonInteger


@pytest.mark.parametrize("sent", ["5", "5.0", "5e0"])
def test_an_integral_number_is_an_integer(sent: str) -> None:
    assert Count.model_validate_json(f'{{"units": {sent}}}').units == 5


@pytest.mark.parametrize("sent", ["true", '"5"', "5.5", "1e400", "null"])
def test_anything_else_is_refused(sent: str) -> None:
    with pytest.raises(ValidationError):
        Count.model_validate_json(f'{{"units": {sent}}}')
