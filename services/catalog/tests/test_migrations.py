from catalog_testing import SERVICE_DIR
from testing_kit.service_checks import MigrationChecks


class TestMigrations(MigrationChecks):
    service = "catalog"
    service_dir = SERVICE_DIR
