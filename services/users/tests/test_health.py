from testing_kit.service_checks import HealthChecks


class TestHealth(HealthChecks):
    api_prefix = "/api/users"
    openapi_title = "Shop users service"
