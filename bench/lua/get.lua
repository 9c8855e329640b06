-- A plain GET (anonymous), only counting the answers by status.
dofile(os.getenv("BENCH_LUA_DIR") .. "/statuses.lua")
