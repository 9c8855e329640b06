"""Test-only plumbing: throwaway stacks from the project's docker-compose.yml and images."""
