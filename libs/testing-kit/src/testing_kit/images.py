"""Names of the project's images, as `make images` tags them."""

import os


def project_image(name: str) -> str:
    """`shop/<name>:<tag>`; the tag comes from SHOP_IMAGE_TAG (default `dev`)."""
    return f"shop/{name}:{os.environ.get('SHOP_IMAGE_TAG', 'dev')}"
