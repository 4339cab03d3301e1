"""The contract suite: pytest tests that judge any server claiming to be RunComfy's Kling 3.0 Model API.

Run it against the in-process mock (the default), your own server, or the real API::

    pytest --pyargs contracts.suite -p contracts.suite.plugin                        # in-process mock
    pytest --pyargs contracts.suite -p contracts.suite.plugin --target http://127.0.0.1:8000/v1 --token T
    RUNCOMFY_TOKEN=... pytest --pyargs contracts.suite -p contracts.suite.plugin --target real [--max-spend 1]

`contracts.suite.plugin` adds the options and the `target` fixture; `contracts.suite.target` holds the
`Target` the tests talk through. Against the real API only calls that cost nothing run unless
`--max-spend USD` allows paid ones, and the estimate of each paid call is printed before it is made.
"""
