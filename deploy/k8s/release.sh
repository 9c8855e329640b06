#!/usr/bin/env bash
# release.sh OVERLAY - one release of the shop onto the cluster kubectl points at, with the
# migrations run once and finished before any pod of the new version starts:
#   1. render the overlay once, so every step works on the very same objects;
#   2. delete the last release's one-shot Jobs (the migrations, the dev seed): a Job cannot
#      be changed once created, and each release runs them afresh, once;
#   3. apply everything except what waits for the migrations (label
#      shop/rollout=after-migrations: the Deployments, the dev seed): the namespace, policies,
#      settings, Services, autoscalers, disruption budgets, Postgres in dev, and the
#      migration Jobs, which start at once;
#   4. wait until every migration Job has completed; one that fails stops the release here,
#      with the running version untouched;
#   5. apply the rest: the Deployments roll, one surge pod at a time, and the dev seed runs;
#   6. wait until every Deployment has rolled out.
# The namespace and its Secrets must exist first (docs/deploy.md). RELEASE_TIMEOUT bounds
# each wait (default 10m).
set -euo pipefail

overlay="${1:?usage: release.sh deploy/k8s/overlays/<dev|production>}"
timeout="${RELEASE_TIMEOUT:-10m}"
after_migrations='shop/rollout=after-migrations'

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
kubectl kustomize "$overlay" >"$rendered"

kubectl delete -f "$rendered" -l 'app.kubernetes.io/component in (migration,seed)' \
    --ignore-not-found --wait
kubectl apply -f "$rendered" -l 'shop/rollout!=after-migrations'
# "namespace name" of each object of kind $1 among those selector $2 picks from the rendering
objects() {
    kubectl get -f "$rendered" -l "$2" --no-headers \
        -o custom-columns=KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name |
        awk -v kind="$1" '$1 == kind { print $2, $3 }'
}

migrations='app.kubernetes.io/component=migration'
if ! kubectl wait -f "$rendered" -l "$migrations" --for=condition=complete --timeout="$timeout"; then
    objects Job "$migrations" | while read -r namespace name; do
        kubectl logs --namespace "$namespace" "job/$name" --tail=50 || true
    done
    echo "release.sh: a migration did not complete; nothing of the new version runs" >&2
    exit 1
fi
kubectl apply -f "$rendered"
objects Deployment "$after_migrations" | while read -r namespace name; do
    kubectl rollout status --namespace "$namespace" --timeout="$timeout" "deployment/$name"
done
