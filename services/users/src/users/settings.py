from service_kit.settings import ServiceSettings

API_PREFIX = "/api/users"


class UsersSettings(ServiceSettings):
    pass
