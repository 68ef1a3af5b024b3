-- bench/soak's mixed load for wrk: of every 10 requests, 3 create a project, 3 list
-- projects, 2 read a project created a while before, 2 post a message to the soak's message
-- session. Each connection waits a few milliseconds between requests: a soak is about
-- holding a steady load for long, not about the most requests per second.
-- Arguments (after --): the API prefix, the message session's id, the delay in ms, and a
-- name for the run that keeps its project names apart from other runs'.
local api, session, pause, prefix
local counter = 0

function init(args)
    api = args[1]
    session = args[2]
    pause = tonumber(args[3] or "5")
    prefix = args[4] or "run"
end

function delay()
    return pause
end

-- Headers given to wrk.format replace those of -H: the token is carried over by hand.
local function json_headers()
    local headers = {}
    for name, value in pairs(wrk.headers) do
        headers[name] = value
    end
    headers["Content-Type"] = "application/json"
    return headers
end

local function name_of(n)
    return "soak-" .. prefix .. "-" .. n
end

function request()
    counter = counter + 1
    local slot = counter % 10
    if slot < 3 then
        return wrk.format("POST", api .. "/projects", json_headers(),
                          '{"name":"' .. name_of(counter) .. '"}')
    elseif slot < 6 then
        return wrk.format("GET", api .. "/projects?size=20")
    elseif slot < 8 and counter > 1010 then
        -- A create of 1000 requests ago (slot 0 of its ten): long answered, so it exists.
        local earlier = counter - 1000
        return wrk.format("GET", api .. "/projects/" .. name_of(earlier - earlier % 10))
    end
    return wrk.format("POST", api .. "/sessions/" .. session .. "/messages", json_headers(),
                      '{"event_type":"user","payload":"soak ' .. counter .. '"}')
end
