from testing_kit.service_checks import MigrationChecks
from users_testing import SERVICE_DIR


class TestMigrations(MigrationChecks):
    service = "users"
    service_dir = SERVICE_DIR
