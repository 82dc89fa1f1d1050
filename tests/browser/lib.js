// What the browser tests share: the gateway and portal that tests/browser/run.sh set up (BT_*), launch
// links, the database, OData requests, screenshots, and the accessibility checks (axe-core, labels, Tab).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const GW = process.env.BT_GATEWAY_URL;
export const PORTAL = process.env.BT_PORTAL;
export const SHOTS = process.env.BT_ARTIFACTS;
export const ADMIN_USER = '1'; // a super admin in the simulator
export const MEMBER_USER = '3'; // not a super admin; primary team 101
export const MEMBER_TEAM = '101';
export const VIEW = { width: 900, height: 650 }; // HubSpot's iframe modal
// axe-core, pinned by package-lock.json, audits each main screen
const AXE = readFileSync(new URL('./node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']; // WCAG 2.1 A and AA; wcag2aa has color-contrast

for (const k of ['BT_GATEWAY_URL', 'BT_PORTAL', 'BT_ARTIFACTS', 'BT_CHROMIUM', 'BT_GATEWAYCTL']) {
    if (!process.env[k]) throw new Error(`${k} is not set: run this test through tests/browser/run.sh`);
}

/** A one-time launch link for a user of the portal (the shared one unless told), as HubSpot's app card would get it. */
export function launchUrl(user, portal = PORTAL) {
    const out = execFileSync(process.env.BT_GATEWAYCTL, ['launch', '--portal', String(portal), '--user', user, '--public-url', GW]).toString().trim();
    assert.match(out, /\/app\/#launch=[A-Za-z0-9_-]+$/, 'gatewayctl launch prints a launch URL');
    return out;
}

/** An admin API session for a user, as the UI gets one from its launch link; resolves with its token. */
export async function apiSession(user, portal = PORTAL) {
    const code = /#launch=([A-Za-z0-9_-]+)$/.exec(launchUrl(user, portal))[1];
    const res = await fetch(`${GW}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ launchCode: code }) });
    const doc = await res.json();
    assert.equal(res.status, 200, JSON.stringify(doc));
    return doc.token;
}

/** An admin API call with a session token; the body parsed as JSON when it is JSON. */
export async function call(token, method, path, body) {
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
    return { status: res.status, body: doc };
}

/**
 * Installs another portal, `hubId`, for a test of its own: a refresh token of its own from the simulator's
 * OAuth flow (the approval, then the code traded), stored with gatewayctl. Revoking it, as an uninstall does,
 * leaves the shared portal's grant alone, which the other test files and the other tests on the simulator use.
 * Resolves with the refresh token.
 */
export async function installPortal(hubId, installedBy = ADMIN_USER) {
    const sim = process.env.BT_SIM_URL;
    const client = { client_id: process.env.BT_SIM_CLIENT_ID, client_secret: process.env.BT_SIM_CLIENT_SECRET };
    assert.ok(sim && client.client_id && client.client_secret, 'BT_SIM_URL, BT_SIM_CLIENT_ID and BT_SIM_CLIENT_SECRET are set by run.sh');
    const redirect = 'http://127.0.0.1:9/oauth/callback'; // never followed: the code is read from the redirect
    const approved = await fetch(`${sim}/oauth/authorize`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: client.client_id, redirect_uri: redirect, scope: 'oauth', action: 'approve' }),
        redirect: 'manual',
    });
    assert.equal(approved.status, 302, 'the simulator approves the install');
    const code = new URL(approved.headers.get('location')).searchParams.get('code');
    const res = await fetch(`${sim}/oauth/v1/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', ...client, redirect_uri: redirect, code }),
    });
    const doc = await res.json();
    assert.equal(res.status, 200, JSON.stringify(doc));
    execFileSync(process.env.BT_GATEWAYCTL, ['portal', 'add', '--hub-id', String(hubId), '--refresh-token', '-', '--installed-by', installedBy], {
        input: doc.refresh_token,
        stdio: ['pipe', 'ignore', 'inherit'],
    });
    return doc.refresh_token;
}

export function sql(query) {
    return execFileSync('psql', ['-h', process.env.BT_PSQL_HOST, '-U', 'gateway', '-d', process.env.BT_DB, '-tAqc', query]).toString().trim();
}

/** An OData request with a personal access token as Power BI's Basic password. */
export async function odata(url, token) {
    const res = await fetch(url, { headers: { Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` } });
    const text = await res.text();
    let body = null;
    try {
        body = JSON.parse(text);
    } catch {
        body = text;
    }
    return { status: res.status, body };
}

export async function shot(page, name, opts = {}) {
    await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true, ...opts });
}

/** Every visible form control has a label and every button a name. */
export async function assertLabelled(page, where) {
    const problems = await page.evaluate(() => {
        const bad = [];
        const visible = (el) => el.offsetParent !== null || el.getClientRects().length > 0;
        for (const el of document.querySelectorAll('main input, main select, main textarea')) {
            if (!visible(el) || el.type === 'hidden') continue;
            const named = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            if (!named) bad.push(`${el.tagName.toLowerCase()}[name=${el.name || ''}] has no label`);
        }
        for (const el of document.querySelectorAll('button, a[href]')) {
            if (!visible(el)) continue;
            const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
            if (!name) bad.push(`${el.tagName.toLowerCase()} without a name`);
        }
        return bad;
    });
    assert.deepEqual(problems, [], `${where}: unlabelled controls`);
}

/** axe-core finds no WCAG 2.1 A/AA violation (contrast included) on the page as it is now. */
export async function assertAccessible(page, where) {
    if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
        // the UI's CSP (script-src 'self') refuses inline scripts, so axe comes as a script of the gateway's
        // origin, answered by the browser itself: the page keeps its CSP while it is audited
        const url = `${GW}/app/__axe__/axe.min.js`;
        if (!page.axeRouted) {
            await page.route(url, (r) => r.fulfill({ contentType: 'text/javascript', body: AXE }));
            page.axeRouted = true;
        }
        await page.addScriptTag({ url });
    }
    const violations = await page.evaluate((values) => window.axe.run(document, { runOnly: { type: 'tag', values } }).then((r) => r.violations), AXE_TAGS);
    const report = violations.map((v) => [
        `${v.id} (${v.impact}): ${v.help}`,
        ...v.nodes.map((n) => `    ${n.target.join(' ')}${n.failureSummary ? ` -- ${n.failureSummary.replace(/\s*\n\s*/g, ' ')}` : ''}`),
    ].join('\n'));
    assert.equal(violations.length, 0, `${where}: axe-core found ${violations.length} accessibility violation(s):\n${report.join('\n')}`);
}

/** Presses Tab (or Shift+Tab) until `matches(activeElement)` holds, at most `max` times; false if it never does. */
export async function tabTo(page, matches, { back = false, max = 15 } = {}) {
    for (let i = 0; i < max; i++) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        if (await page.evaluate(matches)) return true;
    }
    return false;
}

/** Headless Chromium (Debian's), as every test file starts it. */
export function launchBrowser() {
    return chromium.launch({
        executablePath: process.env.BT_CHROMIUM,
        // the test's HubSpot pages come from request interception, with no address: Chromium's local network
        // checks would refuse their frames of the gateway on 127.0.0.1 before its CSP is even read
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-features=LocalNetworkAccessChecks'],
    });
}

/** A page in a fresh context at HubSpot's modal size; page.errors collects script errors and CSP refusals. */
export async function openPage(browser) {
    const context = await browser.newContext({ viewport: VIEW, locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    page.setDefaultTimeout(20000);
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e.message));
    // anything the Content-Security-Policy blocks is a bug of the UI
    page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) page.errors.push(m.text());
    });
    return page;
}
