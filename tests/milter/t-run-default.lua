-- t-run-default: the configuration "make run" starts mailvetd with (policies/
-- run.yaml.in through the run-config rule, its RUNDIR in the work dir: the shipped
-- policy, the bundled signatures) gives a daemon whose every action works:
--  1. clean mail is accepted, with X-Mailvet-Status (add_header);
--  2. EICAR is rejected, 550 5.7.1 naming the signature;
--  3. an Avaddon look-alike is rejected as a campaign;
--  4. a look-alike that scores 10 or more (covid-vbs.eml) is quarantined into
--     RUNDIR/quarantine (the sender sees it taken, the MTA discards it), and
--     "mailvet quarantine list -c RUNDIR/mailvet.yaml" lists it;
--  5. a suspicious look-alike below that (elf.eml) is tagged.
local mv = require("lib")

local rundir = mv.work -- the tmpdir is RUNDIR/tmp
local campaign = rundir:gsub("/run$", "") .. "/campaign/"
local mailvet = os.getenv("top_builddir") .. "/milter/mailvet/mailvet"

-- output - what a command prints on stdout
local function output(cmd)
    local p = io.popen(cmd)
    local text = p:read("a")
    p:close()
    return text
end

mv.run(function()
    local conn = mv.connect()

    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRD1" })
    mv.expect_accepted(r, "clean.eml is accepted")
    local status = mv.header_added(conn, "X-Mailvet-Status")
    mv.check(status ~= nil and status:find("clean") ~= nil,
             "clean.eml gets X-Mailvet-Status: clean (add_header)", "got " .. tostring(status))

    r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TRD2" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature", "EICAR is rejected, the reply naming it")

    r = mv.send(conn, campaign .. "avaddon-wave1.eml", { qid = "TRD3" })
    mv.expect_reply(conn, r, "550", "5.7.1", "campaign", "an Avaddon look-alike is rejected as a campaign")
    mv.expect_log_once("TRD3: verdict=campaign action=reject ", "the log says campaign, reject")

    r = mv.send(conn, campaign .. "covid-vbs.eml", { qid = "TRD4" })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "covid-vbs.eml (score 10 or more) is taken and discarded: quarantined",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    local lines = mv.wait_log("TRD4: quarantined id=", 10)
    local id = lines[1] and lines[1]:match("quarantined id=(%w+)")
    mv.check(id ~= nil, "the log names the quarantine id", "log ends:\n" .. mv.log_tail(8))
    id = id or "?"
    local eml = io.open(rundir .. "/quarantine/" .. id .. ".eml", "rb")
    mv.check(eml ~= nil, "the message is in RUNDIR/quarantine (" .. id .. ".eml)")
    if eml then
        eml:close()
    end
    local list = output("'" .. mailvet .. "' quarantine -c '" .. rundir .. "/mailvet.yaml' list 2>&1")
    mv.check(list:find(id, 1, true) ~= nil and list:find("held", 1, true) ~= nil,
             "mailvet quarantine list -c RUNDIR/mailvet.yaml lists it, held", "got:\n" .. list)
    mv.check(#mv.log_lines("quarantine_dir unusable") == 0 and #mv.log_lines("quarantine failed") == 0,
             "no quarantine warning or failure in the log", "log ends:\n" .. mv.log_tail(10))

    r = mv.send(conn, campaign .. "elf.eml", { qid = "TRD5" })
    mv.expect_accepted(r, "elf.eml (suspicious, below 10) is accepted")
    status = mv.header_added(conn, "X-Mailvet-Status")
    mv.check(status ~= nil and status:find("suspicious") ~= nil,
             "elf.eml is tagged X-Mailvet-Status: suspicious", "got " .. tostring(status))
    mv.disconnect(conn)
end)
