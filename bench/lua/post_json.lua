-- POSTs a JSON body with a bearer token; both come from the environment of the wrk process.
dofile(os.getenv("BENCH_LUA_DIR") .. "/statuses.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = os.getenv("BENCH_BODY")
