"""The tables of the reports part (metadata and Flask-Migrate find them through this module)."""
from crm.reports.map_models import MunicipalityMap  # noqa: F401
