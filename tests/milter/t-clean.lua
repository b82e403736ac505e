-- t-clean: clean mail goes through.  clean.eml (text + text attachment) and
-- big-clean.eml (2.4 MB, spilled from memory to a temp file on the way) are
-- accepted on one connection; each gets one summary log line naming its queue
-- id ({i}, or NOQUEUE without one); no temp file stays open.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()

    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TCLEAN1" })
    mv.expect_accepted(r, "clean.eml is accepted")
    mv.expect_log_once("TCLEAN1: verdict=clean action=accept ",
                       "one log line: TCLEAN1: verdict=clean action=accept")

    r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TCLEAN2" })
    mv.expect_accepted(r, "big-clean.eml (over 2 MB) is accepted on the same connection")
    mv.expect_log_once("TCLEAN2: verdict=clean action=accept ",
                       "one log line: TCLEAN2: verdict=clean action=accept")
    local size = tonumber((mv.wait_log("TCLEAN2: verdict=")[1] or ""):match(" size=(%d+)") or "0")
    mv.check(size > 2 * 1024 * 1024, "the log line gives the whole size of big-clean.eml",
             "got size=" .. size .. ", want more than 2 MB")

    -- an MTA that sends no {i} macro: the log line still names the message
    r = mv.send(conn, mv.sample("clean.eml"))
    mv.expect_accepted(r, "clean.eml without a queue id macro is accepted")
    mv.expect_log_once("NOQUEUE: verdict=clean action=accept ",
                       "one log line: NOQUEUE: verdict=clean action=accept")

    local open = mv.wait_files_closed(5)
    mv.check(#open == 0, "no spool file stays open after the messages",
             "still open: " .. table.concat(open, ", "))

    mv.disconnect(conn)
end)
