-- wrk script: GET BASE/bench-000001 … BASE/bench-NNNNNN in a cycle.
-- Usage: wrk … -s get_ids.lua URL -- BASE COUNT
-- The ceiling route and the real route are driven by this same script with the same ids,
-- so both runs send byte-identical request streams apart from the base path.

local next_thread = 0

-- Runs in wrk's main Lua state once per thread, before that thread's init().
function setup(thread)
   thread:set("tid", next_thread)
   next_thread = next_thread + 1
end

local requests = {}
local i = 0

-- Pre-formats every request so request() costs wrk next to nothing per call.
function init(args)
   local base, count = args[1], tonumber(args[2])
   assert(base and count and count > 0, "usage: -- BASE COUNT")
   for k = 1, count do
      requests[k] = wrk.format("GET", string.format("%s/bench-%06d", base, k))
   end
   -- Threads start at different ids so they do not walk the table in lockstep.
   i = ((tid or 0) * 97) % count
end

function request()
   i = i % #requests + 1
   return requests[i]
end
