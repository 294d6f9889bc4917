-- wrk script: POST an increment of 1 to the URL given on the command line.
wrk.method = "POST"
wrk.body = '{"value":1}'
wrk.headers["Content-Type"] = "application/json"
