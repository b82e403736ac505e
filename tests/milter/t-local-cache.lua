-- t-local-cache: the local verdict cache, on by default (no local_cache_size in the
-- configuration, no Redis).
--  1. EICAR in a zip: rejected, the log says cache=miss local_hits=0 (its three leaves,
--     the preamble, the text and the zip, are scanned);
--  2. another message (its own subject and text) with the same zip: rejected the same
--     way, and the log says cache=partial local_hits=2: the zip (and the preamble) are
--     not scanned again, only the new text;
--  3. SIGUSR1: the new generation starts with an empty cache, so the first message
--     after the reload is scanned whole again (cache=miss local_hits=0 gen=2), and the
--     one after it is a hit again (cache=hit local_hits=3 gen=2).
local mv = require("lib")

local function eicar(conn, file, qid, desc)
    local r = mv.send(conn, file, { qid = qid })
    mv.expect_reply(conn, r, "550", "5.7.1", "Eicar%-Test%-Signature", desc)
end

mv.run(function()
    local sample = mv.sample("eicar-zip.eml")
    local f = assert(io.open(sample, "rb"))
    local text = f:read("a")
    f:close()
    local other = text:gsub("Subject: Invoice %(zip%)", "Subject: Your order"):gsub(
        "please find the file attached%.", "here is the order you asked for.")
    mv.check(other ~= text and other:find("Your order") and other:find("the order you asked"),
             "the second message differs from the first in subject and text")
    local second = mv.work .. "/order-zip.eml"
    mv.write_file(second, other)

    local conn = mv.connect()
    eicar(conn, sample, "TLC1", "EICAR in a zip is rejected")
    mv.expect_log_once("TLC1: verdict=infected action=reject .*leaves=3 .*cache=miss local_hits=0 gen=1 ",
                       "the first message's three leaves are scanned (cache=miss local_hits=0)")
    eicar(conn, second, "TLC2", "another message with the same zip is rejected the same way")
    mv.expect_log_once("TLC2: verdict=infected action=reject .*leaves=3 .*cache=partial local_hits=2 gen=1 ",
                       "the zip comes from the local cache, only the new text is scanned")

    os.execute("kill -USR1 " .. mv.pid)
    mv.check(#mv.wait_log("reload: generation=2 ", 60) == 1, "SIGUSR1 builds generation 2",
             "log ends:\n" .. mv.log_tail(10))
    eicar(conn, sample, "TLC3", "after the reload EICAR in a zip is rejected")
    mv.expect_log_once("TLC3: verdict=infected action=reject .*cache=miss local_hits=0 gen=2 ",
                       "after the reload the cache is empty: the message is scanned again")
    eicar(conn, sample, "TLC4", "and again")
    mv.expect_log_once("TLC4: verdict=infected action=reject .*cache=hit local_hits=3 gen=2 ",
                       "the new generation's cache answers the next time")
    mv.disconnect(conn)
end)
