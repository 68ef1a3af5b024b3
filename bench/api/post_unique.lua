-- wrk script: POST BASE with a project name that is unique for every request.
-- Usage: wrk … -s post_unique.lua URL -- BASE TAG
-- Names are TAG-t<thread>-<counter>: valid DNS labels, never repeated within a run, and
-- distinct across runs as long as TAG is. A repeated name would be answered 409 without
-- an INSERT, which would flatter the figure; bench/api/run checks wrk's non-2xx count is 0.

local next_thread = 0

function setup(thread)
   thread:set("tid", next_thread)
   next_thread = next_thread + 1
end

local base, prefix
local n = 0

function init(args)
   base, prefix = args[1], args[2]
   assert(base and prefix, "usage: -- BASE TAG")
   prefix = string.format('{"name":"%s-t%d-', prefix, tid or 0)
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   return wrk.format("POST", base, nil, prefix .. n .. '","description":"benchmark project"}')
end
