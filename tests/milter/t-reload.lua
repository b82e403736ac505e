-- t-reload: policy changes go live on SIGUSR1 under steady traffic.
--  1. clean.eml passes while no rule hits it;
--  2. a rule file is added and SIGUSR1 sent while messages keep coming: every
--     message is answered (none tempfailed) while the new generation is built;
--  3. the next message hits the new rule and is rejected as the policy says,
--     and the log names the rule;
--  4. a broken rule file and SIGUSR1: the reload is refused with FILE:LINE in the
--     log, and the old generation keeps serving (the rule still rejects).
local mv = require("lib")

local policy = mv.work .. "/policy"

local function answered(r)
    return r.code == SMFIR_ACCEPT or (r.stage == "eom" and r.code == SMFIR_CONTINUE)
        or (r.code == SMFIR_REPLYCODE and r.text ~= nil and r.text:find("^550") ~= nil)
end

mv.run(function()
    local conn = mv.connect()

    for i = 1, 3 do
        local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRLA" .. i })
        mv.expect_accepted(r, "before the reload, clean.eml #" .. i .. " is accepted")
    end

    mv.write_file(policy .. "/reload.yaml", [[
rules:
  - id: RELOAD_TEST
    description: the subject of the test's clean sample
    category: suspicious
    score: 6
    match:
      subject: {regex: "^Meeting notes$"}
]])
    os.execute("kill -USR1 " .. mv.pid)

    -- steady traffic until the new generation is in place
    local sent, failed = 0, 0
    repeat
        sent = sent + 1
        local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRLB" .. sent })
        if not answered(r) then
            failed = failed + 1
            mv.diag("message TRLB" .. sent .. " got " .. mv.reply_name(r.code))
        end
    until #mv.log_lines("reload: generation=2 ") > 0 or sent >= 500
    mv.check(#mv.log_lines("reload: generation=2 .*rules=2 ") == 1,
             "SIGUSR1 builds generation 2 with the new rule, logged once",
             "log ends:\n" .. mv.log_tail(10))
    mv.check(failed == 0, "all " .. sent .. " messages sent during the reload were answered",
             failed .. " were not")

    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRLC1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "RELOAD_TEST",
                    "after the reload the new rule rejects clean.eml, the reply naming it")
    mv.expect_log_once("TRLC1: verdict=suspicious action=reject score=6 .*hits=RELOAD_TEST",
                       "the log line names the verdict, the score and the rule")

    mv.write_file(policy .. "/broken.yaml", "rules:\n  - id: BROKEN\n    bogus: 1\n")
    os.execute("kill -USR1 " .. mv.pid)
    local refused = mv.wait_log("reload refused, generation 2 keeps serving", 30)
    mv.check(#refused == 1, "a broken policy file is refused and generation 2 keeps serving",
             "log ends:\n" .. mv.log_tail(10))
    mv.check(#mv.log_lines("broken%.yaml:[23]:") > 0, "the refusal names the file and line",
             "log ends:\n" .. mv.log_tail(10))

    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRLD1" })
    mv.expect_reply(conn, r, "550", "5.7.1", "RELOAD_TEST",
                    "after the refused reload the old generation still applies the rule")
    mv.disconnect(conn)
end)
