-- t-header-off (add_header: false): a clean message is accepted untouched: no
-- X-Mailvet-Status header is added (and no other header either); one that the
-- sender forged is still removed.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()

    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "THDROFF1" })
    mv.expect_accepted(r, "clean.eml is accepted")
    mv.check(not mt.eom_check(conn, MT_HDRADD, "X-Mailvet-Status"),
             "no X-Mailvet-Status header is added",
             "added X-Mailvet-Status: " .. tostring(mv.header_added(conn, "X-Mailvet-Status")))
    mv.check(not mt.eom_check(conn, MT_HDRADD) and not mt.eom_check(conn, MT_HDRINSERT),
             "no header at all is added")
    mv.expect_log_once("THDROFF1: verdict=clean action=accept ",
                       "the message is still scanned and logged: THDROFF1: verdict=clean")

    -- downstream filters may trust the header, so a forged one never passes
    r = mv.send(conn, mv.sample("clean.eml"), {
        qid = "THDROFF2",
        extra_headers = { { "X-Mailvet-Status", "clean (forged by the sender)" } },
    })
    mv.expect_accepted(r, "clean.eml with a forged X-Mailvet-Status is accepted")
    mv.check(mt.eom_check(conn, MT_HDRDELETE, "X-Mailvet-Status"),
             "the sender's X-Mailvet-Status header is deleted without add_header")
    mv.check(not mt.eom_check(conn, MT_HDRADD, "X-Mailvet-Status"),
             "and none is added in its place")

    mv.disconnect(conn)
end)
