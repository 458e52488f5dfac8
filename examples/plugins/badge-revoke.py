#!/usr/bin/env python3
"""offboard plugin: badge.revoke (protocol 1).

Reads one JSON request on stdin, writes one JSON response on stdout:
  request:  {"protocol": 1, "action": "plan|execute|verify", "type": "badge.revoke",
             "parameters": {...}, "idempotency_key": "RUN/STEP", "run": {"id", "step", "item", "attempt"}}
  response: {"status": "ok", ...} or {"status": "error", "message": "...", "retryable": false}
Execution is at least once: the same idempotency key may arrive twice after a crash, so revoking
an already revoked badge is a success that changes nothing.
"""
import json
import os
import sys


def answer(**fields):
    json.dump(fields, sys.stdout)
    sys.stdout.write("\n")
    sys.exit(0)


def main():
    request = json.load(sys.stdin)
    if request.get("protocol") != 1:
        answer(status="error", message="unsupported protocol %r" % request.get("protocol"), retryable=False)
    action = request["action"]
    params = request["parameters"]
    badge = params["badge_id"]
    path = os.path.join(params["state_dir"], "badges.json")
    try:
        with open(path) as f:
            badges = json.load(f)
    except FileNotFoundError:
        badges = {}
    current = badges.get(badge, {"active": True})

    if action == "plan":
        # A dry run gets secrets as ${secret:NAME} references and must change nothing.
        change = "active -> revoked" if current["active"] else "already revoked, no change"
        answer(status="ok", summary="revoke badge %s (%s)" % (badge, change), details=["facilities state: " + path])

    if action in ("execute", "verify") and not params.get("api_token"):
        answer(status="error", message="no API token", retryable=False)
    if params.get("api_token") == "expired":
        answer(status="error", message="the facilities API refused the token", retryable=False)

    if action == "execute":
        was_active = current["active"]
        if was_active:
            badges[badge] = {"active": False, "revoked_by": request["idempotency_key"], "reason": params.get("reason")}
            os.makedirs(params["state_dir"], exist_ok=True)
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                json.dump(badges, f)
            os.replace(tmp, path)
        answer(status="ok", output={"badge_id": badge, "was_active": was_active, "state": "revoked"})

    if action == "verify":
        active = badges.get(badge, {"active": True})["active"]
        answer(status="ok", holds=not active,
               detail="badge %s %s" % (badge, "still opens doors" if active else "is revoked in the facilities system"))

    answer(status="error", message="unknown action %r" % action, retryable=False)


if __name__ == "__main__":
    main()
