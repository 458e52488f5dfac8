#!/usr/bin/env python3
"""A Microsoft Entra ID test server: the parts of the identity platform's token endpoint and of Microsoft Graph v1.0
that `entra.disable` uses, answering as Microsoft's documentation shows, and checking each request field by field.

  python3 graph_server.py PORT CLIENT_ID CLIENT_SECRET EXPIRED_CLIENT_ID

CLIENT_ID signs in with CLIENT_SECRET; EXPIRED_CLIENT_ID's secret (the same) has expired.

Identity platform (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
  POST /{tenant}/oauth2/v2.0/token   client_credentials; a wrong secret is 401 invalid_client AADSTS7000215, an expired
                                     one AADSTS7000222.
Microsoft Graph (https://learn.microsoft.com/graph/api/...):
  GET    /v1.0/users/{id | userPrincipalName}?$select=...          user-get
  GET    /v1.0/users?$filter=employeeId eq '...'&$select=...       user-list (ConsistencyLevel not needed for eq)
  PATCH  /v1.0/users/{id}                 {"accountEnabled": false}                   user-update, 204
  POST   /v1.0/users/{id}/revokeSignInSessions                                         user-revokesigninsessions
  GET    /v1.0/users/{id}/memberOf/microsoft.graph.group?$select=...&$top=N  paged by @odata.nextLink
  GET    /v1.0/groups/{id}?$select=...                                       group-get
  DELETE /v1.0/groups/{group}/members/{user}/$ref                                     group-delete-members, 204
  POST   /v1.0/groups/{group}/members/$ref  {"@odata.id": ".../directoryObjects/{id}"} group-post-members, 204
Errors are Graph's shape: {"error": {"code": ..., "message": ..., "innerError": {...}}}.

Tests arrange and read the server through /_control (never part of Graph); tests run at once against one server, so
each makes its own users and groups (ids of its own) and reads back only those:
  POST /_control/users   {"id", "userPrincipalName", "employeeId", "accountEnabled"}
  POST /_control/groups  {"id", "displayName", "groupTypes", "members": [user ids], "readOnly": bool}
  POST /_control/throttle {"path": prefix, "count": n, "retryAfter": seconds}: the next n requests under prefix get 429
  GET  /_control/state   users and groups as they are;  GET /_control/calls: every Graph request seen, in order
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
STATE = {"clients": {}, "tokens": set(), "users": {}, "groups": {}, "throttles": [], "calls": []}


def graph_error(status, code, message):
    return status, {"error": {"code": code, "message": message,
                              "innerError": {"date": "2026-12-07T00:00:00", "request-id": secrets.token_hex(8),
                                             "client-request-id": secrets.token_hex(8)}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

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

    def do_PATCH(self):
        self.route("PATCH")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        raw = self.body()
        if path.startswith("/_control/"):
            return self.send(*self.control(method, path, raw))
        token = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if token and method == "POST":
            return self.send(*self.token(token.group(1), raw))
        if not path.startswith("/v1.0/"):
            return self.send(*graph_error(404, "BadRequest", f"Resource not found for the segment '{path}'."))
        with LOCK:
            STATE["calls"].append({"method": method, "path": path, "query": query,
                                   "body": raw.decode("utf-8", "replace")})
            for throttle in STATE["throttles"]:
                if throttle["count"] > 0 and path.startswith(throttle["path"]):
                    throttle["count"] -= 1
                    status, payload = graph_error(429, "TooManyRequests", "Too many requests.")
                    return self.send(status, payload, {"Retry-After": str(throttle["retryAfter"])})
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in STATE["tokens"]:
            return self.send(*graph_error(401, "InvalidAuthenticationToken", "Access token is empty."))
        result = self.graph(method, path[len("/v1.0"):], query, raw)
        status, payload = result[0], result[1]
        return self.send(status, payload)

    def token(self, tenant, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
            return 400, {"error": "invalid_request", "error_description": "AADSTS900144: The request body must contain the following parameter: 'grant_type'."}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003: The app requested an unsupported grant type."}
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return 400, {"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."}
        client = STATE["clients"].get(form.get("client_id", ""))
        if client is None:
            return 400, {"error": "unauthorized_client", "error_description": f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the directory '{tenant}'."}
        if form.get("client_secret") != client["secret"]:
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                         "error_codes": [7000215]}
        if client.get("expired"):
            return 401, {"error": "invalid_client", "error_description": f"AADSTS7000222: The provided client secret keys for app '{form.get('client_id')}' are expired.",
                         "error_codes": [7000222]}
        access = secrets.token_urlsafe(24)
        with LOCK:
            STATE["tokens"].add(access)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": access}

    def find_user(self, key):
        users = STATE["users"]
        if key in users:
            return users[key]
        return next((user for user in users.values() if user["userPrincipalName"].lower() == key.lower()), None)

    @staticmethod
    def select(item, query):
        fields = query.get("$select")
        if not fields:
            return dict(item)
        return {name: item.get(name) for name in fields.split(",") if name in item} | {"id": item["id"]}

    def graph(self, method, path, query, raw):
        with LOCK:
            match = re.fullmatch(r"/users/([^/]+)", path)
            if match and method == "GET":
                user = self.find_user(match.group(1))
                if user is None:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist or one of its queried reference-property objects are not present.")
                return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity"} | self.select(user, query)
            if path == "/users" and method == "GET":
                wanted = re.fullmatch(r"(\w+) eq '((?:[^']|'')*)'", query.get("$filter", ""))
                if not wanted or wanted.group(1) not in ("employeeId", "userPrincipalName", "mail"):
                    return graph_error(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified.")
                name, value = wanted.group(1), wanted.group(2).replace("''", "'")
                found = [self.select(u, query) for u in STATE["users"].values() if (u.get(name) or "").lower() == value.lower()]
                return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": found}
            if match and method == "PATCH":
                user = STATE["users"].get(match.group(1))
                if user is None:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist or one of its queried reference-property objects are not present.")
                body = json.loads(raw or b"{}")
                if self.headers.get("Content-Type", "").split(";")[0] != "application/json" or set(body) != {"accountEnabled"} or not isinstance(body["accountEnabled"], bool):
                    return graph_error(400, "Request_BadRequest", "Invalid value specified for property 'accountEnabled' of resource 'User'.")
                user["accountEnabled"] = body["accountEnabled"]
                return 204, None
            match = re.fullmatch(r"/users/([^/]+)/revokeSignInSessions", path)
            if match and method == "POST":
                user = STATE["users"].get(match.group(1))
                if user is None:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist.")
                user["sessionsRevoked"] = user.get("sessionsRevoked", 0) + 1
                user["signInSessionsValidFromDateTime"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                return 200, {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", "value": True}
            match = re.fullmatch(r"/users/([^/]+)/memberOf/microsoft\.graph\.group", path)
            if match and method == "GET":
                user_id = match.group(1)
                if user_id not in STATE["users"]:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{user_id}' does not exist.")
                groups = [g for g in STATE["groups"].values() if user_id in g["members"]]
                groups.sort(key=lambda g: g["id"])
                top = int(query.get("$top", "100"))
                start = int(query.get("$skiptoken", "0"))
                page = groups[start:start + top]
                payload = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups",
                           "value": [self.select({k: v for k, v in g.items() if k in ("id", "displayName", "groupTypes", "membershipRule", "onPremisesSyncEnabled", "mailEnabled", "securityEnabled", "isAssignableToRole")}, query) for g in page]}
                if start + top < len(groups):
                    rest = dict(query)
                    rest["$skiptoken"] = str(start + top)
                    host = self.headers.get("Host")
                    payload["@odata.nextLink"] = f"http://{host}/v1.0/users/{user_id}/memberOf/microsoft.graph.group?" + urllib.parse.urlencode(rest)
                return 200, payload
            match = re.fullmatch(r"/groups/([^/]+)", path)
            if match and method == "GET":
                group = STATE["groups"].get(match.group(1))
                if group is None:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist or one of its queried reference-property objects are not present.")
                return 200, self.select({k: v for k, v in group.items() if k != "members"}, query)
            match = re.fullmatch(r"/groups/([^/]+)/members/([^/]+)/\$ref", path)
            if match and method == "DELETE":
                group = STATE["groups"].get(match.group(1))
                if group is None:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist.")
                if "DynamicMembership" in group.get("groupTypes", []):
                    return graph_error(400, "Request_BadRequest", "Cannot remove members from a group with dynamic membership.")
                if group.get("mailEnabled") and "Unified" not in group.get("groupTypes", []):
                    return graph_error(400, "Request_BadRequest", "Cannot Update a mail-enabled security groups and or distribution list.")
                if group.get("readOnly"):
                    return graph_error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
                if match.group(2) not in group["members"]:
                    return graph_error(404, "Request_ResourceNotFound", f"Resource '{match.group(2)}' does not exist or one of its queried reference-property objects are not present.")
                group["members"].remove(match.group(2))
                return 204, None
            match = re.fullmatch(r"/groups/([^/]+)/members/\$ref", path)
            if match and method == "POST":
                group = STATE["groups"].get(match.group(1))
                body = json.loads(raw or b"{}")
                ref = re.fullmatch(r"https://graph\.microsoft\.com/v1\.0/directoryObjects/([^/]+)", body.get("@odata.id", ""))
                if group is None or not ref:
                    return graph_error(400, "Request_BadRequest", "Invalid object identifier.")
                if ref.group(1) in group["members"]:
                    return graph_error(400, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
                group["members"].append(ref.group(1))
                return 204, None
            return graph_error(400, "BadRequest", f"Resource not found for the segment '{path}'.")

    def control(self, method, path, raw):
        body = json.loads(raw or b"{}")
        with LOCK:
            if path == "/_control/users" and method == "POST":
                user = {"accountEnabled": True, "employeeId": None, "mail": None, "signInSessionsValidFromDateTime": "2026-01-01T00:00:00Z"} | body
                STATE["users"][user["id"]] = user
                return 201, user
            if path == "/_control/groups" and method == "POST":
                group = {"groupTypes": [], "members": [], "readOnly": False} | body
                STATE["groups"][group["id"]] = group
                return 201, group
            if path == "/_control/throttle" and method == "POST":
                STATE["throttles"].append({"path": body["path"], "count": int(body.get("count", 1)), "retryAfter": int(body.get("retryAfter", 1))})
                return 204, None
            if path == "/_control/state" and method == "GET":
                return 200, {"users": STATE["users"], "groups": STATE["groups"]}
            if path == "/_control/calls" and method == "GET":
                return 200, STATE["calls"]
        return 404, {"error": "no such control"}


if __name__ == "__main__":
    STATE["clients"] = {sys.argv[2]: {"secret": sys.argv[3]}, sys.argv[4]: {"secret": sys.argv[3], "expired": True}}
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
