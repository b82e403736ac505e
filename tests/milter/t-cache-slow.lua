-- t-cache-slow: a Redis that answers slowly but correctly (t-cache-slow.setup puts
-- tests/slow-redis.py in front of it: every line of a reply 50 ms late, so each read is
-- well within redis_timeout while the MGET of a 200-attachment message answers 201
-- lines, 10 s in all, and its 200 SETs as many again).
--  1. the 200-attachment message is accepted in well under 8 s: redis_timeout (200 ms)
--     bounds the whole cache call, not each read;
--  2. the slow Redis counts as down: the log says so once, naming redis_timeout;
--  3. the breaker is open: the next messages do not wait for Redis (cache=off; one of
--     them may be the breaker's trial, which fails on the deadline too), and the log
--     still says it once.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()
    local t0 = os.time()
    local r = mv.send(conn, mv.sample("many-parts.eml"), { qid = "TSL1" })
    local took = os.time() - t0
    mv.expect_accepted(r, "the 200-attachment message is accepted")
    -- a hang check, not a benchmark: the slow replies alone would take 20 s
    mv.check(took < 8, "the 200-attachment message took well under 8 s", "it took " .. took .. " s")
    mv.expect_log_once("TSL1: verdict=clean .* cache=", "the message has its summary line")
    mv.expect_log_once("cache: redis unavailable: .*redis_timeout",
                       "the log says the slow Redis is unavailable, naming redis_timeout")

    for i = 2, 4 do
        t0 = os.time()
        r = mv.send(conn, mv.sample("many-parts.eml"), { qid = "TSL" .. i })
        took = os.time() - t0
        mv.expect_accepted(r, "message " .. i .. " is accepted")
        mv.check(took < 8, "message " .. i .. " took well under 8 s", "it took " .. took .. " s")
    end
    -- one of them may be the breaker's trial (after 1 s, then 2 s ...), not all
    mv.wait_log("TSL4: verdict=", 2)
    mv.check(#mv.log_lines("TSL[234]: verdict=clean .* cache=off") >= 1,
             "the breaker is open: later messages do not wait for Redis (cache=off)",
             "log ends:\n" .. mv.log_tail(10))
    mv.check(#mv.log_lines("cache: redis unavailable") == 1, "the log says once that the cache is down",
             "log ends:\n" .. mv.log_tail(15))
    mv.disconnect(conn)
end)
