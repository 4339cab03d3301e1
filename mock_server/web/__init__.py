"""HTTP in, HTTP out: the routes of `/v1`, `/files` and `/__mock`, the controls middleware, the bodies.

Everything that decides lives in `mock_server.sim`; the modules here parse a request, call it, and answer.
"""
