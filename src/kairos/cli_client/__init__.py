"""The client half of the `kairos` command: `kairos schedules …` and `kairos jobs …` over HTTP.

`session` reads the connection options, `api` talks to the server and reports its problems,
`output` draws tables and JSON, `bodies` turns options into request bodies, `follow` watches a job.
"""
