-- t-tempfail-accept (spool_memory: 4K, on_error: accept): the same failure as
-- t-tempfail (tmpdir gone, the spool cannot spill) lets the message through
-- instead of deferring it, as the operator chose, and says so in the log.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()
    local ok, err = os.remove(mv.tmpdir)
    mv.must(ok, "set-up: remove mailvetd's (empty) tmpdir " .. mv.tmpdir, tostring(err))

    local r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TTEMPA1" })
    mv.expect_accepted(r, "big-clean.eml, which must spill to the missing tmpdir, is accepted")
    mv.check(r.code ~= SMFIR_REPLYCODE and r.code ~= SMFIR_TEMPFAIL and r.code ~= SMFIR_REJECT,
             "no 4xx/5xx reply is given", "got " .. mv.reply_name(r.code) .. " " .. tostring(r.text))
    mv.expect_log_once("TTEMPA1: .*action=accept", "one log line: TTEMPA1: ... action=accept")

    ok = os.execute("mkdir '" .. mv.tmpdir .. "'")
    mv.must(ok, "set-up: create tmpdir again")
    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TTEMPA2" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "with tmpdir back, eicar.eml is scanned and rejected 550 5.7.1 on the same connection")
    mv.disconnect(conn)
end)
