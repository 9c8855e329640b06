from typing import Literal

from pydantic import BaseModel


class JsonWebKey(BaseModel):
    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]


class JsonWebKeySet(BaseModel):
    keys: list[JsonWebKey]
