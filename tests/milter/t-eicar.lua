-- t-eicar: eicar.eml (EICAR as a base64 attachment) is rejected at end of
-- message with 550 5.7.1 and a text naming Eicar-Test-Signature; one log line
-- says verdict=infected action=reject with the signature; a clean message sent
-- next on the same connection is accepted (no verdict leaks between messages).
local mv = require("lib")

mv.run(function()
    mv.infected("eicar.eml", "TEICAR1")
end)
