-- t-names: attachment names that try to be paths ("../../../../tmp/..."), carry an
-- encoded NUL or terminal escapes, or run to 10,000 bytes.  The message is scanned
-- like any other (EICAR in the 10,000-byte-named part is rejected), no file appears
-- where a name points, and the daemon's log holds no control character.
local mv = require("lib")

mv.run(function()
    os.remove("/tmp/mailvet-escape-canary")
    local conn = mv.connect()
    local r = mv.send(conn, mv.work .. "/names.eml", { qid = "TNAMES1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "EICAR behind a 10,000-byte name is found and rejected")
    mv.expect_log_once("TNAMES1: verdict=infected action=reject ", "one log line for the message")
    mv.check(io.open("/tmp/mailvet-escape-canary", "r") == nil,
             "no file was created where a ../ name points")
    local f = assert(io.open(mv.log, "rb"))
    local log = f:read("*a")
    f:close()
    mv.check(not log:find("[%z\1-\8\11-\31\127]"), "the daemon's log holds no control character",
             "found one in:\n" .. mv.log_tail(10))
    mv.check(#log < 64 * 1024, "the log stays small (no 10,000-byte name copied in whole)",
             #log .. " bytes")
    mv.disconnect(conn)
end)
