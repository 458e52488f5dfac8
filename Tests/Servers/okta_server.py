#!/usr/bin/env python3
"""An Okta test server: the parts of Okta's Management API that `okta.deactivate` uses, answering as Okta's
documentation shows and checking each request field by field.

  python3 okta_server.py PORT API_TOKEN

Management API (https://developer.okta.com/docs/api/openapi/okta-management/management/), `Authorization: SSWS TOKEN`:
  GET    /api/v1/users/{id | login}                          the user; 404 E0000007
  POST   /api/v1/users/{id}/lifecycle/suspend                ACTIVE only (else 400 E0000001)
  POST   /api/v1/users/{id}/lifecycle/deactivate?sendEmail=false
  DELETE /api/v1/users/{id}/sessions?oauthTokens=true        204
  GET    /api/v1/users/{id}/groups?limit=N                   paged by a Link: <…&after=…>; rel="next" header
  GET    /api/v1/groups/{id}                                 the group; 404 E0000007
  DELETE /api/v1/groups/{group}/users/{user}                 204; an APP_GROUP or BUILT_IN group: 403 E0000006
Errors are Okta's shape: {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}. Throttling is Okta's:
429 E0000047 with X-Rate-Limit-Limit, X-Rate-Limit-Remaining: 0 and X-Rate-Limit-Reset (epoch seconds), no Retry-After.

Tests arrange and read the server through /_control (never part of Okta); tests share one server, so each makes users
and groups of its own:
  POST /_control/users  {"id", "login", "status"};  POST /_control/groups {"id", "name", "type", "members"}
  POST /_control/throttle {"path": prefix, "count": n, "resetIn": seconds}
  GET  /_control/state;  GET /_control/calls
"""
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"token": "", "users": {}, "groups": {}, "throttles": [], "calls": []}


def okta_error(status, code, summary, causes=()):
    return status, {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae" + secrets.token_hex(10),
                    "errorCauses": [{"errorSummary": cause} for cause in causes]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, payload=None, headers=None):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path.startswith("/_control/"):
            return self.send(*self.control(method, path, raw))
        with LOCK:
            STATE["calls"].append({"method": method, "path": path, "query": query, "accept": self.headers.get("Accept", "")})
            for throttle in STATE["throttles"]:
                if throttle["count"] > 0 and path.startswith(throttle["path"]):
                    throttle["count"] -= 1
                    status, payload = okta_error(429, "E0000047", "API call exceeded rate limit due to too many requests.")
                    return self.send(status, payload, {"X-Rate-Limit-Limit": "600", "X-Rate-Limit-Remaining": "0",
                                                       "X-Rate-Limit-Reset": str(int(time.time()) + throttle["resetIn"])})
        if self.headers.get("Authorization") != "SSWS " + STATE["token"]:
            return self.send(*okta_error(401, "E0000011", "Invalid token provided"))
        if self.headers.get("Accept") != "application/json":
            return self.send(*okta_error(406, "E0000001", "Api validation failed: Accept header must be application/json"))
        status, payload, headers = self.api(method, path, query)
        return self.send(status, payload, headers)

    @staticmethod
    def find_user(key):
        users = STATE["users"]
        return users.get(key) or next((u for u in users.values() if u["profile"]["login"].lower() == key.lower()), None)

    def api(self, method, path, query):
        with LOCK:
            match = re.fullmatch(r"/api/v1/users/([^/]+)", path)
            if match and method == "GET":
                user = self.find_user(match.group(1))
                if user is None:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {match.group(1)} (User)"), {})
                return 200, user, {}
            match = re.fullmatch(r"/api/v1/users/([^/]+)/lifecycle/(suspend|deactivate)", path)
            if match and method == "POST":
                user = STATE["users"].get(match.group(1))
                if user is None:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {match.group(1)} (User)"), {})
                if match.group(2) == "suspend":
                    if user["status"] != "ACTIVE":
                        return (*okta_error(400, "E0000001", "Api validation failed: suspend", ["Cannot suspend a user that is not active"]), {})
                    user["status"] = "SUSPENDED"
                else:
                    if query.get("sendEmail") != "false":
                        return (*okta_error(400, "E0000001", "Api validation failed: sendEmail", ["the test server expects sendEmail=false"]), {})
                    user["status"] = "DEPROVISIONED"
                user["lifecycleCalls"] = user.get("lifecycleCalls", 0) + 1
                return 200, {}, {}
            match = re.fullmatch(r"/api/v1/users/([^/]+)/sessions", path)
            if match and method == "DELETE":
                user = STATE["users"].get(match.group(1))
                if user is None:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {match.group(1)} (User)"), {})
                user["sessionsCleared"] = user.get("sessionsCleared", 0) + 1
                user["oauthTokensRevoked"] = query.get("oauthTokens") == "true"
                return 204, None, {}
            match = re.fullmatch(r"/api/v1/users/([^/]+)/groups", path)
            if match and method == "GET":
                user_id = match.group(1)
                if user_id not in STATE["users"]:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {user_id} (User)"), {})
                groups = sorted((g for g in STATE["groups"].values() if user_id in g["members"]), key=lambda g: g["id"])
                limit = int(query.get("limit", "200"))
                after = query.get("after")
                start = next((i + 1 for i, g in enumerate(groups) if g["id"] == after), 0) if after else 0
                page = groups[start:start + limit]
                shown = [{"id": g["id"], "type": g["type"], "profile": {"name": g["name"], "description": None}} for g in page]
                headers = {"Link": f'<http://{self.headers.get("Host")}/api/v1/users/{user_id}/groups?limit={limit}>; rel="self"'}
                if start + limit < len(groups):
                    headers["Link"] += f', <http://{self.headers.get("Host")}/api/v1/users/{user_id}/groups?after={page[-1]["id"]}&limit={limit}>; rel="next"'
                return 200, shown, headers
            match = re.fullmatch(r"/api/v1/groups/([^/]+)", path)
            if match and method == "GET":
                group = STATE["groups"].get(match.group(1))
                if group is None:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {match.group(1)} (UserGroup)"), {})
                return 200, {"id": group["id"], "type": group["type"], "profile": {"name": group["name"]}}, {}
            match = re.fullmatch(r"/api/v1/groups/([^/]+)/users/([^/]+)", path)
            if match and method == "DELETE":
                group = STATE["groups"].get(match.group(1))
                if group is None:
                    return (*okta_error(404, "E0000007", f"Not found: Resource not found: {match.group(1)} (UserGroup)"), {})
                if group["type"] != "OKTA_GROUP":
                    return (*okta_error(403, "E0000006", "You do not have permission to perform the requested action"), {})
                if match.group(2) in group["members"]:
                    group["members"].remove(match.group(2))
                return 204, None, {}
            return (*okta_error(404, "E0000022", "The endpoint does not support the provided HTTP method"), {})

    def control(self, method, path, raw):
        body = json.loads(raw or b"{}")
        with LOCK:
            if path == "/_control/users" and method == "POST":
                user = {"id": body["id"], "status": body.get("status", "ACTIVE"), "profile": {"login": body["login"], "email": body["login"]}}
                STATE["users"][user["id"]] = user
                return 201, user
            if path == "/_control/groups" and method == "POST":
                group = {"type": "OKTA_GROUP", "members": []} | body
                STATE["groups"][group["id"]] = group
                return 201, group
            if path == "/_control/throttle" and method == "POST":
                STATE["throttles"].append({"path": body["path"], "count": int(body.get("count", 1)), "resetIn": int(body.get("resetIn", 1))})
                return 204, None
            if path == "/_control/state" and method == "GET":
                return 200, {"users": STATE["users"], "groups": STATE["groups"]}
            if path == "/_control/calls" and method == "GET":
                return 200, STATE["calls"]
        return 404, {"error": "no such control"}


if __name__ == "__main__":
    STATE["token"] = sys.argv[2]
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
