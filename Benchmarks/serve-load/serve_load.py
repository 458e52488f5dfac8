#!/usr/bin/env python3
"""Load check for `offboard serve` (a benchmark, not a timed test).

N concurrent HR triggers (bearer-signed webhooks, each for an immediate leaver with a real PostgreSQL role of
its own) against a release build of `offboard serve`; reports p50/p99 of the time from sending the request to
the access-removal step starting, and to its verified end, with the handler's own time (start to verified
success, as journaled) shown apart, and the time to the 202 answer. Then fills the store to SEED runs and
reports the server's steady resident memory.

Needs the test PostgreSQL (`scripts/test-servers.sh start DIR && source DIR/env`) and `psql`.
Usage: Benchmarks/serve-load/serve_load.py [--leavers 100] [--seed 10000] [--concurrency N] [--baseline] [--binary .build/release/offboard]
OFFBOARD_LOAD_WRAP="perf record -g -o /tmp/perf.data --" runs the server under a profiler.
"""
import argparse, concurrent.futures, csv, datetime, http.client, json, os, re, statistics, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def ms(values):
    return f"p50 {pct(values, 50) * 1000:.1f} ms, p99 {pct(values, 99) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def at(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Server:
    def __init__(self, binary, env, work, extra):
        self.log = open(os.path.join(work, "serve.log"), "w+")
        prefix = os.environ.get("OFFBOARD_LOAD_WRAP", "").split()
        self.process = subprocess.Popen(prefix + [binary, "serve", "--port", "0", "--hooks", os.path.join(HERE, "hooks")] + extra, env=env,
                                        stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(300):
            self.log.seek(0)
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)", self.log.read())
            if found:
                self.port = int(found.group(1))
                return
            time.sleep(0.05)
        raise SystemExit("offboard serve did not start")

    def request(self, method, path, token=None, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, dict(response.getheaders()), data

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leavers", type=int, default=100)
    parser.add_argument("--seed", type=int, default=10000)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/offboard"))
    parser.add_argument("--concurrency", type=int, default=None, help="serve --concurrency (default: serve's own, 32)")
    parser.add_argument("--baseline", action="store_true", help="a log step instead of postgres.revoke: the engine alone")
    args = parser.parse_args()
    pg = os.environ.get("OFFBOARD_TEST_PG_URL") or sys.exit("OFFBOARD_TEST_PG_URL is unset: start and source the test servers first")
    work = tempfile.mkdtemp(prefix="offboard-load-")
    env = dict(os.environ, OFFBOARD_DB=os.path.join(work, "runs.sqlite"), OFFBOARD_WORKFLOWS=HERE,
               OFFBOARD_SECRET_CRM_DB_URL=pg, OFFBOARD_SECRET_LOAD_HOOK_TOKEN="load-token")
    suffix = os.path.basename(work).split("-")[-1].lower().replace("_", "")
    roles = [f"load_{suffix}_{i}" for i in range(args.leavers)]
    subprocess.run(["psql", pg, "-q", "-v", "ON_ERROR_STOP=1", "-c", "; ".join(f"CREATE ROLE {role} LOGIN PASSWORD 'x'" for role in roles)], check=True)
    token = subprocess.run([args.binary, "token", "create", "--role", "operator", "--name", "load"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    server = Server(args.binary, env, work, ["--concurrency", str(args.concurrency)] if args.concurrency else [])
    try:
        barrier = threading.Barrier(args.leavers)

        def trigger(index):
            body = json.dumps({"employee_id": f"L{index}", "status": "terminated", "day": "2026-12-01", "db_role": roles[index]}).encode()
            barrier.wait()
            sent = time.time()
            status, headers, _ = server.request("POST", "/v1/hooks/load-log" if args.baseline else "/v1/hooks/load", body=body,
                                                headers={"Authorization": "Bearer load-token", "Content-Type": "application/json"})
            return index, sent, time.time() - sent, status, headers.get("Location")

        with concurrent.futures.ThreadPoolExecutor(max_workers=args.leavers) as pool:
            results = list(pool.map(trigger, range(args.leavers)))
        bad = [r for r in results if r[3] != 202]
        if bad:
            raise SystemExit(f"{len(bad)} trigger(s) were not accepted: {bad[:3]}")
        runs = {}
        deadline = time.time() + 300
        while len(runs) < args.leavers and time.time() < deadline:
            for index, _, _, _, location in results:
                if index in runs:
                    continue
                _, _, data = server.request("GET", location, token=token)
                event = json.loads(data)
                if event.get("run"):
                    runs[index] = event["run"]
            time.sleep(0.05)
        to_start, to_end, handler, to_created, to_run = [], [], [], [], []
        _, _, data = server.request("GET", "/v1/runs?limit=1000", token=token)
        created = {run["id"]: run["created_at"] for run in json.loads(data)["items"]}
        for index, sent, _, _, _ in results:
            while True:
                _, _, data = server.request("GET", f"/v1/runs/{runs[index]}/history", token=token)
                entries = json.loads(data)["items"]
                start = next((e for e in entries if e["type"] == "step.start" and e.get("instance") == "revoke-crm-database"), None)
                done = next((e for e in entries if e["type"] == "step.succeed" and e.get("instance") == "revoke-crm-database"), None)
                # (a log step has no check: its end is its success)
                failed = next((e for e in entries if e["type"] == "step.fail" and e.get("instance") == "revoke-crm-database"), None)
                if failed:
                    raise SystemExit(f"run {runs[index]}: {failed['text']}")
                if start and done:
                    break
                time.sleep(0.05)
            begun = next(e for e in entries if e["type"] == "run.started")
            to_created.append(at(created[runs[index]]) - sent)
            to_run.append(at(begun["at"]) - sent)
            to_start.append(at(start["at"]) - sent)
            to_end.append(at(done["at"]) - sent)
            handler.append(at(done["at"]) - at(start["at"]))
        answered = [r[2] for r in results]
        print(f"{args.leavers} concurrent HR triggers, one PostgreSQL role each ({os.path.relpath(args.binary, ROOT)}, one run, concurrency {args.concurrency or 'default'}{', baseline: a log step' if args.baseline else ''}):")
        print(f"  request to 202 answer:                 {ms(answered)}")
        print(f"  request to run created (hook acted on): {ms(to_created)}")
        print(f"  request to run started by the worker:  {ms(to_run)}")
        print(f"  request to access-removal step start:  {ms(to_start)}")
        print(f"  request to verified end:               {ms(to_end)}")
        print(f"  handler (start to verified success):   {ms(handler)}")
        over = [e - h for e, h in zip(to_end, handler)]
        print(f"  engine time (verified end minus handler): {ms(over)}  (target p99 < 50 ms)")

        seed_file = os.path.join(work, "seed.csv")
        with open(seed_file, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["employee_id"])
            for i in range(max(0, args.seed - args.leavers)):
                writer.writerow([f"S{i}"])
        began = time.time()
        subprocess.run([args.binary, "import", seed_file, "--playbook", "seed"], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        while True:
            _, _, data = server.request("GET", "/metrics", token=token)
            done = re.search(r'offboard_runs\{state="succeeded"\} ([0-9.]+)', data.decode())
            if done and float(done.group(1)) >= args.seed:
                break
            time.sleep(0.5)
        print(f"  store filled to {args.seed} runs in {time.time() - began:.0f} s")
        time.sleep(2)
        samples = []
        for _ in range(5):
            server.request("GET", "/v1/runs?limit=100", token=token)
            server.request("GET", "/metrics", token=token)
            time.sleep(1)
            samples.append(server.rss_mib())
        print(f"  steady RSS with {args.seed} runs in the store: {statistics.median(samples):.0f} MiB (median of 5 samples, max {max(samples):.0f} MiB)")
    finally:
        server.stop()
        subprocess.run(["psql", pg, "-q", "-c", "; ".join(f"DROP ROLE IF EXISTS {role}" for role in roles)], check=False)


if __name__ == "__main__":
    main()
