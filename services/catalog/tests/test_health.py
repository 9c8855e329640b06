from testing_kit.service_checks import HealthChecks


class TestHealth(HealthChecks):
    api_prefix = "/api/catalog"
    openapi_title = "Shop catalog service"
