-- t-drop (spool_memory: 4K): the MTA drops the milter connection, without QUIT
-- or abort, at every stage of a message, 60 times over: right after HELO, after
-- the headers, mid-body in memory, mid-body after the spool spilled to a temp
-- file, after a clean message's end, after an infected one's.  mailvetd keeps
-- serving, closes every temp file and descriptor it opened for them, logs a
-- verdict only for the messages that reached their end, and (checked by
-- run-miltertest.sh at shutdown) exits 0 with no sanitizer report: in an
-- --enable-asan build that is LeakSanitizer's verdict on every allocation.
local mv = require("lib")

local ROUNDS = 60

local function fd_count()
    local p = io.popen("ls /proc/" .. mv.pid .. "/fd 2>/dev/null | wc -l")
    local n = tonumber(p:read("*l"))
    p:close()
    return n
end

mv.run(function()
    -- one whole message first, so that every lazily opened descriptor is open
    local conn = mv.connect()
    mv.expect_accepted(mv.send(conn, mv.sample("clean.eml"), { qid = "TDROP0" }),
                       "a clean message before the drops is accepted")
    mv.disconnect(conn)
    local fds_before = fd_count()
    local ends = 0

    for i = 1, ROUNDS do
        local kind = i % 6
        local qid = "TDROP" .. i
        conn = mv.connect({ quiet = true })
        if kind == 1 then
            mv.send(conn, mv.sample("clean.eml"), { qid = qid, body_bytes = 0 })
        elseif kind == 2 then
            mv.send(conn, mv.sample("clean.eml"), { qid = qid, body_bytes = 100 })
        elseif kind == 3 then
            mv.send(conn, mv.sample("big-clean.eml"), { qid = qid, body_bytes = 300 * 1024 })
        elseif kind == 4 then
            mv.send(conn, mv.sample("clean.eml"), { qid = qid })
            ends = ends + 1
        elseif kind == 5 then
            mv.send(conn, mv.sample("eicar-zip.eml"), { qid = qid })
            ends = ends + 1
        end
        -- kind 0: dropped right after HELO
        mv.disconnect(conn, false)
    end

    conn = mv.connect({ quiet = true })
    mv.expect_accepted(mv.send(conn, mv.sample("clean.eml"), { qid = "TDROPLAST" }),
                       "after " .. ROUNDS .. " dropped connections a clean message is accepted")
    mv.disconnect(conn)
    mv.wait_log("TDROPLAST: verdict=", 10)

    local verdicts = #mv.log_lines("TDROP[0-9]+: verdict=")
    mv.check(verdicts == ends + 1,
             "a verdict line only for the messages that reached their end (" .. ends + 1 .. ")",
             "got " .. verdicts)
    local open = mv.wait_files_closed(10)
    mv.check(#open == 0, "no temp file of a dropped message stays open",
             "still open: " .. table.concat(open, ", "))
    local fds_after = fd_count()
    for _ = 1, 50 do
        if fds_after <= fds_before then
            break
        end
        mt.sleep(0.1)
        fds_after = fd_count()
    end
    mv.check(fds_after <= fds_before,
             "descriptors after " .. ROUNDS .. " drops: " .. fds_after .. ", before: " .. fds_before,
             "a descriptor per dropped connection is leaked")
end)
