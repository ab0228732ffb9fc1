"""Extensions, created unbound and bound to the app in create_app."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, inspect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Columns that name a record, first match wins, for __repr__.
_REPR_COLUMNS = ("name", "title", "last_name", "username", "subject", "value")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __repr__(self) -> str:
        """<Person 12 'Huber'>: class, primary key and a naming column, from what is loaded (never a query)."""
        state = inspect(self)
        key = ",".join(str(part) for part in state.identity) if state.identity else "new"
        label = next((state.dict[name] for name in _REPR_COLUMNS if state.dict.get(name)), None)
        return f"<{type(self).__name__} {key}{f' {label!r}' if label else ''}>"


class CrmSQLAlchemy(SQLAlchemy):
    def paginate(self, select, *, page=None, **kwargs):
        # Flask-SQLAlchemy reads ?page= unbounded; 9223372036854775807 would overflow the OFFSET.
        if page is None:
            from crm.core.converters import arg_page

            page = arg_page()
        return super().paginate(select, page=page, **kwargs)


db = CrmSQLAlchemy(model_class=Base)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
