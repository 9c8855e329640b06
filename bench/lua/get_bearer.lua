-- GETs with a bearer token from the environment of the wrk process (so a shared cache for
-- anonymous reads is bypassed and the request reaches the service).
dofile(os.getenv("BENCH_LUA_DIR") .. "/statuses.lua")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
