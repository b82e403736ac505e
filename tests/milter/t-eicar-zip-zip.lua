-- t-eicar-zip-zip: eicar-zip-zip.eml (EICAR inside a zip inside a zip attachment) is rejected at end of
-- message with 550 5.7.1 and a text naming Eicar-Test-Signature; one log line
-- says verdict=infected action=reject with the signature; a clean message sent
-- next on the same connection is accepted (no verdict leaks between messages).
local mv = require("lib")

mv.run(function()
    mv.infected("eicar-zip-zip.eml", "TEICARZZ1")
end)
