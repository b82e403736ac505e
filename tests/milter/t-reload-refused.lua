-- t-reload-refused: a reload that would run with less protection than configured is
-- refused, with one log line that names the path and the fix, and the old generation
-- keeps serving (its rule still rejects clean.eml, its signatures still EICAR):
--  1. every rule removed from policy_dir;
--  2. policy_dir gone;
--  3. a campaign file that does not load;
--  4. the database emptied, then holding only an empty .hdb;
-- and after each is undone a reload is taken again (generation 2).
local mv = require("lib")

local policy = mv.work .. "/policy"
local db = mv.work .. "/db"
local cfg = mv.work .. "/mailvetd.yaml"
local prefix = "reload refused, generation 1 keeps serving: "

-- refused - send SIGUSR1, then: exactly one log line is the refusal and reads
-- prefix .. WANT (a literal text); N is the number of refusals expected so far
local function refused(n, want, desc)
    local more = #mv.log_lines("error: reload: ")
    os.execute("kill -USR1 " .. mv.pid)
    local lines = {}
    for _ = 1, 300 do
        lines = mv.log_lines("reload refused")
        if #lines >= n then
            break
        end
        mt.sleep(0.1)
    end
    local last = lines[#lines] or ""
    mv.check(#lines == n and last:find(prefix .. mv.escape(want) .. "$") ~= nil
             and #mv.log_lines("error: reload: ") == more, desc,
             "want one more line ending \"" .. want .. "\" and no other; log ends:\n"
             .. mv.log_tail(8))
end

-- still_served - the old generation answers: clean.eml rejected by its rule
local function still_served(conn, qid, desc)
    local r = mv.send(conn, mv.sample("clean.eml"), { qid = qid })
    mv.expect_reply(conn, r, "550", "5.7.1", "OLD_GENERATION", desc)
    mv.expect_log_once(qid .. ": verdict=suspicious action=reject .* gen=1 ",
                       qid .. " was decided by generation 1")
end

mv.run(function()
    local conn = mv.connect()
    still_served(conn, "TRR0", "before: the rule of generation 1 rejects clean.eml")

    -- 1. no rules left
    os.rename(policy .. "/rules.yaml", mv.work .. "/rules.yaml")
    refused(1, "policy_dir " .. policy .. ": no rules in it (1 policy files read); install the "
            .. "policies there or set policy_dir: \"\" in " .. cfg .. " to run without rules",
            "a policy_dir without rules: the reload is refused in one line naming it and the fix")
    still_served(conn, "TRR1", "after it, generation 1 still applies its rule")
    os.rename(mv.work .. "/rules.yaml", policy .. "/rules.yaml")

    -- 2. no policy_dir
    os.rename(policy, mv.work .. "/policy.away")
    refused(2, "policy_dir " .. policy .. ": no such directory; install the policies there or "
            .. "set policy_dir: \"\" in " .. cfg .. " to run without rules",
            "a policy_dir gone: the reload is refused in one line naming it and the fix")
    still_served(conn, "TRR2", "after it, generation 1 still applies its rule")
    os.rename(mv.work .. "/policy.away", policy)

    -- 3. a campaign file that does not load: its FILE:LINE on the refusal's line
    mv.write_file(policy .. "/campaigns/broken.yaml", "rules:\n  - id: BROKEN\n    bogus: 1\n")
    os.execute("kill -USR1 " .. mv.pid)
    local lines = mv.wait_log("reload refused.*campaigns/broken%.yaml:[23]: ", 30)
    mv.check(#lines == 1, "a broken campaign file: refused, the line names campaigns/broken.yaml:LINE",
             "log ends:\n" .. mv.log_tail(8))
    still_served(conn, "TRR3", "after it, generation 1 still applies its rule")
    os.remove(policy .. "/campaigns/broken.yaml")

    -- 4. the database without signatures: empty, then one empty .hdb
    os.rename(db, mv.work .. "/db.away")
    os.execute("mkdir '" .. db .. "'")
    refused(4, "database " .. db .. ": an empty directory, no signature files; run freshclam to "
            .. "fetch ClamAV's signatures (Debian: clamav-freshclam), or set database: in "
            .. cfg .. " to a directory that holds them",
            "an empty database: the reload is refused in one line naming it and the fix")
    mv.write_file(db .. "/empty.hdb", "")
    refused(5, "database " .. db .. "/empty.hdb: malformed signature database (libclamav: "
            .. "Empty database file); correct the file or remove it (freshclam restores "
            .. "ClamAV's own files)",
            "a database of one empty .hdb: the reload is refused in one line naming it and the fix")
    local r = mv.send(conn, mv.sample("eicar.eml"), { qid = "TRR4" })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                    "after it, generation 1's signatures still reject EICAR")
    still_served(conn, "TRR5", "and its rule clean.eml")
    os.execute("rm -rf '" .. db .. "'")
    os.rename(mv.work .. "/db.away", db)

    -- all undone: the next reload is taken
    os.execute("kill -USR1 " .. mv.pid)
    lines = mv.wait_log("reload: generation=2 ", 30)
    mv.check(#lines == 1, "once the files are whole again, a reload builds generation 2",
             "log ends:\n" .. mv.log_tail(8))
    mv.disconnect(conn)
end)
