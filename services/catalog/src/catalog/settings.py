from service_kit.settings import ServiceSettings

API_PREFIX = "/api/catalog"


class CatalogSettings(ServiceSettings):
    pass
