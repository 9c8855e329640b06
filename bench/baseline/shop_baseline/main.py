"""The baseline shop's app: three endpoints, sync handlers, one process.

uvicorn shop_baseline.main:app --host 0.0.0.0 --port 8000
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, status

from shop_baseline import ordering
from shop_baseline.auth import CurrentCustomer
from shop_baseline.database import SessionDep, create_schema, engine
from shop_baseline.schemas import OrderOut, PlaceOrder, ProductOut


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    create_schema()
    yield
    engine.dispose()


app = FastAPI(title="Baseline shop", lifespan=lifespan)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: int, session: SessionDep) -> ProductOut:
    return ProductOut.model_validate(ordering.get_product(session, product_id=product_id))


@app.post("/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def place_order(body: PlaceOrder, customer: CurrentCustomer, session: SessionDep) -> OrderOut:
    order = ordering.place_order(session, customer_id=customer, quantities=body.quantities())
    return OrderOut.model_validate(order)


@app.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: int, customer: CurrentCustomer, session: SessionDep) -> OrderOut:
    order = ordering.get_order(session, order_id=order_id, customer_id=customer)
    return OrderOut.model_validate(order)
