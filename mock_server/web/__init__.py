"""HTTP in, HTTP out: the routes of `/v1` and `/files` (`routes/`), the `/__mock` sub-application
(`admin/`), the controls middleware, the bodies, and one error format for all of them (`handlers`).

Everything that decides lives in `mock_server.sim`; the modules here parse a request, call it, and answer.
"""
