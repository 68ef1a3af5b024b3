-- wrk script: GET each path of a file (one per line) in a cycle.
-- Usage: wrk … -s paths.lua URL -- PATHS_FILE
-- Cycling over many projects and sessions keeps the figures from being those of one hot row.

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
   local file = assert(io.open(assert(args[1], "usage: -- PATHS_FILE"), "r"))
   for path in file:lines() do
      if path ~= "" then requests[#requests + 1] = wrk.format("GET", path) end
   end
   file:close()
   assert(#requests > 0, "no paths in " .. args[1])
   -- Threads start at different paths so they do not walk the list in lockstep.
   i = ((tid or 0) * 97) % #requests
end

function request()
   i = i % #requests + 1
   return requests[i]
end
