-- t-cache: the Redis verdict cache under miltertest traffic.
--  1. EICAR in a zip twice: the second time the log says cache=hit, same 550 reply;
--  2. Redis stopped in the middle: every message still gets its right answer (550
--     for EICAR, accepted for clean), none is tempfailed, and the log says once that
--     the cache is down;
--  3. Redis started again: hits resume, and the log says once that it is back.
local mv = require("lib")

local function eicar(conn, qid, desc)
    local r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = qid })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature", desc)
end

mv.run(function()
    local conn = mv.connect()
    eicar(conn, "TCA1", "EICAR in a zip is rejected (cache cold)")
    mv.expect_log_once("TCA1: verdict=infected action=reject .* cache=miss ", "the first scan is a cache miss")
    eicar(conn, "TCA2", "EICAR in a zip is rejected again")
    mv.expect_log_once("TCA2: verdict=infected action=reject .* cache=hit ", "the second time every leaf is a cache hit")

    mv.must(os.execute("sh '" .. mv.work .. "/redis-stop'"), "stop redis-server")
    local tempfails = 0
    for i = 1, 6 do
        local r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TCB" .. i })
        if r.code == SMFIR_TEMPFAIL or (r.text ~= nil and r.text:find("^4")) then
            tempfails = tempfails + 1
        end
        mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                        "Redis down: EICAR message " .. i .. " is still rejected")
        r = mv.send(conn, mv.sample("clean.eml"), { qid = "TCC" .. i })
        mv.expect_accepted(r, "Redis down: clean message " .. i .. " is accepted")
    end
    mv.check(tempfails == 0, "no message was tempfailed while Redis was down", tempfails .. " were")
    mv.check(#mv.log_lines("cache: redis unavailable") == 1, "the log says once that the cache is down",
             "log ends:\n" .. mv.log_tail(15))

    mv.must(os.execute("sh '" .. mv.work .. "/redis-start'"), "start redis-server again")
    -- the breaker waits at most 30 s before trying again; keep sending until a hit
    local hit = false
    for i = 1, 80 do
        eicar(conn, "TCD" .. i, "Redis back: EICAR message " .. i .. " is rejected")
        if #mv.wait_log("TCD" .. i .. ": verdict=infected .* cache=hit ", 1) > 0 then
            hit = true
            break
        end
        mt.sleep(0.5)
    end
    mv.check(hit, "after Redis is back, hits resume", "log ends:\n" .. mv.log_tail(10))
    mv.check(#mv.log_lines("cache: redis available again") == 1, "the log says once that the cache is back",
             "log ends:\n" .. mv.log_tail(15))
    mv.disconnect(conn)
end)
