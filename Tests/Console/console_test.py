#!/usr/bin/env python3
"""The web console in a real browser (Debian's Chromium, driven by Playwright): the people in the loop, each signed in
as themselves, against a real `offboard serve` whose steps reach the real SCIM and HTTP test servers.

HR (signed in at the OpenID Connect provider, whose groups claim gives the role) starts a leaver: one bad field first,
then the preview, then confirm; IT (signed in with an API token) sees only IT's tasks and records the device return;
facilities (at the provider) is refused for missing evidence, then records the destruction certificate; a person the
provider knows but whose groups give no role gets no session; IT cannot open the facilities task by its URL; a forged
cross-site form is refused and changes nothing; the auditor (a token) verifies the chain and downloads the evidence
pack. The actor journaled is the provider's name for the person, or the token's name. Screenshots of the preview, a task form and the run page go to OFFBOARD_SCREENSHOTS
(default /tmp/offboard-console-screenshots).

Needs the test servers' environment (scripts/test-servers.sh) and a built `offboard` (.build/debug/offboard).
Run: python3 Tests/Console/console_test.py
"""
import datetime, http.server, json, os, pathlib, re, subprocess, sys, tempfile, threading, time, unittest, urllib.request

from playwright.sync_api import expect, sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("OFFBOARD_BINARY", os.path.join(ROOT, ".build/debug/offboard"))
SHOTS = os.environ.get("OFFBOARD_SCREENSHOTS", "/tmp/offboard-console-screenshots")


def need(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f"{name} is unset: start and source the test servers first (scripts/test-servers.sh start DIR; source DIR/env)")
    return value


class Server:
    """`offboard serve` on a free loopback port, with a scratch database and the shipped playbooks."""

    def __init__(self, env, arguments):
        self.env = env
        self.log = open(os.path.join(env["OFFBOARD_HOME"], "serve.log"), "w+")
        self.process = subprocess.Popen([BINARY, "serve", "--port", "0"] + arguments, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        for _ in range(400):
            self.log.seek(0)
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)", self.log.read())
            if found:
                self.url = f"http://127.0.0.1:{found.group(1)}"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.log.seek(0)
        raise RuntimeError("offboard serve did not start:\n" + self.log.read())

    def token(self, role, name):
        return subprocess.run([BINARY, "token", "create", "--role", role, "--name", name], env=self.env, check=True,
                              capture_output=True, text=True).stdout.strip()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()


class Attacker(http.server.BaseHTTPRequestHandler):
    """Another site: its page posts a form to the console as soon as it loads."""
    target = ""

    def do_GET(self):
        page = (f'<!doctype html><form id="f" method="post" action="{self.target}">'
                '<input name="reason" value="forged"><input name="form_token" value="guess"></form>'
                '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args):
        pass


class ConsoleStory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        scim, scim_token, http_url = need("OFFBOARD_TEST_SCIM_URL"), need("OFFBOARD_TEST_SCIM_TOKEN"), need("OFFBOARD_TEST_HTTP_URL")
        cls.oidc = need("OFFBOARD_TEST_OIDC_URL")
        cls.home = tempfile.mkdtemp(prefix="offboard-console-")
        suffix = os.path.basename(cls.home).split("-")[-1].lower()
        cls.email = f"jo.ryan-{suffix}@example.com"
        request = urllib.request.Request(f"{scim}/Users", method="POST", data=json.dumps({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": cls.email, "active": True}).encode(),
            headers={"Authorization": f"Bearer {scim_token}", "Content-Type": "application/scim+json"})
        cls.scim_user = json.loads(urllib.request.urlopen(request).read())["id"]
        env = dict(os.environ, OFFBOARD_HOME=cls.home, OFFBOARD_DB=os.path.join(cls.home, "runs.sqlite"),
                   OFFBOARD_WORKFLOWS=os.path.join(ROOT, "Workflows"),
                   OFFBOARD_SECRET_IDP_SCIM_URL=scim, OFFBOARD_SECRET_IDP_SCIM_TOKEN=scim_token,
                   OFFBOARD_SECRET_SERVICE_DESK_WEBHOOK=f"{http_url}/desk", OFFBOARD_SECRET_SECURITY_WEBHOOK=f"{http_url}/security",
                   OFFBOARD_SECRET_OIDC_CLIENT_SECRET="console-client-secret")
        cls.server = Server(env, ["--oidc-issuer", cls.oidc, "--oidc-client-id", "offboard-console", "--oidc-role", "offboard-hr=hr",
                                  "--oidc-role", "offboard-facilities=task:facilities", "--oidc-role", "offboard-dpo=task:dpo"])
        # People at the identity provider (its predefined users) and people with tokens, by the name journaled.
        cls.provider_users = {"hr": ("amy", "Amy Hart"), "facilities": ("lee", "Lee Fac"), "dpo": ("dee", "Dee Po")}
        cls.names = {"it": "sam.it", "auditor": "audit.office", "manager": "max.manager", "ops": "olga.ops"}
        roles = {"it": "task:it-service-desk", "auditor": "auditor", "manager": "task:line-manager", "ops": "operator"}
        cls.tokens = {who: cls.server.token(roles[who], cls.names[who]) for who in cls.names}
        Attacker.target = ""
        cls.attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
        threading.Thread(target=cls.attacker.serve_forever, daemon=True).start()
        cls.playwright = sync_playwright().start()
        cls.browser = cls.playwright.chromium.launch(executable_path=os.environ.get("OFFBOARD_CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
        os.makedirs(SHOTS, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.playwright.stop()
        cls.attacker.shutdown()
        cls.attacker.server_close()
        cls.server.stop()

    def person(self, who, viewport=None):
        """A browser of its own for one person, signed in at the identity provider or with their token."""
        context = self.browser.new_context(viewport=viewport or {"width": 1200, "height": 900}, accept_downloads=True)
        # The provider's page asks for a stylesheet on a CDN this machine cannot reach: only loopback is let through.
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page = context.new_page()
        page.goto(self.server.url + "/console")
        expect(page).to_have_title(re.compile("Sign in"))
        if who in self.provider_users:
            subject, name = self.provider_users[who]
            page.get_by_role("link", name="Sign in with 127.0.0.1").click()
            page.get_by_role("button", name=subject, exact=True).click()
            expect(page.locator("header")).to_contain_text(name)
        else:
            page.get_by_label("API token").fill(self.tokens[who])
            page.get_by_role("button", name="Sign in", exact=True).click()
            expect(page.locator("header")).to_contain_text(self.names[who])
        return context, page

    def open_task(self, page, title):
        """The inbox, until the task the worker opens shows (the run starts within a second or two)."""
        for _ in range(40):
            page.goto(self.server.url + "/console/tasks")
            if page.get_by_role("link", name=title).count():
                break
            time.sleep(0.5)
        page.get_by_role("link", name=title).click()
        expect(page.locator("h1")).to_have_text(title)

    def test_the_people_in_the_loop(self):
        # HR: the start form, one bad field, the preview, confirm.
        hr_context, hr = self.person("hr")
        hr.get_by_role("link", name="Start a leaver").click()
        hr.get_by_role("link", name=re.compile("^standard-leaver")).click()
        leave_at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        hr.get_by_label(re.compile("^employee id")).fill("E-7")
        hr.get_by_label(re.compile("^full name")).fill("Jo Ryan")
        hr.get_by_label(re.compile("^email")).fill("jo.ryan at example")
        hr.get_by_label(re.compile("^leave at")).fill(leave_at)
        hr.get_by_label(re.compile("^devices")).fill('[{"asset_tag": "LT-42", "type": "laptop"}]')
        hr.get_by_role("button", name="Preview").click()
        expect(hr.locator(".field.invalid")).to_contain_text("expected an email address")
        expect(hr.get_by_role("alert").first).to_contain_text("Nothing was started")
        hr.get_by_label(re.compile("^email")).fill(self.email)
        hr.get_by_role("button", name="Preview").click()
        expect(hr.locator("main")).to_contain_text("Nothing has run yet")
        # Back to the form from the preview keeps what was typed.
        hr.get_by_role("button", name="Change the details").click()
        expect(hr.get_by_label(re.compile("^email"))).to_have_value(self.email)
        expect(hr.get_by_label(re.compile("^devices"))).to_have_value('[{"asset_tag": "LT-42", "type": "laptop"}]')
        hr.get_by_role("button", name="Preview").click()
        expect(hr.locator("main")).to_contain_text("Nothing has run yet")
        timeline = hr.locator("ol.timeline")
        expect(timeline).to_contain_text("deactivate-identity")
        expect(timeline).to_contain_text(f'find the SCIM user with userName "{self.email}" and set active to false')
        expect(timeline).to_contain_text("Collect laptop LT-42 from Jo Ryan")
        self.assertNotIn(os.environ["OFFBOARD_TEST_SCIM_TOKEN"], hr.content(), "the preview shows a secret")
        hr.screenshot(path=os.path.join(SHOTS, "start-preview.png"), full_page=True)
        hr.get_by_role("button", name="Confirm and start").click()
        expect(hr.get_by_role("status").first).to_contain_text("Started.")
        run = hr.url.split("/console/runs/")[1].split("?")[0]
        hr.goto(self.server.url + "/console/runs")
        expect(hr.locator("#runs")).to_contain_text(run)
        expect(hr.locator("#runs")).to_contain_text("E-7")
        expect(hr.locator("#runs")).to_contain_text("by Amy Hart")

        # Known at the provider, but no group that gives an offboard role: no session.
        kim_context = self.browser.new_context()
        kim_context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        kim = kim_context.new_page()
        kim.goto(self.server.url + "/console")
        kim.get_by_role("link", name="Sign in with 127.0.0.1").click()
        kim.get_by_role("button", name="kim", exact=True).click()
        expect(kim.get_by_role("alert")).to_contain_text("no offboard role")
        kim.goto(self.server.url + "/console/runs")
        expect(kim).to_have_title(re.compile("Sign in"))
        kim_context.close()

        # HR has no task role: the inbox is not theirs.
        hr.goto(self.server.url + "/console/tasks")
        expect(hr.locator("main")).to_contain_text("do not include one this page needs")

        # IT: only IT's tasks; the device return with its evidence.
        it_context, it = self.person("it", viewport={"width": 390, "height": 844})
        self.open_task(it, "Collect laptop LT-42 from Jo Ryan")
        it.screenshot(path=os.path.join(SHOTS, "task-form-phone.png"), full_page=True)
        it_task_url = it.url
        it.goto(self.server.url + "/console/tasks")
        expect(it.locator("#tasks")).not_to_contain_text("Confidential destruction")
        it.goto(it_task_url)
        it.get_by_label(re.compile("^asset tag")).fill("LT-42")
        it.get_by_label(re.compile("^condition")).select_option("good")
        it.get_by_role("button", name="Record as done").click()
        expect(it.locator("main")).not_to_contain_text("Not recorded")

        # Facilities: refused without the certificate number (nothing recorded), then the certificate.
        fac_context, fac = self.person("facilities")
        self.open_task(fac, "Confidential destruction of paper files held by Jo Ryan")
        facilities_task_url = fac.url
        fac.get_by_label(re.compile("^destruction date")).fill("2026-12-01")
        fac.get_by_label(re.compile("^method")).select_option("cross-cut shredding")
        fac.get_by_label(re.compile("^containers")).fill("2")
        fac.get_by_label(re.compile("^destruction service")).fill("Shred-it Leeds")
        fac.get_by_role("button", name="Record as done").click()
        expect(fac.get_by_role("alert")).to_contain_text("Not recorded")
        expect(fac.get_by_role("alert")).to_contain_text("certificate_number")
        fac.get_by_label(re.compile("^certificate number")).fill("SL-2026-0481")
        fac.get_by_role("button", name="Record as done").click()
        expect(fac.locator("main")).not_to_contain_text("Not recorded")

        # The line manager (a token) confirms; the data-protection officer (at the provider, in the dpo team the
        # playbook names as approver) sees it waiting for approval and approves it for the team.
        manager_context, manager = self.person("manager")
        self.open_task(manager, "Confirm that Jo Ryan holds no company data or property")
        manager.get_by_label(re.compile("^confirmed")).select_option("true")
        manager.get_by_role("button", name="Record as done").click()
        expect(manager.get_by_role("status")).to_contain_text("waits for its approval")
        dpo_context, dpo = self.person("dpo")
        dpo.goto(self.server.url + "/console/tasks")
        expect(dpo.locator("#tasks")).to_contain_text("needs your approval")
        self.open_task(dpo, "Confirm that Jo Ryan holds no company data or property")
        dpo.get_by_role("button", name="Approve").click()
        expect(dpo.get_by_role("status")).to_contain_text("has all its approvals and is done")

        # IT cannot reach the facilities task by its URL.
        it.goto(facilities_task_url)
        expect(it.locator("main")).to_contain_text("not open for you")
        expect(it.locator("form.card")).to_have_count(0)

        # A forged cross-site form, opened by HR while signed in, is refused and changes nothing.
        Attacker.target = f"{self.server.url}/console/runs/{run}/cancel"
        hr.goto(f"http://127.0.0.1:{self.attacker.server_address[1]}/")
        expect(hr.locator("main")).to_contain_text("nothing was done")
        self.assertTrue(hr.url.startswith(self.server.url + "/console/runs/"), hr.url)
        hr.goto(f"{self.server.url}/console/runs/{run}")
        expect(hr.locator("#run")).not_to_contain_text("cancelled")

        # The run page: IT's and facilities' work is on record, access removal verified against the real SCIM server.
        for _ in range(40):
            hr.goto(f"{self.server.url}/console/runs/{run}")
            if "verified" in hr.locator("#run").inner_text():
                break
            time.sleep(0.5)
        steps = hr.locator("table.steps")
        expect(steps.locator("tr", has_text="deactivate-identity")).to_contain_text("succeeded")
        expect(steps.locator("tr", has_text="deactivate-identity")).to_contain_text("verified")
        expect(steps.locator("tr", has_text="reclaim-devices")).to_contain_text("succeeded")
        expect(steps.locator("tr", has_text="destroy-hard-copies")).to_contain_text("succeeded")
        expect(hr.locator("#history")).to_contain_text("sam.it")
        expect(hr.locator("#history")).to_contain_text("completed by Lee Fac <lee.fac@example.com>")
        expect(hr.locator("#history")).to_contain_text("approved by Dee Po <dee.po@example.com> for dpo")
        for _ in range(40):
            if "succeeded" in hr.locator("#run dl").inner_text():
                break
            time.sleep(0.5)
            hr.goto(f"{self.server.url}/console/runs/{run}")
        expect(hr.locator("#run dl")).to_contain_text("succeeded")
        hr.screenshot(path=os.path.join(SHOTS, "run-page.png"), full_page=True)
        scim_user = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"{os.environ['OFFBOARD_TEST_SCIM_URL']}/Users/{self.scim_user}",
            headers={"Authorization": f"Bearer {os.environ['OFFBOARD_TEST_SCIM_TOKEN']}"})).read())
        self.assertFalse(scim_user["active"], "the SCIM account is still active")

        # The auditor: the chain verifies, and the pack downloads.
        audit_context, audit = self.person("auditor")
        audit.goto(f"{self.server.url}/console/runs/{run}")
        audit.get_by_role("link", name="Evidence pack").click()
        expect(audit.get_by_role("status")).to_contain_text("hash chain is intact")
        with audit.expect_download() as download:
            audit.get_by_role("link", name="JSON").click()
        pack = json.loads(pathlib.Path(download.value.path()).read_text())
        self.assertEqual(pack["run"]["id"], run)
        removal = next(step for step in pack["steps"] if step["id"] == "deactivate-identity")
        self.assertTrue(removal["verification"]["holds"])
        self.assertIn("full_name", pack["leaver"]["withheld"])
        with audit.expect_download() as download:
            audit.get_by_role("link", name="HTML").click()
        self.assertIn("SL-2026-0481", pathlib.Path(download.value.path()).read_text())
        # Personal fields are HR's to see, not the auditor's.
        audit.goto(f"{self.server.url}/console/runs/{run}")
        expect(audit.locator("#run")).not_to_contain_text("Jo Ryan")
        expect(audit.locator("#run")).to_contain_text("Withheld")

        # Every page and action needs the role the API would need: what each person gets by URL alone.
        pages = {"runs": "/console/runs", "run": f"/console/runs/{run}", "start": "/console/start/standard-leaver",
                 "tasks": "/console/tasks", "evidence": f"/console/runs/{run}/evidence", "download": f"/console/runs/{run}/evidence/json",
                 "reverse": f"/console/runs/{run}/reverse"}
        allowed = {"hr": {"runs", "run", "start"}, "it": {"tasks"}, "facilities": {"tasks"}, "auditor": {"runs", "run", "evidence", "download"}}
        for who, page in (("hr", hr), ("it", it), ("facilities", fac), ("auditor", audit)):
            for name, path in pages.items():
                status = page.request.get(self.server.url + path, max_redirects=0).status
                self.assertEqual(status, 200 if name in allowed[who] else 403, f"{who} GET {path}")
            # A post with this person's own form token, to an action their role does not allow, changes nothing.
            form_token = page.locator("form.signout input[name=form_token]").get_attribute("value")
            if who != "hr":
                response = page.request.post(f"{self.server.url}/console/runs/{run}/cancel", form={"form_token": form_token, "reason": "not mine"},
                                             headers={"Origin": self.server.url}, max_redirects=0)
                self.assertEqual(response.status, 403, f"{who} cancelled the run")
        expect(hr.locator("body")).to_be_visible()
        hr.goto(f"{self.server.url}/console/runs/{run}")
        expect(hr.locator("#run")).not_to_contain_text("cancelled")
        # No session at all: pages send to sign-in, actions are refused.
        anonymous = self.browser.new_context()
        self.assertEqual(anonymous.request.get(self.server.url + "/console/runs", max_redirects=0).status, 303)
        self.assertEqual(anonymous.request.post(f"{self.server.url}/console/runs/{run}/cancel", form={"reason": "x"}, max_redirects=0).status, 401)
        anonymous.close()

        # Signing out ends the session: the same cookie no longer opens a page.
        audit.get_by_role("button", name="Sign out").click()
        audit.goto(f"{self.server.url}/console/runs")
        expect(audit).to_have_title(re.compile("Sign in"))
        for context in (hr_context, it_context, fac_context, audit_context, manager_context, dpo_context):
            context.close()

    def api(self, method, path, token, body=None):
        request = urllib.request.Request(self.server.url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        return json.loads(urllib.request.urlopen(request).read() or b"{}")

    def fits(self, page, what):
        """The page does not scroll sideways: nothing is wider than the phone."""
        width = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        self.assertLessEqual(width, inner, f"{what} scrolls sideways on a {inner} px phone ({width} px wide)")

    def test_a_page_left_open_long_values_on_a_phone_and_text_from_outside(self):
        suffix = os.path.basename(self.home).split("-")[-1].lower()
        email = f"a.very-long.mailbox.name.for-testing.{suffix}@departments.example.com"
        employee = "E-" + "7" * 40
        name = "Zoe Example\u202e"  # ends in a right-to-left override
        tag = "ASSET-" + "X" * 36
        leave_at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ops_token = self.tokens["ops"]
        run = self.api("POST", "/v1/runs", ops_token, {"playbook": "standard-leaver", "inputs": {
            "employee_id": employee, "full_name": name, "email": email, "leave_at": leave_at,
            "devices": [{"asset_tag": tag, "type": "laptop"}]}})["id"]

        # A page left open: the live region updates itself once the run moves on, and the browser blocks nothing.
        ops_context, ops = self.person("ops")
        blocked = []
        ops.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
        ops.goto(f"{self.server.url}/console/runs/{run}")
        task = None
        for _ in range(40):
            tasks = self.api("GET", "/v1/tasks", self.tokens["it"])["items"]
            task = next((t for t in tasks if t["run"] == run and t["step"] == "reclaim-devices"), None)
            if task:
                break
            time.sleep(0.5)
        self.assertIsNotNone(task, "the device task never opened")
        # The task's page and the inbox on a 360 px phone, with the long values, before it is done.
        it_context, it = self.person("it", viewport={"width": 360, "height": 740})
        it.goto(f"{self.server.url}/console/tasks")
        self.fits(it, "the task inbox")
        # The due time of a task reads in the reader's own zone (the page's script), its UTC form kept as a title.
        due = it.locator("time[data-local]")
        if due.count():
            self.assertNotRegex(due.first.inner_text(), r"T\d\d:\d\d:\d\dZ$", "a due time shows as a bare UTC timestamp")
            # And stays so once the live region has been fetched again (every 5 s), which does not replace an
            # unchanged list.
            time.sleep(6)
            self.assertNotRegex(due.first.inner_text(), r"T\d\d:\d\d:\d\dZ$", "the live region put the UTC timestamp back")
        it.locator("#tasks a", has_text=tag).first.click()
        expect(it.locator("main")).to_contain_text(tag)
        self.fits(it, "the task page")
        it.screenshot(path=os.path.join(SHOTS, "task-page-phone.png"), full_page=True)
        expect(ops.locator("#history")).not_to_contain_text("sam.it")
        self.api("POST", f"/v1/runs/{run}/tasks/reclaim-devices/complete", self.tokens["it"],
                 {"item": task.get("item"), "evidence": {"asset_tag": tag, "condition": "good"}})
        # No reload: the page's own script fetches it again every 5 s.
        expect(ops.locator("#history")).to_contain_text("sam.it", timeout=15000)
        self.assertEqual(blocked, [], "the browser blocked the live view's fetch")

        # Text from outside is isolated: the name's override cannot reach the page's own words after it.
        self.assertGreater(ops.locator("#run bdi", has_text="Zoe Example").count(), 0, "the leaver's name is not isolated")
        self.assertEqual(ops.locator("#run bdi", has_text="Zoe Example").first.evaluate("e => getComputedStyle(e).unicodeBidi"), "isolate")

        # A 360 px phone: no page scrolls sideways with long values, and the steps table labels its cells.
        phone_context, phone = self.person("ops", viewport={"width": 360, "height": 740})
        phone.goto(f"{self.server.url}/console/runs/{run}")
        expect(phone.locator("#run")).to_contain_text(email)
        self.fits(phone, "the run page")
        cell = phone.locator("table.steps td[data-label=Attempts]").first
        self.assertNotEqual(cell.evaluate("e => getComputedStyle(e, '::before').content"), "none", "the phone's steps table does not label its cells")
        phone.screenshot(path=os.path.join(SHOTS, "run-page-phone.png"), full_page=True)
        phone.goto(f"{self.server.url}/console/start/standard-leaver")
        phone.get_by_label(re.compile("^employee id")).fill(employee)
        phone.get_by_label(re.compile("^full name")).fill("Zoe Example")
        phone.get_by_label(re.compile("^email")).fill(email)
        phone.get_by_label(re.compile("^leave at")).fill(leave_at)
        phone.get_by_label(re.compile("^devices")).fill(json.dumps([{"asset_tag": tag, "type": "laptop"}]))
        self.fits(phone, "the start form")
        phone.get_by_role("button", name="Preview").click()
        expect(phone.locator("main")).to_contain_text("Nothing has run yet")
        self.fits(phone, "the start preview")
        phone.screenshot(path=os.path.join(SHOTS, "start-preview-phone.png"), full_page=True)
        for context in (ops_context, phone_context, it_context):
            context.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
