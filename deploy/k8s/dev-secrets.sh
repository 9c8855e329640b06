#!/usr/bin/env bash
# dev-secrets.sh [NAMESPACE] - the Secrets overlays/dev names, holding the repository's
# development values (the passwords docker-compose.yml defaults to, deploy/dev-secrets/'s SCRAM
# secrets) and a fresh signing key, as manifests on stdout:
#   deploy/k8s/dev-secrets.sh | kubectl apply -f -
# Every value contains for-local-development-only, which no process accepts outside
# ENVIRONMENT=development. Production's are made by hand (docs/deploy.md).
set -euo pipefail

namespace="${1:-shop-dev}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scram="$here/../dev-secrets"

# Values go in as literals: a file's final newline would reach the environment variables the
# SCRAM secrets travel in, and PgBouncer and Postgres take nothing but the secret itself.
secret() {
    local name="$1"
    shift
    echo "---"
    kubectl create secret generic "$name" --namespace "$namespace" "$@" \
        --dry-run=client --output yaml
}

secret postgres-superuser \
    --from-literal=password=postgres-password-for-local-development-only
secret postgres-server --from-literal=host=postgres --from-literal=port=5432
for service in users catalog orders; do
    secret "$service-database" \
        --from-literal=url="postgresql+asyncpg://${service}_svc:${service}-dev-password-for-local-development-only@/shop?host=/var/run/pgbouncer&port=6432" \
        --from-literal=scram-secret="$(head -n 1 "$scram/$service.scram")"
    secret "$service-migration" \
        --from-literal=url="postgresql+asyncpg://${service}_owner:${service}-owner-password-for-local-development-only@postgres:5432/shop" \
        --from-literal=scram-secret="$(head -n 1 "$scram/$service-owner.scram")"
done
key="$(mktemp)"
trap 'rm -f "$key"' EXIT
openssl genpkey -algorithm ed25519 -out "$key"
secret users-signing-key --from-file=signing-key.pem="$key"
secret catalog-api \
    --from-literal=internal-api-keys=orders:orders-service-key-for-local-development-only \
    --from-literal=cursor-signing-key=catalog-cursor-key-for-local-development-only
secret orders-api \
    --from-literal=catalog-service-key=orders-service-key-for-local-development-only
