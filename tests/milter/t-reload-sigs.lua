-- t-reload-sigs: a signature directory corrupted, then SIGUSR1: the reload is
-- refused with the file named, and the old engine keeps serving (EICAR is still
-- rejected, clean mail still accepted).
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()
    local r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TRS1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature", "before: EICAR is rejected")

    mv.write_file(mv.work .. "/db/broken.ndb", "this is not a signature at all\n")
    os.execute("kill -USR1 " .. mv.pid)
    local refused = mv.wait_log("reload %(reload%) refused, generation 1 keeps serving", 30)
    mv.check(#refused == 1, "the corrupted signature directory is refused",
             "log ends:\n" .. mv.log_tail(10))
    mv.check(#mv.log_lines("cannot load signatures") > 0, "the refusal says the signatures did not load",
             "log ends:\n" .. mv.log_tail(10))

    r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TRS2" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "after the refused reload the old engine still rejects EICAR")
    mv.expect_log_once("TRS2: verdict=infected .* gen=1 ", "and generation 1 decided")
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRS3" })
    mv.expect_accepted(r, "clean mail is still accepted")
    mv.disconnect(conn)
end)
