"""fakeapi: the fake Codegen API, a loopback test double of the Codegen REST API.

It implements the 25 operations of api-docs/openapi3.json, and stop, over real HTTP/1.1,
with deterministic sample data, runs that progress from ACTIVE to a finished
status while their logs grow, the documented rate limits (429 + Retry-After),
FastAPI-shaped errors, and /_control endpoints to inject faults, inspect the
requests received, change the configuration and reset the state.  It is the
test double of every codegen-fs test and the engine of the demo; the
executable is scripts/fake-codegen-api, and docs/FAKE-API.md is its interface.

Python 3.11 standard library only.  The modules, lowest layer first:

    contract    enums, messages, error bodies, rate limits, body models, formats
    config      the tunables of the command line and /_control/config
    validation  FastAPI / pydantic-v2-shaped 422s, pagination
    sampledata  the fixed organisations, users, repositories, ...
    content     generated prompts, outcome texts and log entries
    bulk        the older runs of `--runs N`, built when first asked for
    world       runs, PRs, the sample history, and time moving runs on
    operations  the 26 operations, one function each
    router      Starlette-like path-template matching (404, 405)
    routes      the /v1 route table: method, template, rate class, operation
    ratelimit   one sliding window per rate-limit class
    faults      the injected-fault table
    requestlog  the log of /v1 requests
    app         FakeApi: all state under one lock, the /v1 pipeline
    control     the /_control endpoints
    server      HTTP/1.1: connections, bodies, faults acted out, stderr log
    cli         flags and main()
"""

from .cli import main

__all__ = ["main"]
