"""fakeapi.control: the /_control endpoints (no auth, no rate limit, not logged).

Health, the request log, the fault table, reset, the configuration and the
inside view of one run, each one row of CONTROL_ROUTES.  answer() routes a
request, parses a POST's JSON body and runs the endpoint under FakeApi.lock;
a bad value is a 400.
"""

import json
import time

from .contract import INT_RE, MSG_RUN_NOT_FOUND, ApiError, message_error
from .router import Router


def answer(fake, method, path, query, body):
    """One /_control request -> (status, JSON value)."""
    try:
        route, params = CONTROL_ROUTER.match(method, path)
        data = None
        if method == "POST":
            try:
                data = json.loads(body.decode("utf-8")) if body.strip() else {}
            except ValueError as exc:
                raise ApiError(400, {"message": f"invalid JSON body: {exc}",
                                     "status_code": 400})
        with fake.lock:
            return 200, route.handler(fake, params, query, data)
    except ValueError as exc:
        return 400, {"message": str(exc), "status_code": 400}
    except ApiError as err:
        return err.status, err.body


def ctl_health(fake, params, query, data):
    return {"ok": True}


def ctl_requests(fake, params, query, data):
    since = query.get("since", "0")
    if not INT_RE.match(since):
        raise ValueError("since must be an integer")
    return {"requests": fake.requests.since(int(since))}


def ctl_clear_requests(fake, params, query, data):
    fake.requests.clear()
    return {"ok": True, "seq": fake.requests.seq}


def ctl_faults(fake, params, query, data):
    return {"faults": [f.describe() for f in fake.faults.faults]}


def ctl_add_fault(fake, params, query, data):
    return fake.faults.add(data).describe()


def ctl_clear_faults(fake, params, query, data):
    fake.faults.clear()
    return {"faults": []}


def ctl_reset(fake, params, query, data):
    fake.reset()
    return {"ok": True}


def ctl_config(fake, params, query, data):
    return fake.config.as_dict()


def ctl_set_config(fake, params, query, data):
    fake.config.update(data)
    return fake.config.as_dict()


def ctl_run(fake, params, query, data):
    run_id = params["run_id"]
    run = fake.world.find_run(int(run_id)) if INT_RE.match(run_id) else None
    if run is None:
        raise message_error(404, MSG_RUN_NOT_FOUND)
    fake.world.advance(time.monotonic(), time.time())
    return {"run": run.response(), "banned": run.banned,
            "removed_from_pr": run.removed_from_pr, "prompt": run.prompt,
            "images": run.images, "model": run.model, "agent_type": run.agent_type,
            "repo_id": run.repo_id, "user_id": run.user_id, "resumes": list(run.resumes),
            "log_count": run.log_count,
            "prs": [{"id": pr.id, "number": pr.number, "repo_id": pr.repo_id,
                     "state": pr.state} for pr in run.prs or ()]}


def ctl_change_run(fake, params, query, data):
    """Change a run on demand: {"status": S} sets its status (a working run stops
    working), {"add_pr": true} attaches a new PR; then the inside view."""
    run_id = params["run_id"]
    run = fake.world.find_run(int(run_id)) if INT_RE.match(run_id) else None
    if run is None:
        raise message_error(404, MSG_RUN_NOT_FOUND)
    if not isinstance(data, dict) or set(data) - {"status", "add_pr"}:
        raise ValueError("body must be an object with status and/or add_pr")
    status, add_pr = data.get("status"), data.get("add_pr", False)
    if status is not None and (not isinstance(status, str) or not status):
        raise ValueError(f"bad status {status!r}")
    if not isinstance(add_pr, bool):
        raise ValueError(f"bad add_pr {add_pr!r}")
    fake.world.advance(time.monotonic(), time.time())
    if status is not None:
        fake.world.set_status(run, status)
    if add_pr:
        fake.world.add_pr(run)
    return ctl_run(fake, params, query, None)


CONTROL_ROUTES = (
    ("GET", "/_control/health", None, ctl_health),
    ("GET", "/_control/requests", None, ctl_requests),
    ("DELETE", "/_control/requests", None, ctl_clear_requests),
    ("GET", "/_control/faults", None, ctl_faults),
    ("POST", "/_control/faults", None, ctl_add_fault),
    ("DELETE", "/_control/faults", None, ctl_clear_faults),
    ("POST", "/_control/reset", None, ctl_reset),
    ("GET", "/_control/config", None, ctl_config),
    ("POST", "/_control/config", None, ctl_set_config),
    ("GET", "/_control/runs/{run_id}", None, ctl_run),
    ("POST", "/_control/runs/{run_id}", None, ctl_change_run),
)

CONTROL_ROUTER = Router(CONTROL_ROUTES)
