#!/usr/bin/env python3
"""Load check for `offboard serve` (a benchmark, not a timed test).

N concurrent HR triggers (bearer-signed webhooks, each for an immediate leaver with a real PostgreSQL role of
its own) against a release build of `offboard serve`; reports p50/p99 of the time from sending the request to
the access-removal step starting, and to its verified end, with the handler's own time (start to verified
success, as journaled) shown apart, and the time to the 202 answer. Beside them, what else took the CPUs: the
server's CPU time for the burst (the same work costs more of it on a contended host), and, in the burst's first
100 ms, the hypervisor's steal and every other process's CPU time (this client, PostgreSQL, anything else). Then
fills the store to SEED runs and reports the server's steady resident memory.

Needs the test PostgreSQL (`scripts/test-servers.sh start DIR && source DIR/env`) and `psql`.
Usage: Benchmarks/serve-load/serve_load.py [--leavers 100] [--seed 10000] [--concurrency N] [--target-connections N] [--baseline]
       [--warmup N[,N...]] [--runs N] [--binary .build/release/offboard]
The measured burst meets a server that has handled nothing yet (no connection kept to PostgreSQL, nothing run before);
--warmup N first triggers N other leavers for the baseline playbook (a log step) and waits for their runs to finish: a
server in use, whose connections to the target are still cold (it keeps none before the burst, as after 30 s idle).
--runs N measures N times, each against a fresh server and store, and sums the runs up (median and range of each run's
p99): on shared cores one run's figure can be twice another's. Several warm-ups (--warmup 0,100) alternate run by run,
so each is measured under the same load from the host. The store is filled to --seed runs after the last run only;
OFFBOARD_LOAD_PERF and OFFBOARD_LOAD_DUMP then keep the last run's.
OFFBOARD_LOAD_PERF=/tmp/perf.data profiles the server (perf record -g) from the first trigger until every run has finished.
OFFBOARD_LOAD_DUMP=/tmp/triggers.csv writes each trigger's times (ms), in the order sent, and when it was sent (s since 1970).
OFFBOARD_LOAD_PERF_HZ sets perf's sampling rate (default 4000); OFFBOARD_LOAD_PERF_ALL=1 samples every process (PostgreSQL's too),
with times on the wall clock (CLOCK_REALTIME) so they line up with the dump's.
"""
import argparse, csv, datetime, http.client, json, os, re, shutil, socket, statistics, struct, subprocess, sys, tempfile, time

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
        self.process = subprocess.Popen([binary, "serve", "--port", "0", "--hooks", os.path.join(HERE, "hooks")] + extra, env=env,
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

    def stat(self):
        """The server's /proc/PID/stat fields after its name (the first is its state)."""
        with open(f"/proc/{self.process.pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()

    def cpu_seconds(self):
        fields = self.stat()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def page_faults(self):
        """Minor page faults so far: memory the process touched for the first time (or again after giving it back)."""
        return int(self.stat()[7])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def machine_ticks():
    """The machine's CPU time so far from /proc/stat's first line, in clock ticks: (busy, steal). Busy is every
    process's time (user, nice, system, irq, softirq); steal is time the hypervisor gave this VM's CPUs to others."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return user + nice + system + irq + softirq, steal


class HostReading:
    """What else took the CPUs in a window (the burst's first 100 ms, where the access-removal steps start): the
    hypervisor's steal, and the CPU time of every process but the server (this client, PostgreSQL, anything else on
    the machine), both in ms. On shared cores the same binary reads twice as slow when either is high."""

    def __init__(self, server):
        self.server = server

    def start(self):
        self.begin = (machine_ticks(), self.server.cpu_seconds(), time.time())

    def end(self):
        (busy0, steal0), server0, began = self.begin
        busy1, steal1 = machine_ticks()
        server1 = self.server.cpu_seconds()
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        self.window_ms = (time.time() - began) * 1000
        self.steal_ms = (steal1 - steal0) * tick
        self.others_ms = max(0.0, (busy1 - busy0) * tick - (server1 - server0) * 1000)


# Linux's SO_TIMESTAMPNS (and SCM_TIMESTAMPNS), which Python names only from 3.12 on.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def fire(port, path, bodies, before_send=None):
    """Opens one connection per trigger first (so connecting is not timed), then writes every request in one tight
    loop, timing each from the moment its bytes are handed to the kernel. Returns a function that reads the answers
    later: the kernel stamps each answer as it arrives (SO_TIMESTAMPNS), so the client reads nothing while the server
    works, and takes no CPU from it on these shared cores (a real HR system's client is on another machine).
    `before_send` is called once the connections are open, just before the first request is written."""
    connections = []
    for _ in bodies:
        connection = socket.create_connection(("127.0.0.1", port))
        connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        connections.append(connection)
    requests = [(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer load-token\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body for body in bodies]
    sent = []
    if before_send:
        before_send()
    for connection, request in zip(connections, requests):
        sent.append(time.time())
        connection.sendall(request)

    def answers():
        results = []
        for index, connection in enumerate(connections):
            data, ancillary, _, _ = connection.recvmsg(65536, socket.CMSG_SPACE(16))
            arrived = next(struct.unpack("qq", payload[:16]) for level, kind, payload in ancillary
                           if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS)
            answered = arrived[0] + arrived[1] / 1e9
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            while len(body) < int(headers.get("content-length", "0")):
                body += connection.recv(65536)
            connection.close()
            results.append((index, sent[index], answered - sent[index], int(lines[0].split()[1]), headers.get("location")))
        return results

    return answers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--leavers", type=int, default=100)
    parser.add_argument("--seed", type=int, default=10000)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/offboard"))
    parser.add_argument("--concurrency", type=int, default=None, help="serve --concurrency (default: serve's own, 128)")
    parser.add_argument("--baseline", action="store_true", help="a log step instead of postgres.revoke: the engine alone")
    parser.add_argument("--warmup", default="0", help="leavers (a log step each) triggered and finished before the measured burst (default 0: a server that has handled nothing yet); "
                        "several, comma-separated (0,100), alternate run by run")
    parser.add_argument("--runs", type=int, default=1, help="measurements, each against a fresh server and store, summed up at the end (default 1)")
    parser.add_argument("--target-connections", type=int, default=None,
                        help="max_connections in the target's URL: connections kept to PostgreSQL (default: the handler's own, 4)")
    args = parser.parse_args()
    pg = os.environ.get("OFFBOARD_TEST_PG_URL") or sys.exit("OFFBOARD_TEST_PG_URL is unset: start and source the test servers first")
    warmups = list(dict.fromkeys(int(w) for w in args.warmup.split(",")))
    if args.runs < 1 or any(w < 0 for w in warmups):
        sys.exit("--runs must be at least 1, and each --warmup at least 0")
    results = {w: [] for w in warmups}
    for index in range(args.runs * len(warmups)):
        warmup = warmups[index % len(warmups)]
        # The store is filled and the memory read once, after the last measurement.
        results[warmup].append(measure(args, pg, warmup, fill=index == args.runs * len(warmups) - 1))
    if args.runs * len(warmups) > 1:
        print(f"Over {args.runs} run(s) each, {'alternating' if len(warmups) > 1 else 'one after another'} (a run's figure is its p99; median (range) over the runs):")
        for warmup, runs in results.items():
            shares = [run["step_start_p99"] for run in runs]
            def median(key):
                return statistics.median(run[key] for run in runs)
            print(f"  {described(warmup)}: step start p99 (= engine share) "
                  f"{statistics.median(shares):.1f} ms ({min(shares):.1f}-{max(shares):.1f}), {sum(share < 50 for share in shares)} of {len(shares)} under 50 ms; "
                  f"step start p50 {median('step_start_p50'):.1f} ms; verified end p99 {median('verified_end_p99'):.1f} ms; handler p99 {median('handler_p99'):.1f} ms; "
                  f"server CPU {median('cpu_ms'):.0f} ms, page faults {median('faults'):.0f}")
            print(f"    p99 by run (server CPU for the burst / CPU steal and other processes' CPU in its first 100 ms, ms): "
                  + ", ".join(f"{run['step_start_p99']:.1f} ({run['cpu_ms']:.0f} / {run['steal_ms']:.0f}, {run['others_ms']:.0f})" for run in runs))


def described(warmup):
    return "a server that has handled nothing yet" if warmup == 0 else f"after {warmup} log-step leavers"


def measure(args, pg, warmup, fill):
    """One measurement: a fresh store and server, `warmup` log-step leavers first, then the burst; with `fill`, the
    store is then filled to --seed runs and the server's memory read."""
    work = tempfile.mkdtemp(prefix="offboard-load-")
    target = pg + (("&" if "?" in pg else "?") + f"max_connections={args.target_connections}" if args.target_connections else "")
    env = dict(os.environ, OFFBOARD_DB=os.path.join(work, "runs.sqlite"), OFFBOARD_WORKFLOWS=HERE,
               OFFBOARD_SECRET_CRM_DB_URL=target, OFFBOARD_SECRET_LOAD_HOOK_TOKEN="load-token")
    suffix = os.path.basename(work).split("-")[-1].lower().replace("_", "")
    roles = [f"load_{suffix}_{i}" for i in range(args.leavers)]
    subprocess.run(["psql", pg, "-q", "-v", "ON_ERROR_STOP=1", "-c", "; ".join(f"CREATE ROLE {role} LOGIN PASSWORD 'x'" for role in roles)], check=True)
    token = subprocess.run([args.binary, "token", "create", "--role", "operator", "--name", "load"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    server = Server(args.binary, env, work, ["--concurrency", str(args.concurrency)] if args.concurrency else [])
    try:
        path = "/v1/hooks/load-log" if args.baseline else "/v1/hooks/load"
        profile = os.environ.get("OFFBOARD_LOAD_PERF")
        if profile:
            # (-k CLOCK_REALTIME: sample times compare with the journal's; OFFBOARD_LOAD_PERF_ALL=1: every process, PostgreSQL's too)
            target_args = ["-a"] if os.environ.get("OFFBOARD_LOAD_PERF_ALL") else ["-p", str(server.process.pid)]
            perf = subprocess.Popen(["perf", "record", "-F", os.environ.get("OFFBOARD_LOAD_PERF_HZ", "4000"), "-k", "CLOCK_REALTIME", "-g",
                                     "-o", profile] + target_args, stderr=subprocess.DEVNULL)
            time.sleep(1)
        if warmup:
            fire(server.port, "/v1/hooks/load-log", [
                json.dumps({"employee_id": f"W{index}", "status": "terminated", "day": "2026-12-01", "db_role": f"warmup_{index}"}).encode()
                for index in range(warmup)])()
            while True:
                time.sleep(0.5)
                _, _, data = server.request("GET", "/v1/runs?limit=1000", token=token)
                listed = json.loads(data)["items"]
                if len(listed) >= warmup and all(run["state"] in ("succeeded", "failed") for run in listed):
                    break
        cpu_before, faults_before = server.cpu_seconds(), server.page_faults()
        bodies = [json.dumps({"employee_id": f"L{index}", "status": "terminated", "day": "2026-12-01", "db_role": roles[index]}).encode()
                  for index in range(args.leavers)]
        host = HostReading(server)
        answers = fire(server.port, path, bodies, before_send=host.start)
        time.sleep(max(0.0, host.begin[2] + 0.1 - time.time()))
        host.end()
        # Wait without adding load while the runs go (the figures come from the journal's own times): one listing
        # every half second until every run has finished, then read each trigger's event for its run.
        deadline = time.time() + 300
        while time.time() < deadline:
            time.sleep(0.5)
            _, _, data = server.request("GET", "/v1/runs?limit=1000", token=token)
            listed = json.loads(data)["items"]
            if len(listed) >= args.leavers + warmup and all(run["state"] in ("succeeded", "failed") for run in listed):
                break
        cpu_used, faults = server.cpu_seconds() - cpu_before, server.page_faults() - faults_before
        results = answers()
        bad = [r for r in results if r[3] != 202]
        if bad:
            raise SystemExit(f"{len(bad)} trigger(s) were not accepted: {bad[:3]}")
        if profile:
            perf.send_signal(2)
            perf.wait()
        runs = {}
        for index, _, _, _, location in results:
            _, _, data = server.request("GET", location, token=token)
            runs[index] = json.loads(data)["run"]
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
        dump = os.environ.get("OFFBOARD_LOAD_DUMP")
        if dump:  # one line per trigger, in the order sent: seconds from the first trigger sent, then each stage's latency
            first = min(r[1] for r in results)
            with open(dump, "w", newline="") as out:
                rows = csv.writer(out)
                rows.writerow(["sent", "answered", "created", "run_started", "step_start", "verified_end", "sent_at"])
                for (index, sent, took, _, _), created_, run_, start_, end_ in zip(results, to_created, to_run, to_start, to_end):
                    rows.writerow([f"{(sent - first) * 1000:.1f}"] + [f"{v * 1000:.1f}" for v in (took, created_, run_, start_, end_)] + [f"{sent:.6f}"])
        print(f"{args.leavers} concurrent HR triggers, one PostgreSQL role each ({os.path.relpath(args.binary, ROOT)}, {described(warmup)}, concurrency {args.concurrency or 'default'}, target connections {args.target_connections or 'default'}{', baseline: a log step' if args.baseline else ''}):")
        print(f"  request to 202 answer:                 {ms(answered)}")
        print(f"  request to run created (hook acted on): {ms(to_created)}")
        print(f"  request to run started by the worker:  {ms(to_run)}")
        print(f"  request to access-removal step start:  {ms(to_start)}")
        print(f"  request to verified end:               {ms(to_end)}")
        print(f"  handler (start to verified success):   {ms(handler)}")
        print(f"  server CPU time for the triggers:      {cpu_used * 1000:.0f} ms ({cpu_used * 1000 / args.leavers:.1f} ms each; until every run had finished, with one listing per 0.5 s)")
        print(f"  server page faults for the triggers:    {faults} (memory touched for the first time; --memory-reserve keeps it ready)")
        print(f"  host in the burst's first {host.window_ms:.0f} ms:       CPU steal {host.steal_ms:.0f} ms, other processes' CPU {host.others_ms:.0f} ms "
              f"(of {host.window_ms * os.cpu_count():.0f} ms on {os.cpu_count()} CPUs; the client, PostgreSQL and anything else)")
        over = [e - h for e, h in zip(to_end, handler)]
        print(f"  engine time (verified end minus handler): {ms(over)}  (target p99 < 50 ms)")
        figures = {"step_start_p99": pct(to_start, 99) * 1000, "step_start_p50": pct(to_start, 50) * 1000,
                   "verified_end_p99": pct(to_end, 99) * 1000, "handler_p99": pct(handler, 99) * 1000, "cpu_ms": cpu_used * 1000,
                   "faults": faults, "steal_ms": host.steal_ms, "others_ms": host.others_ms}
        if not fill:
            return figures

        # The store's runs once filled: the seed, or more when the burst and the warm-up made more.
        total = max(args.seed, args.leavers + warmup)
        seed_file = os.path.join(work, "seed.csv")
        with open(seed_file, "w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["employee_id"])
            for i in range(total - args.leavers - warmup):
                writer.writerow([f"S{i}"])
        began = time.time()
        if total > args.leavers + warmup:
            subprocess.run([args.binary, "import", seed_file, "--playbook", "seed"], env=env, check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        while True:
            _, _, data = server.request("GET", "/metrics", token=token)
            done = re.search(r'offboard_runs\{state="succeeded"\} ([0-9.]+)', data.decode())
            if done and float(done.group(1)) >= total:
                break
            time.sleep(0.5)
        print(f"  store filled to {total} runs in {time.time() - began:.0f} s")
        time.sleep(2)
        samples = []
        for _ in range(5):
            server.request("GET", "/v1/runs?limit=100", token=token)
            server.request("GET", "/metrics", token=token)
            time.sleep(1)
            samples.append(server.rss_mib())
        print(f"  steady RSS with {total} runs in the store: {statistics.median(samples):.0f} MiB (median of 5 samples, max {max(samples):.0f} MiB)")
        return figures
    finally:
        server.stop()
        subprocess.run(["psql", pg, "-q", "-c", "; ".join(f"DROP ROLE IF EXISTS {role}" for role in roles)], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
