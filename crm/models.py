"""Imports every part's models, so that metadata (and Flask-Migrate) knows every table."""
from crm.core.registry import import_part_modules

import_part_modules("models")
from crm.contacts.search import SearchToken  # noqa: E402,F401  (lives beside the search code)
from crm.core.audit import AuditLog  # noqa: E402,F401
from crm.core.once import FormSubmission  # noqa: E402,F401
