-- t-unscannable: small messages that hit a structure limit are held, not delivered,
-- by the built-in policy: EICAR inside 25 nested multiparts (1.9 KB; deeper than
-- max_mime_depth 20), the first fragment of a message/partial and a From of 400
-- nested address groups (more than 8: GMime's address parser follows each by
-- recursion) are each unscannable, quarantined (SMFIR_DISCARD at end of message: the
-- sender sees 250, nothing is delivered) and stored whole in quarantine_dir.
local mv = require("lib")

local cases = {
    { file = "nest25.eml", qid = "TUNSC1", reason = "Mailvet%.Limits%.MaxMimeDepth" },
    { file = "partial1.eml", qid = "TUNSC2", reason = "Mailvet%.Unscannable%.Partial" },
    { file = "groups.eml", qid = "TUNSC3", reason = "Mailvet%.Unscannable%.AddressGroups" },
}

-- stored - the .eml files in the quarantine dir
local function stored()
    local n = 0
    local p = io.popen("ls '" .. mv.work .. "/quarantine' 2>/dev/null")
    for name in p:lines() do
        if name:match("%.eml$") then
            n = n + 1
        end
    end
    p:close()
    return n
end

mv.run(function()
    local conn = mv.connect()
    for _, c in ipairs(cases) do
        local r = mv.send(conn, mv.work .. "/" .. c.file, { qid = c.qid })
        mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
                 c.file .. " is quarantined (SMFIR_DISCARD at end of message), not delivered",
                 "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
        mv.expect_log_once(c.qid .. ": verdict=unscannable action=quarantine .*signatures=[^ ]*" .. c.reason,
                           "one log line: " .. c.qid .. ": verdict=unscannable action=quarantine ... " ..
                           c.reason:gsub("%%", ""))
    end
    mv.check(stored() == #cases, "the quarantine holds one message per case",
             "found " .. stored() .. " .eml files")
    mv.disconnect(conn)
end)
