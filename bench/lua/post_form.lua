-- POSTs a form body (OAuth2 password login) taken from the environment of the wrk process.
dofile(os.getenv("BENCH_LUA_DIR") .. "/statuses.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = os.getenv("BENCH_BODY")
