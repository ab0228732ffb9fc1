"""A small HTTP load generator (asyncio, one process): GET pages for a while, print JSON figures.

    python bench/loadgen.py --port 8000 --cookie "session=..." --paths-file paths.txt --seconds 20 --connections 16

Each of `connections` loops sends one request at a time (a new connection per request: gunicorn's
sync workers close after each answer) until `seconds` have passed, picking the paths round-robin
from the file. An answer counts as an error unless it is 200 and a whole HTML page. Output: requests,
errors, rps, p50_ms, p95_ms, the first error seen. (JSON answers count when they are whole objects.)
"""
import argparse
import asyncio
import json
import math
import time


async def fetch(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
                      "Accept: text/html\r\nConnection: close\r\n\r\n").encode("latin-1"))
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _sep, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body


async def run(port: int, cookie: str, paths: list[str], seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    counter = iter(range(10**12))

    async def loop():
        while time.monotonic() < deadline:
            path = paths[next(counter) % len(paths)]
            start = time.perf_counter()
            try:
                status, body = await fetch(port, path, cookie)
                ok = status == 200 and (b"</html>" in body or body.lstrip()[:1] in (b"{", b"["))
                reason = f"{path}: HTTP {status}"
            except OSError as error:
                ok, reason = False, f"{path}: {error}"
            latencies.append((time.perf_counter() - start) * 1000)
            if not ok:
                errors.append(reason)

    began = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(connections)))
    elapsed = time.monotonic() - began
    ordered = sorted(latencies)

    def pct(p):
        return round(ordered[max(0, math.ceil(p * len(ordered)) - 1)], 2) if ordered else None

    return {"requests": len(latencies), "errors": len(errors), "seconds": round(elapsed, 2),
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": pct(0.5), "p95_ms": pct(0.95),
            "first_error": errors[0] if errors else None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--paths-file", required=True)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with open(args.paths_file, encoding="utf-8") as handle:
        paths = [line.strip() for line in handle if line.strip()]
    print(json.dumps(asyncio.run(run(args.port, args.cookie, paths, args.seconds, args.connections))))


if __name__ == "__main__":
    main()
