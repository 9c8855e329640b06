"""Bench fixtures, run inside the baseline container (so the secret never leaves it).

python -m shop_baseline.cli seed-product [--stock 1000000]   -> {"id": ..., "sku": ...}
python -m shop_baseline.cli mint-token --customer bench-1    -> the bearer token
"""

import argparse
import json
import uuid
from decimal import Decimal

from shop_baseline.auth import mint_token
from shop_baseline.database import SessionLocal, create_schema
from shop_baseline.models import Product


def seed_product(stock: int) -> dict[str, object]:
    create_schema()
    sku = "BENCH-" + uuid.uuid4().hex[:8].upper()
    with SessionLocal.begin() as session:
        product = Product(name=f"Bench mug {sku}", sku=sku, price=Decimal("12.50"), stock=stock)
        session.add(product)
        session.flush()
        return {"id": product.id, "sku": sku, "stock": stock}


def main() -> None:
    parser = argparse.ArgumentParser(description="baseline shop fixtures for the benchmark")
    commands = parser.add_subparsers(dest="command", required=True)
    seed = commands.add_parser("seed-product", help="one product with plenty of stock")
    seed.add_argument("--stock", type=int, default=1_000_000)
    token = commands.add_parser("mint-token", help="a bearer token for one customer")
    token.add_argument("--customer", default="bench-customer")
    args = parser.parse_args()
    if args.command == "seed-product":
        print(json.dumps(seed_product(args.stock)))
    else:
        print(mint_token(args.customer))


if __name__ == "__main__":
    main()
