#!/usr/bin/env bash
# Waits (bounded) until every service is ready through the gateway, then prints the URLs.
set -euo pipefail
base_url="${1:-http://localhost:8080}"
deadline=$((SECONDS + ${WAIT_SECONDS:-180}))
for service in users catalog orders; do
  until curl -fsS -o /dev/null "$base_url/api/$service/readyz"; do
    if (( SECONDS >= deadline )); then
      echo "the shop did not become ready in time; see 'make logs'" >&2
      exit 1
    fi
    sleep 1
  done
done
cat <<MSG
The shop is up:
  gateway        $base_url
  API docs       $base_url/docs
  users API      $base_url/api/users/docs
  catalog API    $base_url/api/catalog/docs
  orders API     $base_url/api/orders/docs
Stop it with 'make down'; follow logs with 'make logs'.
MSG
