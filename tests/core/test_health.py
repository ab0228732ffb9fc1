"""/health for load balancers; JSON log lines with the request id."""
import io
import json
import logging

from crm.core import logs


def test_health_is_200_with_every_check_when_all_is_well(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["ok"]
    assert "redis" not in body["checks"]  # not configured in tests
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_when_redis_is_configured_but_unreachable(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/health")
    finally:
        app.config["REDIS_URL"] = ""
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail" and body["checks"]["database"]["ok"]
    assert not body["checks"]["redis"]["ok"]
    assert "nicht erreichbar (redis://127.0.0.1:1/0)" in body["checks"]["redis"]["message"]


def test_health_says_when_the_schema_is_behind_the_code(app, client, monkeypatch):
    from crm.core import health

    monkeypatch.setattr(health, "_script_heads", lambda: {"ffffffffffff"})
    response = client.get("/health")
    assert response.status_code == 503
    message = response.get_json()["checks"]["migrations"]["message"]
    assert "ffffffffffff" in message and "flask db upgrade" in message


def test_every_response_carries_a_request_id_and_a_sane_one_from_the_proxy_is_kept(client):
    first, second = client.get("/health"), client.get("/health")
    assert len(first.headers["X-Request-ID"]) == 32 and first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    kept = client.get("/health", headers={"X-Request-ID": "5f0c2a9e8d7b4c1a"})
    assert kept.headers["X-Request-ID"] == "5f0c2a9e8d7b4c1a"
    for forged in ("<script>alert(1)</script>", "a" * 500, "short"):
        answer = client.get("/health", headers={"X-Request-ID": forged}).headers["X-Request-ID"]
        assert answer != forged and len(answer) == 32


def test_json_log_lines_name_the_request(app, client, login):
    stream = io.StringIO()
    handler = logs.make_handler("json", stream)
    root, requests = logging.getLogger(), logging.getLogger("crm.request")
    root.addHandler(handler)
    level = requests.level
    requests.setLevel(logging.INFO)  # the migrations' logging set-up left the root at WARNING
    app.config["LOG_REQUESTS"] = True
    try:
        login("staff")
        client.get("/personen", headers={"X-Request-ID": "req-0000000042"})
    finally:
        app.config["LOG_REQUESTS"] = False
        root.removeHandler(handler)
        requests.setLevel(level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    request_line = next(line for line in lines if line["logger"] == "crm.request" and line["path"] == "/personen")
    assert request_line["request_id"] == "req-0000000042"
    assert request_line["method"] == "GET" and request_line["status"] == 200
    assert request_line["duration_ms"] > 0 and request_line["user_id"]
    assert request_line["level"] == "INFO" and request_line["time"].endswith("+00:00")
