-- lib.lua - shared helpers for the miltertest scripts tests/milter/t-*.lua.
--
-- run-miltertest.sh starts mailvetd and runs a script with these variables set:
--   MAILVET_SOCKET   milter socket to connect to ("unix:/path")
--   MAILVET_SAMPLES  directory built by tests/samples/make-samples.sh
--   MAILVET_TMPDIR   the daemon's tmpdir (absolute, no symlinks)
--   MAILVET_LOG      the daemon's log (its stderr)
--   MAILVET_PID      the daemon's process id
--   MAILVET_REPLIES  the reply recorder's log: one line per milter packet that
--                    mailvetd sent ("y 451 4.7.1 text", "h NAME<TAB>VALUE", "a"),
--                    written before the packet is passed on to miltertest
--
-- Output is TAP without numbers: one "ok - ..." or "not ok - ..." line per
-- check, and "# " diagnostics; run-miltertest.sh numbers the lines and adds
-- the plan.  This miltertest prints nothing when a Lua error stops a script,
-- so every script runs its body through M.run(), which reports the error as
-- a failed check.
--
-- Usage:
--   local mv = require("lib")
--   mv.run(function()
--       local conn = mv.connect()
--       local r = mv.send(conn, mv.sample("clean.eml"), { qid = "TCLEAN1" })
--       mv.expect_accepted(r, "clean.eml is accepted")
--   end)

local M = {}

local function env(name)
    local v = os.getenv(name)
    if v == nil or v == "" then
        error("run-miltertest.sh did not set " .. name .. " (run this script through it)", 0)
    end
    return v
end

M.socket = env("MAILVET_SOCKET")
M.samples = env("MAILVET_SAMPLES")
M.tmpdir = env("MAILVET_TMPDIR")
M.log = env("MAILVET_LOG")
M.pid = env("MAILVET_PID")
M.replies = env("MAILVET_REPLIES")

M.CHUNK = 65535 -- the largest body chunk an MTA sends (MILTER_CHUNK_SIZE)
M.SENDER = "<sender@example.com>"
M.RECIPIENT = "<recipient@example.com>"

-- Reply names for messages that say "got X, want Y".
local reply_names = {}
for _, n in ipairs({ "SMFIR_ACCEPT", "SMFIR_CONTINUE", "SMFIR_DISCARD", "SMFIR_REJECT",
                     "SMFIR_TEMPFAIL", "SMFIR_REPLYCODE", "SMFIR_SKIP" }) do
    if _G[n] ~= nil then
        reply_names[math.tointeger(_G[n]) or _G[n]] = n
    end
end

-- reply_name - "SMFIR_CONTINUE" for a reply code number
function M.reply_name(code)
    if code == nil then
        return "nil"
    end
    local k = math.tointeger(code) or code
    if reply_names[k] then
        return reply_names[k]
    end
    if k == 0 then
        return "no reply"
    end
    return string.format("reply '%s' (%d)", string.char(k), k)
end

-- diag - TAP diagnostics, one "# " line per line of text
function M.diag(text)
    for line in (tostring(text) .. "\n"):gmatch("(.-)\n") do
        print("# " .. line)
    end
end

-- check - one TAP line; extra diagnostics only when it fails; returns cond
function M.check(cond, desc, why)
    if cond then
        print("ok - " .. desc)
    else
        print("not ok - " .. desc)
        if why ~= nil then
            M.diag(why)
        end
    end
    io.stdout:flush()
    return cond
end

-- must - like check, but stops the script: what follows depends on it
function M.must(cond, desc, why)
    if not M.check(cond, desc, why) then
        error({ reported = true }, 0)
    end
end

-- run - run the script body; an error (or a failed must) is reported as a
-- failed check and ends miltertest with exit status 1: the script stopped early
function M.run(body)
    local ok, err = xpcall(body, function(e)
        if type(e) == "table" and e.reported then
            return e
        end
        return debug.traceback(tostring(e), 2)
    end)
    if not ok then
        if type(err) ~= "table" then
            M.check(false, "script ran to the end", err)
        end
        io.stdout:flush()
        os.exit(1)
    end
    -- failed checks were reported as "not ok": the script did run to the end
    io.stdout:flush()
end

-- sample - path of a file made by make-samples.sh
function M.sample(name)
    return M.samples .. "/" .. name
end

local function readfile(path)
    local f, err = io.open(path, "rb")
    if f == nil then
        error("cannot read " .. path .. ": " .. tostring(err), 0)
    end
    local data = f:read("a")
    f:close()
    return data
end

-- read_eml - a message file as a list of {name, value} headers and a CRLF body.
-- Header values are given as an MTA hands them to a milter: the space after the
-- colon removed, folded lines kept with their line break.
function M.read_eml(path)
    local text = readfile(path):gsub("\r\n", "\n")
    local head, body = text:match("^(.-)\n\n(.*)$")
    if head == nil then
        head, body = text, ""
    end
    local headers = {}
    for line in (head .. "\n"):gmatch("(.-)\n") do
        if line:match("^[ \t]") and #headers > 0 then
            local h = headers[#headers]
            h[2] = h[2] .. "\n" .. line
        else
            local name, value = line:match("^([^:]+):[ \t]*(.*)$")
            if name == nil then
                error(path .. ": not a header line: " .. line, 0)
            end
            headers[#headers + 1] = { name, value }
        end
    end
    return headers, (body:gsub("\n", "\r\n"))
end

-- a stage that mailvetd negotiated away makes miltertest exit 1 silently: say so
local function stage_allowed(conn, option, stage)
    if option ~= nil and mt.test_option(conn, option) then
        error("mailvetd negotiated away the " .. stage .. " stage; it must register every callback", 0)
    end
end

-- call - a miltertest call that returns nil or an error string
local function call(what, err)
    if err ~= nil then
        error(what .. " failed: " .. tostring(err), 0)
    end
end

-- last_reply_text - the text of the last SMFIR_REPLYCODE the recorder saw
local function last_reply_text()
    local last
    local f = io.open(M.replies, "rb")
    if f == nil then
        return nil
    end
    for line in f:lines() do
        local text = line:match("^y (.*)$")
        if text ~= nil then
            last = text
        end
    end
    f:close()
    return last
end

-- connect - connect (retrying while mailvetd starts), send connect and HELO info.
-- opts: timeout; quiet (a script that connects many times: the three steps are
-- reported only when one fails)
function M.connect(opts)
    opts = opts or {}
    local must = M.must
    if opts.quiet then
        must = function(cond, desc, why)
            if not cond then
                M.must(cond, desc, why)
            end
        end
    end
    mt.set_timeout(opts.timeout or 120)
    local conn = mt.connect(M.socket, 50, 0.1)
    must(conn ~= nil, "connect to mailvetd at " .. M.socket)
    stage_allowed(conn, SMFIP_NOCONNECT, "connect")
    call("mt.conninfo", mt.conninfo(conn, "client.example.com", "192.0.2.10"))
    must(mt.getreply(conn) == SMFIR_CONTINUE, "connect info is answered with SMFIR_CONTINUE",
         "got " .. M.reply_name(mt.getreply(conn)))
    stage_allowed(conn, SMFIP_NOHELO, "HELO")
    call("mt.helo", mt.helo(conn, "client.example.com"))
    must(mt.getreply(conn) == SMFIR_CONTINUE, "HELO is answered with SMFIR_CONTINUE",
         "got " .. M.reply_name(mt.getreply(conn)))
    return conn
end

local open_message = {} -- conn -> true while a message ended before its EOM

-- result - what the milter answered at STAGE
local function result(conn, stage)
    local r = { stage = stage, code = mt.getreply(conn) }
    if r.code == SMFIR_REPLYCODE then
        r.text = last_reply_text()
    end
    if stage ~= "eom" then
        open_message[conn] = true
    else
        open_message[conn] = nil
    end
    return r
end

-- send - one message from FILE: envelope, headers, EOH, body chunks, EOM.
-- Stops at the first stage the milter does not answer with SMFIR_CONTINUE.
-- opts: qid (macro {i} at MAIL FROM; none: no {i}), from, rcpt (list), extra_headers (list of
-- {name, value} sent after the file's), body_bytes (send only this many body
-- bytes and no EOM: the message is left open, for mt.abort or a disconnect).
-- Returns { stage = "mailfrom".."eom", code = SMFIR_*, text = "550 5.7.1 ..." }.
function M.send(conn, file, opts)
    opts = opts or {}
    local headers, body = M.read_eml(file)

    -- an MTA ends a transaction the filter did not see the end of (RSET)
    if open_message[conn] then
        call("mt.abort", mt.abort(conn))
        open_message[conn] = nil
    end

    stage_allowed(conn, SMFIP_NOMAIL, "MAIL FROM")
    -- like an MTA, send the MAIL stage's macros for every message: this also
    -- replaces the previous message's {i} (libmilter keeps a stage's macros
    -- until new ones for that stage arrive)
    local from = opts.from or M.SENDER
    local addr = from:match("^<(.*)>$") or from
    if opts.qid ~= nil then
        call("mt.macro", mt.macro(conn, SMFIC_MAIL, "{mail_addr}", addr, "i", opts.qid))
    else
        call("mt.macro", mt.macro(conn, SMFIC_MAIL, "{mail_addr}", addr))
    end
    call("mt.mailfrom", mt.mailfrom(conn, from))
    if mt.getreply(conn) ~= SMFIR_CONTINUE then
        return result(conn, "mailfrom")
    end
    stage_allowed(conn, SMFIP_NORCPT, "RCPT TO")
    for _, rcpt in ipairs(opts.rcpt or { M.RECIPIENT }) do
        call("mt.rcptto", mt.rcptto(conn, rcpt))
        if mt.getreply(conn) ~= SMFIR_CONTINUE then
            return result(conn, "rcpt")
        end
    end
    if SMFIP_NODATA ~= nil and not mt.test_option(conn, SMFIP_NODATA) then
        call("mt.data", mt.data(conn))
        if mt.getreply(conn) ~= SMFIR_CONTINUE then
            return result(conn, "data")
        end
    end
    stage_allowed(conn, SMFIP_NOHDRS, "header")
    for _, list in ipairs({ headers, opts.extra_headers or {} }) do
        for _, h in ipairs(list) do
            call("mt.header", mt.header(conn, h[1], h[2]))
            if mt.getreply(conn) ~= SMFIR_CONTINUE then
                return result(conn, "header")
            end
        end
    end
    stage_allowed(conn, SMFIP_NOEOH, "end-of-header")
    call("mt.eoh", mt.eoh(conn))
    if mt.getreply(conn) ~= SMFIR_CONTINUE then
        return result(conn, "eoh")
    end
    stage_allowed(conn, SMFIP_NOBODY, "body")
    local limit = opts.body_bytes or #body
    local pos = 1
    while pos <= limit do
        local last = math.min(pos + M.CHUNK - 1, limit)
        call("mt.bodystring", mt.bodystring(conn, body:sub(pos, last)))
        if mt.getreply(conn) ~= SMFIR_CONTINUE then
            return result(conn, "body")
        end
        pos = last + 1
    end
    if opts.body_bytes ~= nil then
        return result(conn, "body")
    end
    call("mt.eom", mt.eom(conn))
    return result(conn, "eom")
end

-- abort - abort the open message (as an MTA does on RSET or a lost client)
function M.abort(conn)
    call("mt.abort", mt.abort(conn))
    open_message[conn] = nil
end

-- disconnect - end the connection; polite = false drops it without QUIT
function M.disconnect(conn, polite)
    if polite == nil then
        polite = true
    end
    call("mt.disconnect", mt.disconnect(conn, polite))
    open_message[conn] = nil
end

local function describe(r)
    local s = M.reply_name(r.code) .. " at " .. r.stage
    if r.text ~= nil then
        s = s .. ": \"" .. r.text .. "\""
    end
    return s
end

-- expect_accepted - the message went through: SMFIR_ACCEPT, or SMFIR_CONTINUE at EOM
function M.expect_accepted(r, desc)
    local ok = r.code == SMFIR_ACCEPT or (r.stage == "eom" and r.code == SMFIR_CONTINUE)
    return M.check(ok, desc, "got " .. describe(r) .. ", want SMFIR_ACCEPT or SMFIR_CONTINUE at eom")
end

-- expect_reply - an SMTP reply CODE ESC whose text matches the Lua pattern TEXTPAT
-- (nil: any text).  At EOM the text is also checked through miltertest's own
-- record of the reply (mt.eom_check MT_SMTPREPLY), so the recorder cannot lie.
function M.expect_reply(conn, r, code, esc, textpat, desc)
    local want = code .. " " .. esc .. (textpat and (" <text matching " .. textpat .. ">") or " ...")
    local why = "got " .. describe(r) .. ", want SMFIR_REPLYCODE \"" .. want .. "\""
    if r.code ~= SMFIR_REPLYCODE or r.text == nil then
        return M.check(false, desc, why)
    end
    local rcode, resc, rtext = r.text:match("^(%d%d%d) (%d%.%d+%.%d+) (.*)$")
    local ok = rcode == code and resc == esc and (textpat == nil or rtext:find(textpat) ~= nil)
    if ok and r.stage == "eom" then
        ok = mt.eom_check(conn, MT_SMTPREPLY, rcode, resc, rtext)
        if not ok then
            why = "the recorder saw \"" .. r.text .. "\" but miltertest did not"
        end
    end
    return M.check(ok, desc, why)
end

-- header_added - the value of header NAME added at EOM (add or insert), or nil
function M.header_added(conn, name)
    return mt.getheader(conn, name, 0)
end

-- log_lines - the lines of the daemon log that contain the Lua pattern PAT
function M.log_lines(pat)
    local lines = {}
    local f = io.open(M.log, "rb")
    if f == nil then
        return lines
    end
    for line in f:lines() do
        if line:find(pat) then
            lines[#lines + 1] = line
        end
    end
    f:close()
    return lines
end

-- wait_log - wait up to SECONDS (default 10) for a log line matching PAT; the
-- matching lines, or an empty list
function M.wait_log(pat, seconds)
    local tries = math.floor((seconds or 10) / 0.1)
    for _ = 1, tries do
        local lines = M.log_lines(pat)
        if #lines > 0 then
            return lines
        end
        mt.sleep(0.1)
    end
    return M.log_lines(pat)
end

-- log_tail - the last N lines of the daemon log, for diagnostics
function M.log_tail(n)
    local all = M.log_lines("")
    local from = math.max(1, #all - (n or 20) + 1)
    return table.concat(all, "\n", from)
end

-- expect_log_once - exactly one log line matches PAT (waits for it first)
function M.expect_log_once(pat, desc)
    local lines = M.wait_log(pat)
    return M.check(#lines == 1, desc,
                   string.format("got %d log lines matching \"%s\", want 1; log ends:\n%s",
                                 #lines, pat, M.log_tail(15)))
end

-- write_file - PATH holds TEXT (a scenario editing files the daemon reads)
function M.write_file(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
end

-- work - the scenario's work dir (where t-NAME.setup prepared its files)
M.work = M.tmpdir:gsub("/tmp$", "")

-- escape - a Lua pattern matching S literally
function M.escape(s)
    return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0"))
end

-- files_open_under - what the daemon holds open inside DIR (default: its tmpdir),
-- deleted files included ("/dir/#123 (deleted)")
function M.files_open_under(dir)
    dir = (dir or M.tmpdir) .. "/"
    local found = {}
    local p = io.popen("cd /proc/" .. M.pid .. "/fd 2>/dev/null && for fd in *; do readlink \"$fd\"; done")
    for target in p:lines() do
        if target:sub(1, #dir) == dir then
            found[#found + 1] = target
        end
    end
    p:close()
    return found
end

-- wait_files_closed - wait up to SECONDS for the daemon to close every file
-- under its tmpdir; what is still open
function M.wait_files_closed(seconds)
    local open = M.files_open_under()
    for _ = 1, math.floor((seconds or 5) / 0.1) do
        if #open == 0 then
            break
        end
        mt.sleep(0.1)
        open = M.files_open_under()
    end
    return open
end

-- infected - the scenario of the EICAR samples: FILE is rejected with 550 5.7.1
-- naming the signature, logged once, and the next message on the connection is
-- judged on its own (accepted).
function M.infected(file, qid)
    local conn = M.connect()
    local r = M.send(conn, M.sample(file), { qid = qid })
    M.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature",
                   file .. " is rejected at end of message with 550 5.7.1 naming Eicar-Test-Signature")
    M.check(r.stage == "eom", file .. " is judged at end of message, not earlier", "stopped at " .. r.stage)
    M.expect_log_once(qid .. ": verdict=infected action=reject .*signatures=[^ ]*Eicar%-Test%-Signature",
                      "one log line: " .. qid .. ": verdict=infected action=reject ... signatures=Eicar-Test-Signature")
    local r2 = M.send(conn, M.sample("clean.eml"), { qid = qid .. "C" })
    M.expect_accepted(r2, "a clean message after it on the same connection is accepted")
    M.disconnect(conn)
end

return M
