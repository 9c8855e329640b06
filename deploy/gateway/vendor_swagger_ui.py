"""Fetches npm's swagger-ui-dist tarball and unpacks the files the docs pages load.

Run in the gateway image's build stage. The tarball must match the integrity hash pinned with
the version (the registry's `dist.integrity`), otherwise the build fails. By hand because the
build stage has only Python's standard library: no npm in any base image the shop builds on.
"""

import argparse
import base64
import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
# What the pages load, and the licence that must travel with it.
SHIPPED = (
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "swagger-ui.css",
    "favicon-16x16.png",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
)


def verified_tarball(version: str, integrity: str) -> bytes:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise SystemExit(f"pin a sha512 integrity, not {algorithm!r}")
    url = f"{REGISTRY}/swagger-ui-dist/-/swagger-ui-dist-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (a fixed https URL)
        tarball: bytes = response.read()
    actual = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{url}: sha512-{actual} is not the pinned {integrity}")
    return tarball


def unpack(tarball: bytes, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for name in SHIPPED:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise SystemExit(f"the tarball has no {name}")
            (out / name).write_bytes(member.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--version", required=True)
    parser.add_argument("--integrity", required=True, help="sha512-<base64>, as npm gives it")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    unpack(verified_tarball(args.version, args.integrity), args.out)


if __name__ == "__main__":
    main()
