// The audit log in the browser: the portal admins' Audit page (filters, details, Load more, CSV export),
// a member's lack of it, and the support staff's page at /staff/ (sign-in with a one-time code, the
// portal picker, the same log, its own reads recorded in the portal's log). Headless Chromium against
// the gateway that tests/browser/run.sh started; it runs before or after ui.test.js, on the same database,
// never at the same time.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
    GW, PORTAL, ADMIN_USER, MEMBER_USER, launchUrl, sql, odata, shot, assertLabelled, assertAccessible, launchBrowser, openPage,
} from './lib.js';

const CSV_HEADER = 'seq,at,event,actor,user_id,data_source_id,token_id,detail';
const FEED_REQUESTS = 30; // on one data source: more than the smallest page (25)
const STAFF_LOGIN = 'support1';
const STAFF_PASSWORD = 'browser-test staff password 7';

let browser;
const state = {}; // the admin's API session, the data sources, the token, the staff account

before(async () => {
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

const newPage = () => openPage(browser);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy (10 s at most); returns its last answer. */
async function eventually(probe, ms = 10000) {
    let got;
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) {
        got = await probe();
        if (got) return got;
    }
    return got;
}

/** An admin API session for a user, as the UI gets one from its launch link. */
async function apiSession(user) {
    const code = /#launch=([A-Za-z0-9_-]+)$/.exec(launchUrl(user))[1];
    const res = await fetch(`${GW}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ launchCode: code }) });
    const doc = await res.json();
    assert.equal(res.status, 200, JSON.stringify(doc));
    return doc.token;
}

/** A call with a Bearer token; the body parsed as JSON when it is JSON. */
async function call(token, method, path, body) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${GW}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let doc;
    try {
        doc = JSON.parse(text);
    } catch {
        doc = text;
    }
    return { status: res.status, headers: res.headers, body: doc };
}

/** RFC 4180: fields separated by commas, quoted when they hold a comma, a quote or a line break. */
function parseCsv(text) {
    const rows = [];
    let row = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c === '"') {
            quoted = true;
        } else if (c === ',') {
            row.push(field);
            field = '';
        } else if (c === '\n' || c === '\r') {
            if (c === '\r' && text[i + 1] === '\n') i++;
            row.push(field);
            rows.push(row);
            row = [];
            field = '';
        } else {
            field += c;
        }
    }
    if (field !== '' || row.length) {
        row.push(field);
        rows.push(row);
    }
    return rows;
}

/** A screenshot of the window made taller, from where the page is scrolled: the top of a long log. */
async function tallShot(page, name) {
    const size = page.viewportSize();
    await page.setViewportSize({ width: size.width, height: 1100 });
    await shot(page, name, { fullPage: false });
    await page.setViewportSize(size);
}

/** Clicks Export CSV and reads the file the browser saves. */
async function exportCsv(page) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#audit-export').click()]);
    const path = await download.path();
    return { filename: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** The rows of the audit table: seq, event and data source id of each. */
async function tableRows(page) {
    return page.locator('#audit-table tbody tr[data-seq]').evaluateAll((trs) =>
        trs.map((tr) => ({ seq: Number(tr.dataset.seq), event: tr.dataset.event, ds: tr.dataset.ds || null })));
}

/** Sets the filters (those given; the rest left as they are) and shows the events. */
async function applyFilters(page, { event, user, ds, limit, from, to } = {}) {
    const form = page.locator('#audit-filters');
    if (event !== undefined) await form.getByLabel('Event').selectOption(event);
    if (user !== undefined) {
        const el = form.getByLabel(/^User/);
        if ((await el.evaluate((x) => x.tagName)) === 'SELECT') await el.selectOption(user);
        else await el.fill(user);
    }
    if (ds !== undefined) {
        const el = form.getByLabel(/^Data source/);
        if ((await el.evaluate((x) => x.tagName)) === 'SELECT') await el.selectOption(ds);
        else await el.fill(ds);
    }
    if (limit !== undefined) await form.getByLabel('Per page').selectOption(String(limit));
    if (from !== undefined) await form.getByLabel('From').fill(from);
    if (to !== undefined) await form.getByLabel(/^To/).fill(to);
    await form.getByRole('button', { name: 'Show events' }).click();
    await page.waitForFunction(() => !document.querySelector('#audit-results')?.hasAttribute('aria-busy'));
    await page.locator('#audit-table, #audit-empty, #audit-results .alert').first().waitFor();
}

/** The staff account's one-time code now, or `ahead` seconds from now. */
function totp(ahead = 0) {
    const at = String(Math.floor(Date.now() / 1000) + ahead);
    const out = execFileSync(process.env.BT_GATEWAYCTL, ['staff', 'totp', '--secret', state.staffSecret, '--at', at]).toString();
    const m = /\b(\d{6})\b/.exec(out);
    assert.ok(m, `gatewayctl staff totp prints a code: ${out}`);
    return m[1];
}

async function staffSignIn(page, code) {
    if (!page.url().startsWith(`${GW}/staff/`)) await page.goto(`${GW}/staff/`);
    await page.locator('#login-form').waitFor();
    await page.getByLabel('Login', { exact: true }).fill(STAFF_LOGIN);
    await page.getByLabel('Password', { exact: true }).fill(STAFF_PASSWORD);
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the staff page is served on its own', () => {
    test('/staff/: its files, a CSP that lets nobody frame it, entity tags and gzip; /staff is moved; its files are not under /app/', async () => {
        const res = await fetch(`${GW}/staff/`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^text\/html/);
        assert.equal(res.headers.get('cache-control'), 'no-cache');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(res.headers.get('x-frame-options'), 'DENY');
        const csp = res.headers.get('content-security-policy');
        for (const part of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) {
            assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
        }
        assert.doesNotMatch(csp, /hubspot\.com|crm\.example\.com/, 'no HubSpot origin may frame the staff page');
        assert.match(res.headers.get('etag'), /^"[0-9a-f]+-gzip"$/);
        const html = await res.text();
        assert.match(html, /<script type="module" src="staff.js"><\/script>/);
        assert.match(html, /href="..\/app\/app.css"/);
        assert.equal((await fetch(`${GW}/staff/`, { headers: { 'If-None-Match': res.headers.get('etag') } })).status, 304);
        const js = await fetch(`${GW}/staff/staff.js`);
        assert.equal(js.status, 200);
        assert.match(js.headers.get('content-type'), /^text\/javascript/);
        assert.match(js.headers.get('content-security-policy'), /frame-ancestors 'none'/);
        const bare = await fetch(`${GW}/staff`, { redirect: 'manual' });
        assert.equal(bare.status, 301);
        assert.equal(bare.headers.get('location'), '/staff/');
        assert.equal((await fetch(`${GW}/staff/no-such-file.js`)).status, 404);
        assert.equal((await fetch(`${GW}/staff/js/main.js`)).status, 404, 'the UI’s files are under /app/ only');
        assert.equal((await fetch(`${GW}/staff/`, { method: 'POST', body: '{}' })).status, 405);
        // under /app/ the staff page would take the policy that lets HubSpot frame it
        assert.equal((await fetch(`${GW}/app/staff/index.html`)).status, 404);
        assert.equal((await fetch(`${GW}/app/staff/staff.js`)).status, 404);
        // the admin UI keeps its own policy
        assert.match((await fetch(`${GW}/app/`)).headers.get('content-security-policy'), /frame-ancestors 'self' https:\/\/app\.hubspot\.com/);
    });

    test('a frame of the staff page is refused, even from an origin that may frame the UI', async () => {
        const page = await newPage();
        const parent = `<!doctype html><title>Elsewhere</title><iframe id="f" title="Support" src="${GW}/staff/" width="800" height="600"></iframe>`;
        await page.route('http://localhost:3000/**', (r) => r.fulfill({ contentType: 'text/html', body: parent }));
        await page.goto('http://localhost:3000/somewhere');
        await page.waitForLoadState('load');
        for (let i = 0; i < 50 && !page.errors.some((e) => /frame-ancestors|X-Frame-Options/i.test(e)); i++) await page.waitForTimeout(100);
        assert.ok(page.errors.some((e) => /frame-ancestors/.test(e)), `refused by frame-ancestors: ${page.errors}`);
        assert.equal(await page.frameLocator('#f').locator('#login-form').count(), 0, 'the staff page did not load in the frame');
        await page.context().close();
    });

    test('/staff/api/ is the staff API’s: JSON errors, not the static files’ 404', async () => {
        const res = await fetch(`${GW}/staff/api/portals`);
        assert.equal(res.status, 401);
        assert.match(res.headers.get('content-type'), /^application\/json/);
        assert.equal((await res.json()).error.code, 'Unauthorized');
        // the bare prefix too, whichever of the two handlers h2o picks first
        const bare = await fetch(`${GW}/staff/api`);
        assert.equal(bare.status, 404);
        assert.match(bare.headers.get('content-type'), /^application\/json/);
    });
});

describe('a portal admin reads the audit log', () => {
    let page;
    before(async () => {
        // activity by the admin through the API: two data sources, a token, feed requests with it
        state.admin = await apiSession(ADMIN_USER);
        const mk = async (name, object, properties) => {
            const r = await call(state.admin, 'POST', '/api/v1/datasources', { name, objects: [{ object, properties }] });
            assert.equal(r.status, 201, JSON.stringify(r.body));
            return r.body;
        };
        state.contacts = await mk('Audit contacts', 'contacts', ['email', 'firstname']);
        state.deals = await mk('Audit deals', 'deals', ['dealname']);
        const t = await call(state.admin, 'POST', '/api/v1/tokens', { name: 'Audit token', expiresInDays: 7 });
        assert.equal(t.status, 201, JSON.stringify(t.body));
        state.token = t.body;
        const feed = await odata(`${state.contacts.odataUrl}contacts?$top=2`, state.token.token);
        assert.equal(feed.status, 200, JSON.stringify(feed.body).slice(0, 300));
        // the rest are service documents: cheap, and each one is a feed request in the log
        for (let i = 1; i < FEED_REQUESTS; i++) assert.equal((await odata(state.contacts.odataUrl, state.token.token)).status, 200);
        assert.equal((await odata(`${state.deals.odataUrl}deals?$top=1`, state.token.token)).status, 200);
        // the log is written in batches, a moment later
        const n = await eventually(() => {
            const c = Number(sql(`SELECT count(*) FROM audit_log WHERE event = 'feed.request' AND token_id = ${state.token.id}`));
            return c >= FEED_REQUESTS + 1 ? c : 0;
        });
        assert.equal(n, FEED_REQUESTS + 1, 'every feed request is in the log');

        page = await newPage();
        state.adminPage = page;
        await page.goto(launchUrl(ADMIN_USER));
        await page.locator('#topbar').waitFor();
    });

    test('the Audit log tab shows the newest events with readable summaries', async () => {
        await page.getByRole('link', { name: 'Audit log' }).click();
        await page.locator('#audit-table').waitFor();
        assert.match(page.url(), /#\/audit$/);
        assert.equal(await page.title(), 'Audit log · Power BI connector');
        const rows = await tableRows(page);
        const events = new Set(rows.map((r) => r.event));
        for (const e of ['datasource.created', 'token.minted', 'feed.request']) assert.ok(events.has(e), `a ${e} row: ${[...events]}`);
        for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].seq > rows[i].seq, 'newest first');

        // the feed request with rows: entity set, status and outcome, rows, time; the token as the actor
        const feed = page.locator('#audit-table tr[data-event="feed.request"]', { hasText: 'contacts ·' });
        await feed.first().waitFor();
        assert.match((await feed.locator('.audit-summary').textContent()).trim(), /^contacts · 200 complete · 2 rows · \d+(\.\d)? m?s$/);
        assert.match(await feed.locator('.audit-actor').textContent(), new RegExp(`Token #${state.token.id}`));
        assert.match(await feed.locator('.audit-actor').textContent(), /of user1@/);
        assert.equal((await feed.locator('.audit-ds').textContent()).trim(), 'Audit contacts');
        // local time shown, the UTC time in the tooltip
        const time = feed.locator('time');
        assert.match(await time.getAttribute('datetime'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
        assert.match(await time.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? UTC$/);

        const created = page.locator(`#audit-table tr[data-event="datasource.created"][data-ds="${state.contacts.id}"]`);
        assert.match(await created.locator('.audit-summary').textContent(), /“Audit contacts” · contacts/);
        assert.match(await created.locator('.audit-actor').textContent(), /user1@.*\(you\)/);
        const minted = page.locator('#audit-table tr[data-event="token.minted"]', { hasText: 'Audit token' });
        assert.match(await minted.locator('.audit-summary').textContent(), /“Audit token” · hsod_\S*… · expires /);
        await assertLabelled(page, 'the Audit page');
        await tallShot(page, '08-audit');
    });

    test('Details shows the whole event, its detail as JSON', async () => {
        const feed = page.locator('#audit-table tr[data-event="feed.request"]', { hasText: 'contacts ·' }).first();
        const toggle = feed.getByRole('button', { name: /^Details/ });
        assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
        // by keyboard
        await toggle.focus();
        await page.keyboard.press('Enter');
        assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
        const detail = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
        await detail.waitFor();
        const json = JSON.parse(await detail.locator('pre').textContent());
        for (const k of ['route', 'entitySet', 'query', 'status', 'outcome', 'rows', 'bytes', 'hubspotCalls', 'ms', 'clientIp']) assert.ok(k in json, `detail has ${k}`);
        assert.equal(json.entitySet, 'contacts');
        assert.equal(json.outcome, 'complete');
        assert.match(await detail.textContent(), /UTC/);
        assert.match(await detail.textContent(), new RegExp(`token:${state.token.id}`));
        await assertAccessible(page, 'the Audit page with a detail open');
        await feed.evaluate((tr) => tr.previousElementSibling?.scrollIntoView({ block: 'start' }));
        await tallShot(page, '09-audit-detail');
        await page.evaluate(() => window.scrollTo(0, 0));
        await toggle.click();
        assert.ok(await detail.isHidden());
    });

    test('filtered by event type: all token events, then one event', async () => {
        await applyFilters(page, { event: 'token.*' });
        let rows = await tableRows(page);
        assert.ok(rows.length >= 1);
        assert.deepEqual(rows.filter((r) => !r.event.startsWith('token.')), [], 'only token events');
        assert.ok(rows.some((r) => r.event === 'token.minted'));
        await applyFilters(page, { event: 'datasource.created' });
        rows = await tableRows(page);
        assert.ok(rows.length >= 2);
        assert.ok(rows.every((r) => r.event === 'datasource.created'));
    });

    test('filtered by data source', async () => {
        await applyFilters(page, { event: '', ds: String(state.deals.id) });
        const rows = await tableRows(page);
        assert.ok(rows.length >= 2, 'created and a feed request');
        assert.ok(rows.every((r) => r.ds === String(state.deals.id)), JSON.stringify(rows));
        assert.ok(rows.some((r) => r.event === 'feed.request'));
        assert.ok(rows.some((r) => r.event === 'datasource.created'));
    });

    test('Load more pages through the events, newest first, none twice', async () => {
        await applyFilters(page, { event: 'feed.request', ds: String(state.contacts.id), limit: 25 });
        let rows = await tableRows(page);
        assert.equal(rows.length, 25);
        assert.match(await page.locator('#audit-status').textContent(), /newest 25 events; there are more/);
        await page.getByRole('button', { name: 'Load more' }).click();
        await page.waitForFunction((n) => document.querySelectorAll('#audit-table tbody tr[data-seq]').length > n, 25);
        rows = await tableRows(page);
        assert.equal(rows.length, FEED_REQUESTS);
        assert.equal(new Set(rows.map((r) => r.seq)).size, rows.length, 'no event twice');
        for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].seq > rows[i].seq, 'newest first');
        assert.equal(await page.locator('#audit-more').count(), 0, 'nothing more to load');
        assert.match(await page.locator('#audit-status').textContent(), new RegExp(`all ${FEED_REQUESTS} events`));
        // the focus went to the first new row, not lost with the button
        assert.equal(await page.evaluate(() => document.activeElement.closest('tr')?.dataset.event), 'feed.request');
    });

    test('Export CSV downloads what the filters match: the header line, then the rows, newest first', async () => {
        await applyFilters(page, { event: 'token.*', ds: '', limit: 100 });
        const shown = await tableRows(page);
        const { filename, text } = await exportCsv(page);
        assert.equal(filename, `audit-${PORTAL}.csv`);
        const csv = parseCsv(text);
        assert.equal(csv[0].join(','), CSV_HEADER);
        const rows = csv.slice(1).filter((r) => r.length > 1);
        assert.ok(rows.length >= 1);
        assert.deepEqual(rows.filter((r) => !r[2].startsWith('token.')), [], 'only token events');
        assert.deepEqual(rows.map((r) => Number(r[0])), shown.map((r) => r.seq), 'the same events as the table');
        const minted = rows.find((r) => r[2] === 'token.minted' && r[6] === String(state.token.id));
        assert.ok(minted, 'the token minted');
        assert.equal(JSON.parse(minted[7]).name, 'Audit token');
        assert.match(await page.locator('.audit-export-note').textContent(), /is downloading/);
    });

    test('an empty result says so; the API’s error message is shown as it is', async () => {
        await applyFilters(page, { event: '', from: '2001-01-01T00:00', to: '2001-01-02T00:00' });
        await page.locator('#audit-empty').waitFor();
        assert.match(await page.locator('#audit-empty').textContent(), /No events match these filters/);
        await page.locator('#audit-empty').getByRole('button', { name: 'Clear filters' }).click();
        await page.locator('#audit-table').waitFor();
        assert.equal(await page.locator('#audit-filters').getByLabel('From').inputValue(), '');
        // a refusal of the API (answered here by the browser): its message in an alert with Retry
        await page.route('**/api/v1/audit?*', (r) => r.fulfill({
            status: 400, contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'InvalidParameter', message: 'from must be before to' } }),
        }), { times: 1 });
        await applyFilters(page, {});
        const alert = page.locator('#audit-results .alert');
        assert.match(await alert.textContent(), /The audit log could not be read.*From must be before to\./);
        await alert.getByRole('button', { name: 'Retry' }).click();
        await page.locator('#audit-table').waitFor();
        assert.deepEqual(page.errors, [], 'no script errors');
    });

    test('the Audit page passes axe', async () => {
        await applyFilters(page, { event: '', limit: 25 });
        await assertAccessible(page, 'the Audit page');
    });
});

describe('a member', () => {
    test('has no Audit log tab, reads no audit log in the UI, and the API answers 403', async () => {
        const page = await newPage();
        await page.goto(launchUrl(MEMBER_USER));
        await page.locator('#topbar').waitFor();
        assert.equal((await page.locator('#who .role').textContent()).trim(), 'Member');
        assert.equal(await page.locator('#topbar a[href="#/audit"]').count(), 0, 'no Audit log tab');
        await page.goto(`${GW}/app/#/audit`);
        await page.getByText('Only portal admins can read the audit log.').waitFor();
        assert.equal(await page.locator('#audit-table').count(), 0);
        await page.context().close();

        const member = await apiSession(MEMBER_USER);
        const r = await call(member, 'GET', '/api/v1/audit');
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.equal(r.body.error.code, 'Forbidden');
        assert.equal((await call(member, 'GET', '/api/v1/audit/export')).status, 403);
    });
});

describe('support staff', () => {
    let page;
    before(() => {
        // the account, with its TOTP secret printed once
        const out = execFileSync(process.env.BT_GATEWAYCTL, ['staff', 'add', '--login', STAFF_LOGIN], { input: `${STAFF_PASSWORD}\n` }).toString();
        const m = /secret=([A-Z2-7]+)/i.exec(out) || /\b([A-Z2-7]{16,})\b/.exec(out);
        assert.ok(m, `gatewayctl staff add prints the secret: ${out}`);
        assert.match(out, /otpauth:\/\/totp\//);
        state.staffSecret = m[1];
    });
    after(async () => {
        await page?.context().close();
    });

    test('the sign-in screen: labelled fields, a one-time-code field, axe', async () => {
        page = await newPage();
        await page.goto(`${GW}/staff/`);
        await page.locator('#login-form').waitFor();
        assert.match(await page.title(), /Sign in/);
        const code = page.getByLabel('Code', { exact: true });
        assert.equal(await code.getAttribute('autocomplete'), 'one-time-code');
        assert.equal(await code.getAttribute('inputmode'), 'numeric');
        assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('type'), 'password');
        assert.equal(await page.getByLabel('Login', { exact: true }).getAttribute('autocomplete'), 'username');
        assert.ok(await page.locator('#who').isHidden());
        await assertLabelled(page, 'the staff sign-in');
        await assertAccessible(page, 'the staff sign-in');
        await shot(page, '10-staff-login');
    });

    test('a wrong code fails: the error is shown and there is no session', async () => {
        // none of the codes the gateway takes now (this 30-second step's and the ones next to it)
        const taken = new Set([totp(-30), totp(), totp(30)]);
        let wrong = '123456';
        while (taken.has(wrong)) wrong = String((Number(wrong) + 1) % 1000000).padStart(6, '0');
        await staffSignIn(page, wrong);
        const error = page.locator('#login-error .alert');
        await error.waitFor();
        assert.match(await error.textContent(), /You are not signed in/);
        assert.ok(await page.locator('#login-form').isVisible());
        assert.ok(await page.locator('#who').isHidden());
        assert.equal(await page.getByLabel('Code', { exact: true }).inputValue(), '', 'the code is cleared');
        assert.equal(await page.locator('#portals-table').count(), 0);
        await assertAccessible(page, 'the staff sign-in with an error');
    });

    test('the right code signs in; the same code again right after fails (codes are single-use)', async () => {
        const code = totp();
        await staffSignIn(page, code);
        await page.locator('#portals-table').waitFor();
        assert.equal((await page.locator('#who .staff-login').textContent()).trim(), STAFF_LOGIN);
        assert.match(page.url(), /#\/portals$/);
        // the token stays in the page's memory
        const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
        assert.equal(stored, '{}{}');

        const other = await newPage();
        await staffSignIn(other, code);
        await other.locator('#login-error .alert').waitFor();
        assert.equal(await other.locator('#portals-table').count(), 0, 'no session with a spent code');
        await other.context().close();
    });

    test('the portal picker finds the portal by id or domain', async () => {
        const search = page.getByLabel('Find a portal');
        const row = page.locator(`#portals-table tr[data-portal="${PORTAL}"]`);
        assert.ok(await row.isVisible());
        assert.match(await row.textContent(), /Installed/);
        await search.fill('no such portal');
        assert.ok(await row.isHidden());
        assert.match(await page.locator('#portal-count').textContent(), /^0 of \d+ portals match$/);
        await search.fill(PORTAL.slice(0, 4));
        assert.ok(await row.isVisible());
        await assertAccessible(page, 'the staff portal picker');
        await shot(page, '11-staff-portals');
        await row.getByRole('link', { name: PORTAL }).click();
        await page.locator('#audit-table').waitFor();
        assert.match(page.url(), new RegExp(`#/portals/${PORTAL}$`));
    });

    test('the portal’s events, with the note that reads are recorded', async () => {
        assert.equal((await page.locator('h1').textContent()).trim(), `Portal ${PORTAL}`);
        assert.match(await page.locator('#staff-read-note').textContent(), /Your reads are recorded in the portal’s audit log/);
        const rows = await tableRows(page);
        const events = new Set(rows.map((r) => r.event));
        for (const e of ['datasource.created', 'token.minted', 'feed.request']) assert.ok(events.has(e), `a ${e} row`);
        // no directory for staff: people by id
        assert.match(await page.locator('#audit-table tr[data-event="datasource.created"] .audit-actor').first().textContent(), /User \d+/);
        await assertLabelled(page, 'the staff audit log');
        await assertAccessible(page, 'the staff audit log');
        await tallShot(page, '12-staff-audit');
    });

    test('filters: event type, data source and user ids; an id that is not a number is refused here', async () => {
        await applyFilters(page, { event: 'token.*' });
        let rows = await tableRows(page);
        assert.ok(rows.length >= 1 && rows.every((r) => r.event.startsWith('token.')));
        await applyFilters(page, { event: 'feed.request', ds: String(state.deals.id) });
        rows = await tableRows(page);
        assert.equal(rows.length, 1);
        assert.equal(rows[0].ds, String(state.deals.id));
        await applyFilters(page, { event: 'datasource.*', ds: '', user: ADMIN_USER });
        rows = await tableRows(page);
        assert.ok(rows.length >= 2 && rows.every((r) => r.event.startsWith('datasource.')));
        await page.getByLabel('Data source id').fill('abc');
        await page.getByRole('button', { name: 'Show events' }).click();
        assert.equal(await page.getByLabel('Data source id').getAttribute('aria-invalid'), 'true');
        assert.match(await page.locator('.audit-form-error').textContent(), /A data source id is a number/);
        await page.getByLabel('Data source id').fill('');
    });

    test('Export CSV for the portal and the filters', async () => {
        await applyFilters(page, { event: 'token.*', user: '', ds: '' });
        const shown = await tableRows(page);
        const { filename, text } = await exportCsv(page);
        assert.equal(filename, `audit-${PORTAL}.csv`);
        const csv = parseCsv(text);
        assert.equal(csv[0].join(','), CSV_HEADER);
        const rows = csv.slice(1).filter((r) => r.length > 1);
        assert.deepEqual(rows.filter((r) => !r[2].startsWith('token.')), []);
        assert.deepEqual(rows.map((r) => Number(r[0])), shown.map((r) => r.seq));
    });

    test('the staff reads are in the portal’s log: audit.read_by_staff by staff:support1, on the admin’s Audit page too', async () => {
        const found = await eventually(async () => {
            const r = await call(state.admin, 'GET', '/api/v1/audit?event=audit.read_by_staff&limit=500');
            return r.status === 200 && r.body.value.some((e) => e.actor === `staff:${STAFF_LOGIN}`) ? r.body.value : null;
        });
        assert.ok(found, 'an audit.read_by_staff event by the staff account');
        const admin = state.adminPage;
        await applyFilters(admin, { event: 'audit.read_by_staff', ds: '', limit: 25, from: '', to: '' });
        const row = admin.locator('#audit-table tr[data-event="audit.read_by_staff"]').first();
        assert.match(await row.locator('.audit-actor').textContent(), new RegExp(`Support staff ${STAFF_LOGIN}`));
        assert.match(await row.locator('.audit-event').textContent(), /Read by support staff/);
        // what was read: the export of the token events, in the staff member's words of the filters
        const exported = admin.locator('#audit-table tr[data-event="audit.read_by_staff"]', { hasText: 'Exported as CSV' }).first();
        assert.match(await exported.locator('.audit-summary').textContent(), /^Exported as CSV · events token\.\*$/);
        // and staff see their own reads in the portal's log
        await applyFilters(page, { event: 'audit.*' });
        assert.ok((await tableRows(page)).some((r) => r.event === 'audit.read_by_staff'));
    });

    test('a session the gateway ended brings back the sign-in', async () => {
        await page.route('**/staff/api/portals/*/audit?*', (r) => r.fulfill({
            status: 401, contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'Unauthorized', message: 'the session has ended: sign in again' } }),
        }), { times: 1 });
        await page.getByRole('button', { name: 'Show events' }).click();
        await page.locator('#login-form').waitFor();
        assert.match(await page.locator('#login-error').textContent(), /The session has ended: sign in again\./);
        assert.ok(await page.locator('#who').isHidden());
    });

    test('Sign out ends the session', async () => {
        // the code of the next 30-second step: the gateway takes it now, and this step's is spent
        await staffSignIn(page, totp(30));
        // back where the session ended
        await page.locator('#audit-table').waitFor();
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.locator('#login-form').waitFor();
        assert.match(await page.locator('#login-error').textContent(), /You are signed out/);
        assert.deepEqual(page.errors, [], 'no script errors');
    });
});
