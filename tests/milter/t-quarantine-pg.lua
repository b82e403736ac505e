-- t-quarantine-pg: quarantine_store postgresql, as mailvetd writes it.  An unscannable
-- message is quarantined in the database (SMFIR_DISCARD once its row is committed).
-- PostgreSQL stopped under the running daemon: the next messages to quarantine are
-- answered 451 4.7.1 (the MTA keeps them: never a lost one), and mailvetd says once that
-- the database is unavailable, not once per message; started again, the same message
-- sent again (the MTA's retry) is quarantined, and mailvetd says once that it is back.
-- Meanwhile nothing else changes: a clean message is accepted, an infected one rejected.
-- With the table locked by another session, a store is cancelled at the statement
-- timeout and the message answered 451 within it; the retry after is quarantined.
local mv = require("lib")

local function sh(name)
    return os.execute("sh '" .. mv.work .. "/" .. name .. "' > /dev/null 2>&1")
end

-- rows - the messages the database holds
local function rows()
    local p = io.popen("sh '" .. mv.work .. "/pg-count' 2>&1")
    local out = p:read("*a")
    p:close()
    return tonumber(out:match("%d+")), out
end

mv.run(function()
    local skip = io.open(mv.work .. "/pg-skip")
    if skip ~= nil then
        print("ok - # SKIP " .. (skip:read("*l") or "PostgreSQL missing"))
        skip:close()
        return
    end
    local file = mv.work .. "/partial1.eml"
    local conn = mv.connect()
    local r = mv.send(conn, file, { qid = "TPGQ1" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "partial1.eml is quarantined in PostgreSQL (SMFIR_DISCARD at end of message)",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage .. "\n" .. mv.log_tail(3))
    local n, out = rows()
    mv.check(n == 1, "the database holds the message", out)
    mv.expect_log_once("TPGQ1: quarantined id=", "one log line: TPGQ1: quarantined id=...")

    mv.must(sh("pg-stop"), "set-up: stop PostgreSQL")
    r = mv.send(conn, file, { qid = "TPGQ2" })
    mv.expect_reply(conn, r, "451", "4.7.1", "%S",
                    "with PostgreSQL stopped, the message to quarantine is answered 451 4.7.1")
    r = mv.send(conn, file, { qid = "TPGQ3" })
    mv.expect_reply(conn, r, "451", "4.7.1", "%S", "and the next one too")
    mv.expect_log_once("quarantine: postgresql %(host=.*%) unavailable, mail to quarantine gets 451",
                       "one log line says the database is unavailable, for both messages")
    mv.expect_log_once("TPGQ2: quarantine failed, answering tempfail: postgresql: ",
                       "one line for the message, with its queue id and libpq's reason")
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TPGC1" })
    mv.expect_accepted(r, "meanwhile a clean message is accepted as ever: nothing else changes")
    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TPGE1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "and an infected one rejected 550 5.7.1, as ever")

    mv.must(sh("pg-start"), "set-up: start PostgreSQL again")
    r = mv.send(conn, file, { qid = "TPGQ2" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "the MTA's retry of the same message is quarantined once PostgreSQL is back",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage .. "\n" .. mv.log_tail(3))
    mv.expect_log_once("quarantine: postgresql %(host=.*%) back", "one log line says it is back")
    n, out = rows()
    mv.check(n == 2, "the database holds both messages: none lost, none twice", out)

    -- a stalled database: the table locked by another session; the store is cancelled at
    -- the statement timeout (2 s in t-quarantine-pg.yaml's options=) and the message
    -- answered 451, while the lock still holds
    mv.must(sh("pg-lock"), "set-up: another session locks the quarantine table")
    local t0 = os.time()
    r = mv.send(conn, file, { qid = "TPGQ4" })
    local took = os.time() - t0
    mv.expect_reply(conn, r, "451", "4.7.1", "%S",
                    "with the table locked, the message to quarantine is answered 451 4.7.1")
    mv.check(took <= 10, "within the statement timeout, not the lock's 30 s (" .. took .. " s)")
    mv.expect_log_once("TPGQ4: quarantine failed, answering tempfail: postgresql: "
                       .. ".*canceling statement due to statement timeout",
                       "one line for the message, with PostgreSQL's reason")
    mv.must(sh("pg-unlock"), "set-up: the other session ends")
    r = mv.send(conn, file, { qid = "TPGQ4" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "the MTA's retry is quarantined once the lock is gone",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage .. "\n" .. mv.log_tail(3))
    n, out = rows()
    mv.check(n == 3, "the database holds the three messages", out)
    mv.disconnect(conn)
end)
