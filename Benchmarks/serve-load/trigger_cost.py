#!/usr/bin/env python3
"""What one HR trigger costs `offboard serve` (a benchmark, not a timed test).

Sends N requests at once, three times against one server: `/healthz` (the HTTP layer alone), hook deliveries that
are not leaver events (verify, record, act on, finish: no run), and leaver events for the baseline playbook (a run
with one `log` step). For each it reports the server's CPU time and context switches per request (from /proc,
from just before the burst until it has settled) and the server's thread count afterwards.

Needs the test PostgreSQL's URL in the environment only because the hook mappings name it.
Usage: Benchmarks/serve-load/trigger_cost.py [--requests 300] [--only-leavers] [--binary .build/release/offboard]
"""
import argparse, asyncio, json, os, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_load  # noqa: E402  (the server wrapper and paths)


async def burst(port, method, path, bodies):
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in bodies]
    for (_, writer), body in zip(connections, bodies):
        writer.write((f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer load-token\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)

    async def answer(reader, writer):
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next((int(line.split(":")[1]) for line in head.split("\r\n") if line.lower().startswith("content-length")), 0)
        await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(answer(reader, writer) for reader, writer in connections))


def switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as status:
            total += sum(int(line.split()[1]) for line in status if "ctxt_switches" in line)
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--only-leavers", action="store_true", help="only the leaver burst")
    parser.add_argument("--binary", default=os.path.join(serve_load.ROOT, ".build/release/offboard"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="offboard-trigger-cost-")
    env = dict(os.environ, OFFBOARD_DB=os.path.join(work, "runs.sqlite"), OFFBOARD_WORKFLOWS=serve_load.HERE,
               OFFBOARD_SECRET_CRM_DB_URL=os.environ.get("OFFBOARD_TEST_PG_URL", "postgres://unused@127.0.0.1/unused"),
               OFFBOARD_SECRET_LOAD_HOOK_TOKEN="load-token")
    server = serve_load.Server(args.binary, env, work, ["--concurrency", "100"])
    n = args.requests

    def event(prefix, status):
        return [json.dumps({"employee_id": f"{prefix}{i}", "status": status, "day": "2026-12-01", "db_role": "x"}).encode() for i in range(n)]

    bursts = [("/healthz", "GET", "/healthz", [b""] * n, 0.5),
              ("hook, not a leaver", "POST", "/v1/hooks/load-log", event("N", "active"), 3),
              ("hook, leaver (a log step)", "POST", "/v1/hooks/load-log", event("L", "terminated"), 6)]
    try:
        for label, method, path, bodies, settle in bursts[2:] if args.only_leavers else bursts:
            time.sleep(1)
            cpu, switched = server.cpu_seconds(), switches(server.process.pid)
            asyncio.run(burst(server.port, method, path, bodies))
            time.sleep(settle)
            cpu, switched = server.cpu_seconds() - cpu, switches(server.process.pid) - switched
            threads = len(os.listdir(f"/proc/{server.process.pid}/task"))
            print(f"{label}: {cpu * 1000 / n:.2f} ms CPU, {switched / n:.0f} context switches per request ({n} at once); {threads} threads")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
