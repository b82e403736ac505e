-- t-encrypted-zip: EICAR in a password-protected zip.  With the password written
-- in the body, mailvetd opens the archive with it and rejects the message with
-- 550 5.7.1 naming Eicar-Test-Signature; without it, the archive stays closed, the
-- message is unscannable and the built-in policy holds it in the quarantine
-- (SMFIR_DISCARD: the sender sees 250, nothing is delivered), the log saying why.
local mv = require("lib")

mv.run(function()
    mv.infected("eicar-enc-password.eml", "TENC1")

    local conn = mv.connect()
    local r = mv.send(conn, mv.sample("eicar-enc-nopassword.eml"), { qid = "TENC2" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "without a password in the text the message is quarantined (SMFIR_DISCARD at end of message)",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    mv.check(mv.header_added(conn, "X-Mailvet-Status") == nil,
             "no X-Mailvet-Status header is added to a message that is held")
    mv.expect_log_once("TENC2: verdict=unscannable action=quarantine .*signatures=[^ ]*Encrypted",
                       "one log line: TENC2: verdict=unscannable action=quarantine ... Heuristics.Encrypted.Zip")
    mv.expect_log_once("TENC2: quarantined id=", "one log line: TENC2: quarantined id=...")
    mv.disconnect(conn)
end)
