#!/usr/bin/env python3
# console-browser.py - mailvet-console in headless Chromium (Selenium), for
# tests/e2e/console-browser.sh, over a quarantine that Postfix and mailvetd filled.
#
# Prints one line per check, "PASS text" or "FAIL text", and "DIAG text" lines;
# the shell script turns them into TAP.  Saves a 1280x800 PNG of each view
# (login, list, search, detail, release confirmation, audit) in WORK, and checks
# that the list and the detail view fit that width.
# Environment: BASE (the console's URL), CUSER, CPASS (its user), WORK, SINKDIR
# (smtp-sink's dump directory), QDIR (the quarantine), REL_ID, REL_QID (the
# message to release), DEL_ID (the one to delete), XSS_ID, XSS_QID (the one whose
# subject, file name and header carry payloads), HELD (how many are held).
import glob
import http.client
import json
import os
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["BASE"]
USER = os.environ["CUSER"]
PASSWORD = os.environ["CPASS"]
WORK = os.environ["WORK"]
SINKDIR = os.environ["SINKDIR"]
REL_ID, REL_QID = os.environ["REL_ID"], os.environ["REL_QID"]
DEL_ID = os.environ["DEL_ID"]
XSS_ID, XSS_QID = os.environ["XSS_ID"], os.environ["XSS_QID"]
HELD = int(os.environ["HELD"])
PAYLOAD_SUBJECT = "<script>window.__pwned=1</script>"
PAYLOAD_IMG = '"><img src=x onerror="window.__pwned=1">'

HOST = urllib.parse.urlsplit(BASE)


# check - one result line
def check(ok, text, why=""):
    print(("PASS " if ok else "FAIL ") + text, flush=True)
    if not ok and why:
        for line in str(why).splitlines()[:20]:
            print("DIAG " + line, flush=True)
    return ok


# browser - headless Chromium, a fresh profile, nothing talking to the network
def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync",
              "--window-size=1280,800", "--user-data-dir=" + os.path.join(WORK, "chromium-profile")):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    # the page itself 1280x800, whatever the headless window's frame takes
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                      {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    return d


# shot - a PNG of the page as the browser shows it, in WORK
def shot(d, name):
    d.save_screenshot(os.path.join(WORK, "console-%s.png" % name))


# exists - the page has an element matching CSS
def exists(d, css):
    try:
        d.find_element(By.CSS_SELECTOR, css)
        return True
    except NoSuchElementException:
        return False


# arrived - after a click that submits a form: the next page has CSS (waits 10 s)
def arrived(d, css):
    try:
        WebDriverWait(d, 10).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))
        return True
    except TimeoutException:
        return False


# sideways - how far the page is wider than the window (0: it fits, nothing to scroll)
def sideways(d):
    return d.execute_script("return document.documentElement.scrollWidth"
                            " - document.documentElement.clientWidth;")


# total - the number of entries the list page says it found
def total(d):
    return int(d.find_element(By.ID, "result-count").get_attribute("data-total"))


# row_ids - the ids of the list's rows, in order
def row_ids(d):
    return [e.get_attribute("id")[4:] for e in d.find_elements(By.CSS_SELECTOR, "tr[id^='row-']")]


# login - fill the form; the console makes a client wait after a failure (429),
# so the right password is retried for a few seconds
def login(d, password, tries=1):
    for _ in range(tries):
        d.get(BASE + "/login")
        d.find_element(By.ID, "login-user").send_keys(USER)
        d.find_element(By.ID, "login-password").send_keys(password)
        d.find_element(By.ID, "login-submit").click()
        if arrived(d, "#nav-user, #login-error, p.error") and exists(d, "#nav-user"):
            return True
        time.sleep(1)
    return False


# sink_files - the messages smtp-sink has written
def sink_files():
    return glob.glob(os.path.join(SINKDIR, "msg.*"))


# raw - one HTTP request without the browser: status, headers, body
def raw(method, path, cookie=None, body=None):
    c = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=10)
    h = {}
    if cookie:
        h["Cookie"] = cookie
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    c.close()
    return out


# main - one browser for the whole run, closed whatever happens
def main():
    d = browser()
    try:
        run(d)
    finally:
        d.quit()


# run - the checks, in the order an operator meets the views
def run(d):
    # --- login ---------------------------------------------------------------------
    d.get(BASE + "/")
    check(d.current_url.endswith("/login") and exists(d, "#login-form") and not exists(d, "tr[id^='row-']"),
          "browser: / without a session shows the login form and no entry", d.current_url)
    shot(d, "login")
    ok = not login(d, "wrong password 123")
    check(ok and exists(d, "#login-form") and "Wrong user name or password" in d.page_source,
          "browser: a wrong password is refused with the login page")
    check(login(d, PASSWORD, tries=10), "browser: the right password logs in (the user named)",
          d.page_source[:400])
    check(d.find_element(By.ID, "nav-user").text == USER, "browser: the page names the user " + USER)

    # --- the list and a search -----------------------------------------------------------
    d.get(BASE + "/")
    ids = row_ids(d)
    check(total(d) == HELD and all(i in ids for i in (REL_ID, DEL_ID, XSS_ID)),
          "browser: the list shows the %d held messages" % HELD, "total %d rows %s" % (total(d), ids))
    wide = {"list": sideways(d)}
    shot(d, "list")
    d.find_element(By.ID, "search-queue_id").send_keys(REL_QID)
    d.find_element(By.ID, "search-submit").click()
    arrived(d, "#search-queue_id[value='%s']" % REL_QID)
    check(total(d) == 1 and row_ids(d) == [REL_ID] and ("queue_id=" + REL_QID) in d.current_url,
          "browser: search by the Postfix queue id %s finds exactly that message" % REL_QID,
          "url %s total %d rows %s" % (d.current_url, total(d), row_ids(d)))
    shot(d, "search")

    # --- the detail view, with payloads -------------------------------------------------
    d.get(BASE + "/")
    d.find_element(By.ID, "link-" + XSS_ID).click()
    arrived(d, "section#parts")
    sections = [s for s in ("envelope", "headers", "parts", "hits") if exists(d, "section#" + s)]
    check(len(sections) == 4 and XSS_QID in d.find_element(By.ID, "envelope").text
          and "AVADDON" in d.find_element(By.ID, "hits").text.upper(),
          "browser: the detail view shows envelope (queue id), headers, parts tree and rules",
          "sections %s" % sections)
    heads = d.find_element(By.ID, "headers").text
    parts = d.find_element(By.ID, "parts").text
    check(PAYLOAD_SUBJECT in heads and PAYLOAD_IMG in heads,
          "browser: the subject and the X-Evil value appear as text", heads)
    check('"><img src=x onerror="window.__pwned=1">.jpg.js.zip' in parts,
          "browser: the attachment file name appears as text", parts)
    scripts = d.find_elements(By.CSS_SELECTOR, "script")
    imgs = d.find_elements(By.CSS_SELECTOR, "img, svg, iframe, [onerror], [onload]")
    pwned = d.execute_script("return typeof window.__pwned;")
    check(not scripts and not imgs and pwned == "undefined",
          "browser: no <script> or <img> from the message in the DOM, window.__pwned undefined",
          "scripts %d imgs %d __pwned %s" % (len(scripts), len(imgs), pwned))
    wide["detail"] = sideways(d)
    check(all(w <= 0 for w in wide.values()),
          "browser: the list and the detail view fit the 1280-pixel window (no sideways scrolling)",
          "pixels past the window: %s" % wide)
    shot(d, "detail")
    d.get(BASE + "/?subject=*window.__pwned*")
    check(total(d) == 1 and PAYLOAD_SUBJECT in d.find_element(By.ID, "row-" + XSS_ID).text
          and not d.find_elements(By.CSS_SELECTOR, "script, img")
          and d.execute_script("return typeof window.__pwned;") == "undefined",
          "browser: in the list too the subject is text, nothing runs")

    # --- release to all recipients ----------------------------------------------------
    before = len(sink_files())
    d.get(BASE + "/message/" + REL_ID)
    d.find_element(By.ID, "release-one").click()
    arrived(d, "#confirm-form")
    boxes = d.find_elements(By.CSS_SELECTOR, "input[name='rcpt']")
    check(exists(d, "#confirm-form") and boxes and all(b.is_selected() for b in boxes)
          and record_state(REL_ID) == "held",
          "browser: release asks for confirmation, every recipient checked, nothing sent yet")
    shot(d, "release-confirm")
    d.find_element(By.ID, "confirm-submit").click()
    check(arrived(d, "#result-%s.ok" % REL_ID), "browser: the release is done (result ok)",
          d.find_element(By.TAG_NAME, "body").text[:400])
    got = None
    for _ in range(600):
        for f in sink_files():
            with open(f, "rb") as fh:
                if b"fixture.1.avaddon.wave1.eml@example.com" in fh.read():
                    got = f
        if got:
            break
        time.sleep(0.1)
    check(got is not None and len(sink_files()) == before + 1,
          "the released message arrives at the smtp-sink through Postfix's re-injection port",
          "sink: %s" % sink_files())
    d.get(BASE + "/?state=released")
    check(REL_ID in row_ids(d) and "released" in d.find_element(By.ID, "row-" + REL_ID).text,
          "browser: the list shows it released")
    d.get(BASE + "/")
    check(REL_ID not in row_ids(d), "browser: it has left the held list")

    # --- security, without the browser ----------------------------------------------------
    cookie = "; ".join("%s=%s" % (c["name"], c["value"]) for c in d.get_cookies())
    bad = []
    for p in ("/", "/message/" + DEL_ID, "/message/" + DEL_ID + "/download", "/audit",
              "/?queue_id=" + REL_QID):
        st, h, body = raw("GET", p)
        if st != 303 or body or DEL_ID.encode() in body:
            bad.append("%s: %d %r" % (p, st, body[:80]))
    check(not bad, "unauthenticated GETs of list, detail, download and audit: 303 to /login, no data",
          "\n".join(bad))
    st, _, _ = raw("POST", "/delete", cookie=cookie, body="id=" + DEL_ID)
    check(st == 403 and record_state(DEL_ID) == "held",
          "POST /delete without the CSRF token (valid session): 403, the entry stays held",
          "status %d state %s" % (st, record_state(DEL_ID)))
    st, h, body = raw("GET", "/message/%s/download" % XSS_ID, cookie=cookie)
    cd = h.get("content-disposition", "")
    check(st == 200 and cd == 'attachment; filename="%s.eml"' % XSS_ID and b"window.__pwned" in body,
          "download: Content-Disposition: attachment; filename=\"ID.eml\" (the id, not the subject)",
          "status %d, %r" % (st, cd))
    bad = []
    for p in ("/message/../../etc/passwd", "/message/..%2F..%2Fetc%2Fpasswd",
              "/message/%2e%2e%2f%2e%2e%2fetc%2fpasswd/download", "/message/%2e%2e%2f",
              "/message/" + XSS_ID + "%2f..%2f..%2fetc%2fpasswd"):
        st, _, body = raw("GET", p, cookie=cookie)
        if not 400 <= st < 500 or b"root:" in body:
            bad.append("%s: %d" % (p, st))
    st, _, body = raw("POST", "/delete", cookie=cookie,
                      body="csrf=%s&id=%s" % (csrf(d), urllib.parse.quote("../../etc/passwd")))
    if not 400 <= st < 500:
        bad.append("POST /delete id=../../etc/passwd: %d" % st)
    check(not bad, "path-like ids (../../etc/passwd, %2e%2e%2f, ...) are refused with 4xx", "\n".join(bad))

    # --- delete ---------------------------------------------------------------------------
    d.get(BASE + "/message/" + DEL_ID)
    d.find_element(By.ID, "delete-one").click()
    arrived(d, "#confirm-form")
    check(exists(d, "#confirm-form") and record_state(DEL_ID) == "held",
          "browser: delete asks for confirmation, nothing deleted yet")
    d.find_element(By.ID, "confirm-submit").click()
    check(arrived(d, "#result-%s.ok" % DEL_ID), "browser: the delete is done (result ok)")
    d.get(BASE + "/")
    check(DEL_ID not in row_ids(d) and total(d) == HELD - 2,
          "browser: the deleted message is gone from the held list", "rows %s" % row_ids(d))

    # --- the audit view --------------------------------------------------------------------
    d.find_element(By.ID, "nav-audit").click()
    arrived(d, "#audit-lines")
    text = d.find_element(By.ID, "audit-lines").text
    want = ["user=%s addr=127.0.0.1 action=login ids=- result=failed" % USER,
            "user=%s addr=127.0.0.1 action=login ids=- result=ok" % USER,
            "action=release ids=%s result=ok" % REL_ID,
            "action=delete ids=%s result=ok" % DEL_ID]
    missing = [w for w in want if w not in text]
    check(not missing, "browser: the audit view shows the login, release and delete lines",
          "missing %s\n%s" % (missing, text[:600]))
    shot(d, "audit")


# csrf - the page's CSRF token
def csrf(d):
    d.get(BASE + "/")
    return d.find_element(By.CSS_SELECTOR, "input[name='csrf']").get_attribute("value")


# record_state - the state in the entry's record, read from the quarantine
def record_state(ident):
    with open(os.path.join(os.environ["QDIR"], ident + ".json")) as f:
        return json.load(f).get("state")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a broken run is a failure, never a quiet stop
        check(False, "the browser run ended early: %s: %s" % (type(e).__name__, e))
        sys.exit(1)
