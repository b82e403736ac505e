-- t-reload-auto: without any signal, a new signature file in policy_dir/signatures
-- and a rule that scores it are picked up within reload_check_interval (1 s here):
-- the log says "files changed", and the next message hits.  A later broken file is
-- refused once, not once a second; so is a policy_dir left without rules, in one line
-- that names it and the fix, while generation 2 keeps serving.
local mv = require("lib")

local policy = mv.work .. "/policy"

mv.run(function()
    local conn = mv.connect()
    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRAA1" })
    mv.expect_accepted(r, "before the change, clean.eml is accepted")

    os.execute("mkdir -p '" .. policy .. "/signatures'")
    -- our content signature: the words of the sample's body, in ClamAV's .ndb format
    mv.write_file(policy .. "/signatures/test.ndb", "Mailvet.Test.MeetingNotes:0:*:706c656173652066696e64207468652066696c65206174746163686564\n")
    mv.write_file(policy .. "/auto.yaml", [[
rules:
  - id: AUTO_TEST
    category: suspicious
    score: 5
    match:
      object: {signature: "Mailvet.Test.*"}
]])
    local lines = mv.wait_log("files changed: generation=2 .*rules=2 ", 15)
    mv.check(#lines == 1, "the new files are loaded as generation 2 without a signal",
             "log ends:\n" .. mv.log_tail(10))

    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRAB1" })
    mv.expect_reply(conn, r, "550", "5.7.1", nil, "the next message hits the new signature's rule")
    mv.expect_log_once("TRAB1: verdict=suspicious action=reject .*signatures=Mailvet%.Test%.MeetingNotes.*hits=AUTO_TEST",
                       "the log names our signature and the rule that scored it")

    mv.write_file(policy .. "/broken.yaml", "rules: 7\n")
    mv.wait_log("reload %(files changed%) refused", 15)
    mt.sleep(3)
    mv.check(#mv.log_lines("reload %(files changed%) refused") == 1,
             "a broken file is refused once, not at every check",
             "log ends:\n" .. mv.log_tail(10))
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRAC1" })
    mv.expect_reply(conn, r, "550", "5.7.1", nil, "generation 2 keeps serving")

    -- every rule taken out, in an order that never leaves a policy that loads
    mv.write_file(policy .. "/policy.yaml", "actions:\n  suspicious: reject\n")
    os.remove(policy .. "/auto.yaml")
    os.remove(policy .. "/broken.yaml")
    local want = "reload %(files changed%) refused, generation 2 keeps serving: policy_dir "
        .. mv.escape(policy) .. ": no rules in it %(1 policy files read%); install the policies "
        .. "there or set policy_dir: \"\" in " .. mv.escape(mv.work .. "/mailvetd.yaml")
        .. " to run without rules$"
    mv.wait_log(want, 15)
    mt.sleep(3)
    mv.check(#mv.log_lines(want) == 1,
             "a policy_dir left without rules is refused once, in one line naming it and the fix",
             "log ends:\n" .. mv.log_tail(10))
    r = mv.send(conn, mv.sample("clean.eml"), { qid = "TRAD1" })
    mv.expect_reply(conn, r, "550", "5.7.1", nil, "generation 2 and its rule keep serving")
    mv.expect_log_once("TRAD1: verdict=suspicious .*hits=AUTO_TEST.* gen=2 ",
                       "TRAD1 was decided by generation 2's rule")
    mv.disconnect(conn)
end)
