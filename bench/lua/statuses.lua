-- Counts the answers by HTTP status in every wrk thread and prints the totals when wrk is
-- done, one "status <code> <count>" line each (bench/harness/wrk.py reads them). Every bench
-- script loads it first: dofile(os.getenv("BENCH_LUA_DIR") .. "/statuses.lua").
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   statuses = {}
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         total[status] = (total[status] or 0) + count
      end
   end
   for status, count in pairs(total) do
      io.write(string.format("status %d %d\n", status, count))
   end
end
