-- t-encrypted-zip: EICAR in a password-protected zip.  With the password written
-- in the body, mailvetd opens the archive with it and rejects the message with
-- 550 5.7.1 naming Eicar-Test-Signature; without it, the archive stays closed, the
-- message is unscannable (tagged and accepted under the built-in policy) and the
-- header says why.
local mv = require("lib")

mv.run(function()
    mv.infected("eicar-enc-password.eml", "TENC1")

    local conn = mv.connect()
    local r = mv.send(conn, mv.sample("eicar-enc-nopassword.eml"), { qid = "TENC2" })
    mv.expect_accepted(r, "without a password in the text the message is accepted as unscannable")
    local h = mv.header_added(conn, "X-Mailvet-Status")
    mv.check(h ~= nil and h:find("^unscannable") ~= nil and h:find("Encrypted") ~= nil,
             "X-Mailvet-Status says unscannable and names the encryption",
             "got X-Mailvet-Status: " .. tostring(h))
    mv.expect_log_once("TENC2: verdict=unscannable action=tag .*signatures=[^ ]*Encrypted",
                       "one log line: TENC2: verdict=unscannable action=tag ... Heuristics.Encrypted.Zip")
    mv.disconnect(conn)
end)
