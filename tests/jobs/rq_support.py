"""What the tests with a real RQ worker process share: Redis or a skip (a failure under CI=true), and the
app and worker environment on a database of their own."""
import os

import pytest


def redis_or_skip(redis_url: str, what: str) -> None:
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.exceptions.RedisError, OSError) as error:
        reason = f"Redis at {redis_url} does not answer ({error}); {what} is skipped"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " (CI=true: it must run)", pytrace=False)
        pytest.skip(reason)


def worker_app(database_url: str, settings: dict, **app_settings):
    """(the test's own app, the environment `flask crm worker` is started with) for the same settings."""
    from crm import create_app

    own = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, **settings, **app_settings)
    env = {**os.environ, "FLASK_APP": "wsgi", "FLASK_CONFIG": "testing", "TEST_DATABASE_URL": database_url,
           **{key: str(value) for key, value in settings.items()}}
    return own, env
