"""What the deploy suite's tests share: rendering the Kubernetes overlays and reading them."""
