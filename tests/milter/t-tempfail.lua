-- t-tempfail (spool_memory: 4K, on_error: tempfail): while tmpdir is gone
-- (removed under the running daemon: a tmp cleaner, a lost mount), a message
-- that must spill to it is answered 451 4.7.1 (the MTA keeps it and retries:
-- no mail is lost) and the failure is logged once with the queue id; an
-- infected message is never let through meanwhile.  Once tmpdir is back, mail
-- flows again without a restart.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()
    local ok, err = os.remove(mv.tmpdir)
    mv.must(ok, "set-up: remove mailvetd's (empty) tmpdir " .. mv.tmpdir, tostring(err))

    local r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TTEMP1" })
    mv.expect_reply(conn, r, "451", "4.7.1", "%S",
                    "big-clean.eml, which must spill to the missing tmpdir, is answered 451 4.7.1")
    mv.expect_log_once("TTEMP1: .*action=tempfail", "one log line: TTEMP1: ... action=tempfail")
    mv.check(#mv.log_lines("TTEMP1: verdict=clean") == 0, "the message is not logged as clean")

    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TTEMP2" })
    local held = r.code == SMFIR_REPLYCODE and r.text ~= nil
        and (r.text:find("^550 5%.7%.1 ") or r.text:find("^451 4%.7%.1 "))
    mv.check(held, "eicar.eml is not let through while tmpdir is gone (550 5.7.1 or 451 4.7.1)",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage .. " " .. tostring(r.text)
             .. "\n" .. mv.log_tail(2))

    ok = os.execute("mkdir '" .. mv.tmpdir .. "'")
    mv.must(ok, "set-up: create tmpdir again")
    r = mv.send(conn, mv.sample("big-clean.eml"), { qid = "TTEMP3" })
    mv.expect_accepted(r, "with tmpdir back, big-clean.eml is accepted without a restart")
    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TTEMP4" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "with tmpdir back, eicar.eml is rejected 550 5.7.1")
    mv.disconnect(conn)
end)
