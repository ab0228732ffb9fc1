"""Imports every part's models, so that metadata (and Flask-Migrate) knows every table."""
import importlib
import importlib.util

from crm import part_packages
from crm.contacts.search import SearchToken  # noqa: F401  (lives beside the search code)
from crm.core.audit import AuditLog  # noqa: F401
from crm.core.once import FormSubmission  # noqa: F401

for _package in part_packages():
    if importlib.util.find_spec(f"{_package.__name__}.models") is not None:
        importlib.import_module(f"{_package.__name__}.models")
