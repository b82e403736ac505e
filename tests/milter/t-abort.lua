-- t-abort (spool_memory: 4K): a message aborted halfway, after it spilled to a
-- temp file, leaves nothing behind: the temp file is released, no verdict is
-- logged for it, and the next message on the same connection is accepted.  The
-- same holds for a client that drops the connection mid-message.  After
-- shutdown, run-miltertest.sh checks that tmpdir is empty and the log clean.
local mv = require("lib")

local PART = 256 * 1024 -- body bytes sent before giving up: far past 4K

local function spilled(desc)
    local open = mv.files_open_under()
    mv.must(#open > 0, desc, "mailvetd holds no file under " .. mv.tmpdir)
end

mv.run(function()
    local conn = mv.connect()

    local r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TABORT1", body_bytes = PART })
    mv.must(r.code == SMFIR_CONTINUE, "headers and the first 256 KB of body are taken",
            "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    spilled("the partial message spilled to a temp file in tmpdir")

    mv.abort(conn)
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TABORT2" })
    mv.expect_accepted(r, "after mt.abort, a clean message on the same connection is accepted")
    mv.expect_log_once("TABORT2: verdict=clean action=accept ",
                       "one log line: TABORT2: verdict=clean action=accept")
    mv.check(#mv.log_lines("TABORT1: verdict=") == 0, "the aborted message gets no verdict line",
             table.concat(mv.log_lines("TABORT1: verdict="), "\n"))
    local open = mv.wait_files_closed(5)
    mv.check(#open == 0, "the aborted message's temp file is released",
             "still open: " .. table.concat(open, ", "))
    mv.disconnect(conn)

    -- a client lost mid-message: the connection drops without an abort
    conn = mv.connect()
    r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TABORT3", body_bytes = PART })
    mv.must(r.code == SMFIR_CONTINUE, "a second partial message is taken",
            "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    spilled("the second partial message spilled to a temp file in tmpdir")
    mv.disconnect(conn, false)
    open = mv.wait_files_closed(5)
    mv.check(#open == 0, "a connection dropped mid-message releases its temp file",
             "still open: " .. table.concat(open, ", "))

    conn = mv.connect()
    r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TABORT4" })
    mv.expect_accepted(r, "mailvetd still accepts a whole big-clean.eml on a new connection")
    open = mv.wait_files_closed(5)
    mv.check(#open == 0, "its temp file is released after end of message",
             "still open: " .. table.concat(open, ", "))
    mv.disconnect(conn)
end)
