-- t-many-headers (quarantine in the work dir): a message with 100,000 header
-- fields, which the MTA passes one by one, costs mailvetd a bounded amount of
-- memory: its peak resident size (VmHWM) rises by less than 20 MB over what a
-- clean message took (GMime building every field cost it 53 MB, 10,000 of them
-- cost 7 MB).  The message is unscannable, named Mailvet.Limits.MaxHeaderFields,
-- and quarantined by the built-in policy; the daemon then goes on serving.
local mv = require("lib")

local FIELDS = 100000
local GROWTH_MAX_KB = 20 * 1024

-- peak_kb - the daemon's peak resident set size (VmHWM), in KB
local function peak_kb()
    local f = io.open("/proc/" .. mv.pid .. "/status", "r")
    if f == nil then
        return nil
    end
    local kb
    for line in f:lines() do
        kb = kb or tonumber(line:match("^VmHWM:%s+(%d+) kB"))
    end
    f:close()
    return kb
end

-- sanitized - why the daemon's RSS says nothing of its own memory, or nil: under
-- AddressSanitizer freed memory is quarantined (never reused), under a wrapper
-- (valgrind) the process is the wrapper's
local function sanitized()
    local wrapper = os.getenv("MAILVETD_WRAPPER")
    if wrapper ~= nil and wrapper ~= "" then
        return "mailvetd runs under " .. wrapper
    end
    local p = io.popen("{ nm /proc/" .. mv.pid .. "/exe; nm -D /proc/" .. mv.pid ..
                       "/exe; } 2>/dev/null | grep -c __asan_init")
    local n = tonumber(p:read("*l") or "0") or 0
    p:close()
    if n > 0 then
        return "mailvetd is built with AddressSanitizer, which keeps freed memory"
    end
    return nil
end

-- rss_kb - the daemon's resident set size now (VmRSS, what ps shows), in KB
local function rss_kb()
    local f = io.open("/proc/" .. mv.pid .. "/status", "r")
    if f == nil then
        return nil
    end
    local kb
    for line in f:lines() do
        kb = kb or tonumber(line:match("^VmRSS:%s+(%d+) kB"))
    end
    f:close()
    return kb
end

mv.run(function()
    local conn = mv.connect()
    mv.expect_accepted(mv.send(conn, mv.sample("clean.eml"), { qid = "TMANY0" }),
                       "a clean message first is accepted")
    local before = peak_kb()
    mv.must(before ~= nil, "the daemon's VmHWM can be read from /proc")
    mv.diag(string.format("VmRSS before %d KB", rss_kb() or -1))

    local extra = {}
    for i = 1, FIELDS do
        extra[i] = { "X-Filler-" .. i, "value" }
    end
    local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TMANY1", extra_headers = extra })
    mv.check(r.stage == "eom" and r.code == SMFIR_DISCARD,
             "the message with 100,000 header fields is quarantined (SMFIR_DISCARD at end of message)",
             "got " .. mv.reply_name(r.code) .. " at " .. r.stage)
    mv.expect_log_once("TMANY1: verdict=unscannable action=quarantine .*signatures=[^ ]*Mailvet%.Limits%.MaxHeaderFields",
                       "one log line: TMANY1: verdict=unscannable action=quarantine ... Mailvet.Limits.MaxHeaderFields")
    local after = peak_kb()
    mv.diag(string.format("VmHWM before %d KB, after %d KB (+%d KB); VmRSS now %d KB", before,
                          after, after - before, rss_kb() or -1))
    local why = sanitized()
    if why ~= nil then
        print(string.format("ok - peak RSS rises by less than %d MB # SKIP %s",
                            GROWTH_MAX_KB // 1024, why))
    else
        mv.check(after - before < GROWTH_MAX_KB,
                 string.format("peak RSS rises by less than %d MB", GROWTH_MAX_KB // 1024),
                 string.format("VmHWM rose from %d KB to %d KB", before, after))
    end

    mv.expect_accepted(mv.send(conn, mv.sample("clean.eml"), { qid = "TMANY2" }),
                       "a clean message after it on the same connection is accepted")
    mv.disconnect(conn)
end)
