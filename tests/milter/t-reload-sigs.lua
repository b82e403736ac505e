-- t-reload-sigs: a signature directory corrupted, then SIGUSR1: the reload is
-- refused with the file and its line named, and the old engine keeps serving (EICAR
-- is still rejected, clean mail still accepted).  Then a bad line among good ones in
-- a .hdb: refused the same way, naming that line.
local mv = require("lib")

mv.run(function()
    local conn = mv.connect()
    local r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TRS1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature", "before: EICAR is rejected")

    mv.write_file(mv.work .. "/db/broken.ndb", "this is not a signature at all\n")
    os.execute("kill -USR1 " .. mv.pid)
    local refused = mv.wait_log("reload refused, generation 1 keeps serving", 30)
    mv.check(#refused == 1, "the corrupted signature directory is refused",
             "log ends:\n" .. mv.log_tail(10))
    local db = mv.work .. "/db"
    local want = "refused, generation 1 keeps serving: database " .. db .. "/broken.ndb:1: "
        .. "malformed signature database (libclamav: Malformed database); correct the file "
        .. "or remove it (freshclam restores ClamAV's own files)"
    mv.check(#mv.log_lines(mv.escape(want) .. "$") == 1,
             "the refusal names broken.ndb, its line 1 and the fix",
             "want: " .. want .. "\nlog ends:\n" .. mv.log_tail(10))

    r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TRS2" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "after the refused reload the old engine still rejects EICAR")
    mv.expect_log_once("TRS2: verdict=infected .* gen=1 ", "and generation 1 decided")
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRS3" })
    mv.expect_accepted(r, "clean mail is still accepted")

    -- a bad line 2 among good ones: the line is named
    os.remove(db .. "/broken.ndb")
    mv.write_file(db .. "/local.hdb", "0123456789abcdef0123456789abcdef:12:Mailvet.Local.One\n"
                  .. "nothex:12:Mailvet.Local.Two\n"
                  .. "fedcba9876543210fedcba9876543210:12:Mailvet.Local.Three\n")
    os.execute("kill -USR1 " .. mv.pid)
    want = "refused, generation 1 keeps serving: database " .. db .. "/local.hdb:2: "
        .. "malformed signature database (libclamav: Malformed hash string at line 2); correct "
        .. "the file or remove it (freshclam restores ClamAV's own files)"
    refused = mv.wait_log(mv.escape(want) .. "$", 30)
    mv.check(#refused == 1, "a .hdb with a bad line 2 is refused, naming local.hdb:2",
             "want: " .. want .. "\nlog ends:\n" .. mv.log_tail(10))
    r = mv.send(conn, mv.sample("eicar-zip.eml"), { qid = "TRS4" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "after that refusal too the old engine still rejects EICAR")
    mv.expect_log_once("TRS4: verdict=infected .* gen=1 ", "and generation 1 decided")
    mv.disconnect(conn)
end)
