-- t-regex-limit: a rule whose regex gives up on a message makes it unscannable, and
-- mailvetd says so once per rule and generation, never per message.
--  1. two messages whose subject makes BANG_SUBJECT's regex hit PCRE2's match limit
--     are rejected as unscannable, the reply and each message's log line naming
--     Mailvet.Limits.Regex.BANG_SUBJECT;
--  2. the limit is logged once for both;
--  3. after SIGUSR1 (a new generation) the next such message logs it once more.
local mv = require("lib")

local LINE = "rules: BANG_SUBJECT: regular expression hit its match limit on subject; "
    .. "messages it cannot decide are unscannable"

mv.run(function()
    local conn = mv.connect()
    local a40 = mv.work .. "/a40.eml"

    for i = 1, 2 do
        local r = mv.send(conn, a40, { qid = "TRX" .. i })
        mv.expect_reply(conn, r, "550", "5.7.1", "unscannable %(Mailvet%.Limits%.Regex%.BANG_SUBJECT%)",
                        "message " .. i .. " is rejected as unscannable, the reply naming the rule")
        mv.expect_log_once("TRX" .. i .. ": verdict=unscannable action=reject .*signatures="
                           .. "Mailvet%.Limits%.Regex%.BANG_SUBJECT hits=%- ",
                           "message " .. i .. "'s log line names the reason, no hit")
    end
    mv.expect_log_once(mv.escape(LINE), "the limit is logged once for two messages")

    os.execute("kill -USR1 " .. mv.pid)
    local reloaded = mv.wait_log("reload: generation=2 ", 30)
    mv.check(#reloaded == 1, "SIGUSR1 builds generation 2", "log ends:\n" .. mv.log_tail(10))
    local r = mv.send(conn, a40, { qid = "TRX3" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Mailvet%.Limits%.Regex%.BANG_SUBJECT",
                    "generation 2 rejects it too")
    mv.wait_log("TRX3: verdict=")
    local lines = mv.log_lines(mv.escape(LINE))
    mv.check(#lines == 2, "generation 2 logs the limit once more",
             #lines .. " lines; log ends:\n" .. mv.log_tail(10))
    mv.disconnect(conn)
end)
