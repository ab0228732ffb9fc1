from tests.meetings.conftest import lag, make_meeting  # noqa: F401
