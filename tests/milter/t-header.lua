-- t-header (add_header: true): a clean message is accepted with the header
-- "X-Mailvet-Status: clean" added.  A sender cannot forge it: a message that
-- arrives with its own X-Mailvet-Status has that header deleted and ours added.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()

    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "THDR1" })
    mv.expect_accepted(r, "clean.eml is accepted")
    mv.check(mt.eom_check(conn, MT_HDRADD, "X-Mailvet-Status", "clean"),
             "header \"X-Mailvet-Status: clean\" is added",
             "added X-Mailvet-Status: " .. tostring(mv.header_added(conn, "X-Mailvet-Status")))
    mv.check(not mt.eom_check(conn, MT_HDRDELETE),
             "no header is deleted from a message that brought no X-Mailvet-Status")

    r = mv.send(conn, mv.sample("clean.eml"), {
        qid = "THDR2",
        extra_headers = { { "X-Mailvet-Status", "clean (forged by the sender)" } },
    })
    mv.expect_accepted(r, "clean.eml with a forged X-Mailvet-Status is accepted")
    mv.check(mt.eom_check(conn, MT_HDRDELETE, "X-Mailvet-Status"),
             "the sender's X-Mailvet-Status header is deleted")
    mv.check(mt.eom_check(conn, MT_HDRADD, "X-Mailvet-Status", "clean"),
             "our \"X-Mailvet-Status: clean\" is added in its place",
             "added X-Mailvet-Status: " .. tostring(mv.header_added(conn, "X-Mailvet-Status")))

    mv.disconnect(conn)
end)
