"""Imports every model module, so that metadata knows every table."""
from crm.auth.models import User  # noqa: F401
from crm.contacts.models import (  # noqa: F401
    Affiliation,
    ExpertiseTopic,
    FieldOfAction,
    FunctionTitle,
    Organisation,
    Person,
    Tag,
    TargetGroup,
)
from crm.contacts.search import SearchToken  # noqa: F401
from crm.core.audit import AuditLog  # noqa: F401
