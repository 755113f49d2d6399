#!/usr/bin/env python3
"""A small in-memory FHIR R4 server for the tests and the demo: the EHR's side of the hub's
FHIR interface.

Serves `GET [base]/Appointment?date=ge<instant>&date=lt<instant>` (or `date=YYYY-MM-DD`, read
as that day in UTC) with `_include=Appointment:patient` and
`_include=Appointment:practitioner` (a searchset Bundle, paged by `_count` / `_offset`),
`GET [base]/{type}/{id}`, `PUT [base]/{type}/{id}` and `POST [base]/{type}` (with
`If-None-Exist` on `identifier=system|value` or `appointment=Appointment/id`).

Every resource written is validated with an independent FHIR R4 model, PyPI's
`fhir.resources` 6.1.0 on pydantic 1 (its last R4 release); an invalid one is answered 422
with an OperationOutcome and not stored.

Usage: server.py LOG_FILE [--token TOKEN] [--page-size N]
Prints "listening PORT" once ready (port chosen by the system); base URL
http://127.0.0.1:PORT/fhir. Each accepted write is logged as one JSON line
{"method", "type", "id", "resource"}, unless sent with the header `X-Test-Seed: 1`.
`PUT /_admin/search-body` makes Appointment searches answer its body as is (a broken
schedule); `DELETE /_admin/search-body` ends that. `PUT /_admin/refuse` with a resource
type as its body makes writes of that type answer 422 (a server whose profile refuses
them); `DELETE /_admin/refuse` ends that.
"""
import argparse
import datetime
import itertools
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from fhir.resources import __fhir_version__ as fhir_version
from fhir.resources import construct_fhir_element

BASE = "/fhir"
ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
TYPES = {"Appointment", "Patient", "Practitioner", "Encounter", "Coverage", "Consent",
         "QuestionnaireResponse"}



def instant(text):
    """An R4 instant or dateTime with offset as an aware datetime; None when not one."""
    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def date_filter(values):
    """The `date` search parameters as a test of an appointment's `start`: `geX` / `ltX`
    compare instants; a bare `YYYY-MM-DD` is that day in UTC."""
    tests = []
    for value in values:
        prefix, rest = value[:2], value[2:]
        if prefix in ("ge", "lt") and instant(rest) is not None:
            bound = instant(rest)
            if prefix == "ge":
                tests.append(lambda t, b=bound: t is not None and t >= b)
            else:
                tests.append(lambda t, b=bound: t is not None and t < b)
        else:
            tests.append(lambda t, day=value: t is not None
                         and t.astimezone(datetime.timezone.utc).date().isoformat() == day)
    return lambda start: all(test(instant(start)) for test in tests)

def outcome(code, text):
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text[:500]}]}


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.resources = {}  # (type, id) -> resource
        self.counter = itertools.count(1)
        self.search_body = None
        self.refused = set()

    def find(self, kind, search):
        """The first resource of `kind` matching an If-None-Exist search, if any."""
        params = parse_qs(search)
        for (k, _), resource in self.resources.items():
            if k != kind:
                continue
            ok = True
            for key, values in params.items():
                value = values[0]
                if key == "identifier":
                    system, _, val = value.rpartition("|")
                    ok &= any(i.get("value") == val and (not system or i.get("system") == system)
                              for i in resource.get("identifier", []))
                elif key == "appointment":
                    ok &= any(r.get("reference") == value for r in resource.get("appointment", []))
                else:
                    ok = False
            if ok:
                return resource
        return None


def make_handler(store, log, token, page_size):
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a relay that goes down cuts every client.
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        def send(self, status, body, headers=None):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def authorised(self):
            if token and self.headers.get("Authorization") != f"Bearer {token}":
                self.send(401, outcome("login", "a valid bearer token is required"))
                return False
            return True

        def base_url(self):
            return f"http://{self.headers.get('Host')}{BASE}"

        def route(self):
            """(type, id or None, query) for a path under the base, else None."""
            url = urlsplit(self.path)
            if not url.path.startswith(BASE + "/"):
                return None
            parts = url.path[len(BASE) + 1:].split("/")
            if parts[0] not in TYPES or len(parts) > 2:
                return None
            if len(parts) == 2 and not ID.match(parts[1]):
                return None
            return parts[0], (parts[1] if len(parts) == 2 else None), url.query

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length)

        def do_GET(self):
            if not self.authorised():
                return
            route = self.route()
            if route is None:
                return self.send(404, outcome("not-found", "unknown path"))
            kind, rid, query = route
            with store.lock:
                if rid is not None:
                    found = store.resources.get((kind, rid))
                    if found is None:
                        return self.send(404, outcome("not-found", f"{kind}/{rid}"))
                    return self.send(200, found)
                if kind != "Appointment":
                    return self.send(400, outcome("not-supported", "search Appointment only"))
                if store.search_body is not None:
                    return self.send(200, store.search_body)
                return self.send(200, self.search(parse_qs(query)))

        def search(self, params):
            in_range = date_filter(params.get("date", []))
            includes = params.get("_include", [])
            count = min(int(params.get("_count", ["50"])[0]), page_size)
            offset = int(params.get("_offset", ["0"])[0])
            matches = sorted((r for (k, _), r in store.resources.items()
                              if k == "Appointment" and in_range(r.get("start", ""))),
                             key=lambda r: (r.get("start", ""), r["id"]))
            page = matches[offset:offset + count]
            entries = [{"fullUrl": f"{self.base_url()}/Appointment/{r['id']}", "resource": r,
                        "search": {"mode": "match"}} for r in page]
            seen = set()
            for r in page:
                for p in r.get("participant", []):
                    ref = (p.get("actor") or {}).get("reference", "")
                    kind, _, rid = ref.partition("/")
                    wanted = (kind == "Patient" and "Appointment:patient" in includes) or \
                             (kind == "Practitioner" and "Appointment:practitioner" in includes)
                    if wanted and (kind, rid) in store.resources and (kind, rid) not in seen:
                        seen.add((kind, rid))
                        entries.append({"fullUrl": f"{self.base_url()}/{ref}",
                                        "resource": store.resources[(kind, rid)],
                                        "search": {"mode": "include"}})
            bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                      "link": [{"relation": "self", "url": f"{self.base_url()}/Appointment"}],
                      "entry": entries}
            if offset + count < len(matches):
                query = {k: v for k, v in params.items() if k != "_offset"}
                query["_offset"] = [str(offset + count)]
                bundle["link"].append({"relation": "next",
                                       "url": f"{self.base_url()}/Appointment?"
                                              + urlencode(query, doseq=True)})
            return bundle

        def validated(self, kind, rid):
            """The request's resource if it is a valid R4 `kind` (with id `rid`), else None
            after answering 422."""
            try:
                data = json.loads(self.body())
            except ValueError as error:
                self.send(400, outcome("structure", f"not JSON: {error}"))
                return None
            if kind in store.refused:
                self.send(422, outcome("business-rule", f"this server takes no {kind}"))
                return None
            if not isinstance(data, dict) or data.get("resourceType") != kind:
                self.send(422, outcome("invalid", f"expected a {kind}"))
                return None
            if rid is not None and data.get("id") != rid:
                self.send(422, outcome("invalid", "the id does not match the URL"))
                return None
            try:
                construct_fhir_element(kind, data)
            except Exception as error:  # pydantic's ValidationError
                self.send(422, outcome("invalid", str(error)))
                return None
            return data

        def logged(self, method, kind, rid, resource):
            if self.headers.get("X-Test-Seed") != "1":
                log.write(json.dumps({"method": method, "type": kind, "id": rid,
                                      "resource": resource}) + "\n")

        def do_PUT(self):
            if self.path == "/_admin/search-body":
                store.search_body = self.body()
                return self.send(204, b"")
            if self.path == "/_admin/refuse":
                store.refused.add(self.body().decode())
                return self.send(204, b"")
            if not self.authorised():
                return
            route = self.route()
            if route is None or route[1] is None:
                return self.send(405, outcome("not-supported", "PUT needs [type]/[id]"))
            kind, rid, _ = route
            data = self.validated(kind, rid)
            if data is None:
                return
            with store.lock:
                created = (kind, rid) not in store.resources
                store.resources[(kind, rid)] = data
                self.logged("PUT", kind, rid, data)
            self.send(201 if created else 200, data,
                      {"Location": f"{self.base_url()}/{kind}/{rid}/_history/1"})

        def do_POST(self):
            if not self.authorised():
                return
            route = self.route()
            if route is None or route[1] is not None:
                return self.send(405, outcome("not-supported", "POST needs [type]"))
            kind = route[0]
            data = self.validated(kind, None)
            if data is None:
                return
            with store.lock:
                search = self.headers.get("If-None-Exist")
                found = store.find(kind, search) if search else None
                if found is not None:
                    return self.send(200, found,
                                     {"Location": f"{self.base_url()}/{kind}/{found['id']}"})
                rid = f"{kind.lower()}-{next(store.counter)}"
                data["id"] = rid
                store.resources[(kind, rid)] = data
                self.logged("POST", kind, rid, data)
            self.send(201, data, {"Location": f"{self.base_url()}/{kind}/{rid}/_history/1"})

        def do_DELETE(self):
            if self.path == "/_admin/search-body":
                store.search_body = None
                return self.send(204, b"")
            if self.path == "/_admin/refuse":
                store.refused.clear()
                return self.send(204, b"")
            self.send(405, outcome("not-supported", "no deletes"))

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log")
    parser.add_argument("--token")
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args()
    if not fhir_version.startswith("4.0"):
        print(f"fhir.resources models FHIR {fhir_version}, not R4 (4.0.x)", file=sys.stderr)
        return 2
    log = open(args.log, "a", buffering=1, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 make_handler(Store(), log, args.token, args.page_size))
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
