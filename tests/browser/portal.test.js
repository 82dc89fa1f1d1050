// The uninstall from the UI: the admins' Portal page (the portal id, what it holds, the danger zone with the
// typed confirmation), a member's lack of it, a HubSpot failure that removes nothing, the uninstall and its
// last screen. It runs on a portal of its own, installed here with a refresh token of its own from the
// simulator, so that revoking that grant leaves the shared portal of ui.test.js and audit.test.js (and the
// simulator's other users) alone, in whichever order the files run.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
    GW, PORTAL, ADMIN_USER, MEMBER_USER, launchUrl, apiSession, call, installPortal, sql, odata, shot, assertLabelled, assertAccessible,
    tabTo, launchBrowser, openPage,
} from './lib.js';

const HUB = String(Number(PORTAL) + 500); // this test's portal: never the shared one
const state = {}; // the portal's refresh token, sessions, data source and tokens; the admin's page

let browser;

before(async () => {
    browser = await launchBrowser();
    state.refreshToken = await installPortal(HUB, ADMIN_USER);
    // what the uninstall removes: a data source shared with the member, a token of each, their sessions
    state.admin = await apiSession(ADMIN_USER, HUB);
    state.member = await apiSession(MEMBER_USER, HUB);
    const ds = await call(state.admin, 'POST', '/api/v1/datasources', { name: 'Uninstall contacts', objects: [{ object: 'contacts', properties: ['email'] }] });
    assert.equal(ds.status, 201, JSON.stringify(ds.body));
    state.source = ds.body;
    const shared = await call(state.admin, 'PUT', `/api/v1/datasources/${ds.body.id}/shares`, { shares: [{ kind: 'user', id: Number(MEMBER_USER) }] });
    assert.equal(shared.status, 200, JSON.stringify(shared.body));
    for (const [who, name] of [[state.admin, 'Admin refresh'], [state.member, 'Member refresh']]) {
        const t = await call(who, 'POST', '/api/v1/tokens', { name, expiresInDays: 7 });
        assert.equal(t.status, 201, JSON.stringify(t.body));
        if (who === state.admin) state.token = t.body.token;
    }
    const feed = await odata(`${state.source.odataUrl}contacts?$top=1`, state.token);
    assert.equal(feed.status, 200, JSON.stringify(feed.body).slice(0, 300));
});

after(async () => {
    await browser?.close();
});

const newPage = () => openPage(browser);

/** The portal's rows in the tables the uninstall empties. */
function rowsOf(hub) {
    const n = (q) => Number(sql(q));
    return {
        data_sources: n(`SELECT count(*) FROM data_sources WHERE portal_id = ${hub}`),
        data_source_shares: n(`SELECT count(*) FROM data_source_shares WHERE portal_id = ${hub}`),
        access_tokens: n(`SELECT count(*) FROM access_tokens WHERE portal_id = ${hub}`),
        sessions: n(`SELECT count(*) FROM sessions WHERE portal_id = ${hub}`),
        portals: n(`SELECT count(*) FROM portals WHERE id = ${hub}`),
    };
}

/** Every request the page makes to the admin API from now on, as "METHOD /path". */
function watchApi(page) {
    const seen = [];
    page.on('request', (r) => {
        const path = new URL(r.url()).pathname;
        if (path.startsWith('/api/')) seen.push(`${r.method()} ${path}`);
    });
    return seen;
}

/** The calls from the uninstall on: it is the page's last. */
function fromUninstall(seen) {
    const i = seen.indexOf('DELETE /api/v1/portal');
    return i < 0 ? [] : seen.slice(i);
}

async function adminPortalPage() {
    const page = await newPage();
    await page.goto(launchUrl(ADMIN_USER, HUB));
    await page.locator('#topbar').waitFor();
    await page.getByRole('link', { name: 'Portal', exact: true }).click();
    await page.locator('#uninstall-form').waitFor();
    await page.waitForFunction(() => !document.querySelector('#main section[aria-busy]'));
    return page;
}

describe('a member', () => {
    test('has no Portal tab; the Portal page says it is for admins; the API answers 403', async () => {
        const page = await newPage();
        await page.goto(launchUrl(MEMBER_USER, HUB));
        await page.locator('#topbar').waitFor();
        assert.equal((await page.locator('#who .role').textContent()).trim(), 'Member');
        assert.equal(await page.locator('#topbar a[href="#/portal"]').count(), 0, 'no Portal tab');
        await page.goto(`${GW}/app/#/portal`);
        await page.getByText('Only portal admins can see this page and uninstall the app.').waitFor();
        assert.equal(await page.locator('#uninstall-form, #danger-zone').count(), 0);
        assert.equal(await page.title(), 'Portal · Power BI connector');
        await assertAccessible(page, 'the member’s Portal page');
        await shot(page, '25-member-portal');
        assert.deepEqual(page.errors, [], 'no script errors');
        await page.context().close();

        const r = await call(state.member, 'DELETE', '/api/v1/portal', { confirmPortalId: Number(HUB) });
        assert.equal(r.status, 403, JSON.stringify(r.body));
        assert.equal(rowsOf(HUB).portals, 1, 'the portal is still installed');
    });
});

describe('an admin’s Portal page', () => {
    let page;
    before(async () => {
        page = await adminPortalPage();
        state.page = page;
    });

    test('the Portal tab: the portal id, what it holds, and the danger zone; axe', async () => {
        assert.match(page.url(), /#\/portal$/);
        assert.equal(await page.title(), 'Portal · Power BI connector');
        assert.equal(await page.locator('#topbar a[aria-current=page]').textContent(), 'Portal');
        assert.equal((await page.locator('#portal-hub-id').textContent()).trim(), HUB);
        assert.equal((await page.locator('#portal-sources').textContent()).trim(), '1');
        assert.equal((await page.locator('#portal-tokens').textContent()).trim(), '2 (2 active)');
        const zone = page.locator('#danger-zone');
        assert.equal((await zone.locator('h2').textContent()).trim(), 'Danger zone');
        assert.equal((await zone.locator('h3').textContent()).trim(), 'Uninstall the app from this HubSpot portal');
        const text = await zone.textContent();
        for (const said of [/authorisation in HubSpot is revoked/, /Every data source, share, access token and session of the portal is deleted/,
            /Power BI refreshes stop at once.*401/, /audit log is kept until its retention ends/, /Installing the app again starts from nothing/]) {
            assert.match(text, said);
        }
        assert.ok(await page.locator('#uninstall').isDisabled(), 'the button waits for the id');
        await assertLabelled(page, 'the Portal page');
        await assertAccessible(page, 'the Portal page');
        await shot(page, '20-portal');
    });

    test('a wrong id keeps the button disabled; the right id, typed, enables it', async () => {
        const field = page.getByLabel(`To confirm, type the portal id (${HUB})`);
        for (const wrong of [PORTAL, HUB.slice(0, -1), `${HUB}0`, 'portal']) {
            await field.fill(wrong);
            assert.ok(await page.locator('#uninstall').isDisabled(), `disabled for ${wrong}`);
        }
        await field.fill('');
        await field.pressSequentially(HUB);
        assert.ok(await page.locator('#uninstall').isEnabled());
        const rows = rowsOf(HUB);
        assert.deepEqual([rows.data_sources, rows.data_source_shares, rows.access_tokens, rows.portals], [1, 1, 2, 1], 'nothing removed yet');
    });

    test('HubSpot failing to revoke: the API’s message, nothing removed, the page kept for a retry', async () => {
        const before = rowsOf(HUB);
        // HubSpot's failure, as the gateway reports it (answered by the browser: the simulator does not fail)
        await page.route('**/api/v1/portal', (r) => r.fulfill({
            status: 502, contentType: 'application/json',
            body: JSON.stringify({ error: { code: 'HubSpotError', message: 'HubSpot answered 503; nothing was removed: try again' } }),
        }), { times: 1 });
        // by keyboard, from the field to the button
        assert.ok(await tabTo(page, () => document.activeElement?.id === 'uninstall'), 'Tab reaches the Uninstall button');
        await page.keyboard.press('Enter');
        const alert = page.locator('#uninstall-error .alert');
        await alert.waitFor();
        assert.equal(await alert.getAttribute('role'), 'alert');
        assert.match(await alert.textContent(), /The app was not uninstalled.*HubSpot answered 503; nothing was removed: try again\./);
        assert.ok(await page.locator('#uninstall-form').isVisible(), 'the form stays');
        assert.ok(await page.locator('#uninstall').isEnabled(), 'the button works again');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'uninstall', 'the focus is where a retry starts');
        assert.ok(await page.locator('#topbar').isVisible());
        assert.deepEqual(rowsOf(HUB), before, 'nothing was removed');
        await assertAccessible(page, 'the Portal page with an error');
        await shot(page, '21-portal-hubspot-error');
    });

    test('an answer that HubSpot was not asked to revoke is said so on the last screen', async () => {
        // another admin page, answered by the browser: a grant that could not be opened is removed here only
        const other = await adminPortalPage();
        const seen = watchApi(other);
        await other.route('**/api/v1/portal', (r) => r.fulfill({
            status: 200, contentType: 'application/json',
            body: JSON.stringify({ portalId: Number(HUB), revokedAtHubSpot: false, removed: { access_tokens: 1, data_source_shares: 0, data_sources: 3, launch_codes: 0, portal_admins: 1, portal_users: 2, sessions: 1, signed_requests: 0, portals: 1 } }),
        }), { times: 1 });
        await other.getByLabel(`To confirm, type the portal id (${HUB})`).fill(HUB);
        await other.locator('#uninstall').click();
        await other.locator('#uninstalled').waitFor();
        assert.equal(await other.locator('#revocation').getAttribute('data-revoked'), 'false');
        assert.match(await other.locator('#revocation').textContent(), /could not be opened.*removed here only/);
        const items = await other.locator('#removed li').allTextContents();
        assert.deepEqual(items, ['3 data sources', '0 shares', '1 access token', '1 session', '2 users the connector knew', '1 admin named in the connector', '1 installation']);
        await assertAccessible(other, 'the last screen, not revoked at HubSpot');
        await shot(other, '24-uninstalled-not-revoked');
        assert.deepEqual(fromUninstall(seen), ['DELETE /api/v1/portal'], 'the uninstall is the last call');
        await other.context().close();
        assert.equal(rowsOf(HUB).portals, 1, 'the portal is still installed');
    });

    test('the admin uninstalls: the last screen says what was removed and that HubSpot revoked the grant', async () => {
        const before = rowsOf(HUB);
        assert.ok(before.sessions >= 3, `the portal's sessions: ${before.sessions}`);
        const seen = watchApi(page);
        await page.locator('#uninstall').focus();
        await page.keyboard.press('Enter');
        const done = page.locator('#uninstalled');
        await done.waitFor();
        assert.equal(await page.title(), 'The app is uninstalled · Power BI connector');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'uninstalled-title', 'the focus is on the result');
        assert.ok(await page.locator('#topbar').isHidden(), 'no navigation left');
        assert.match(await done.textContent(), new RegExp(`removed from HubSpot portal ${HUB}`));
        assert.equal(await page.locator('#revocation').getAttribute('data-revoked'), 'true');
        assert.match(await page.locator('#revocation').textContent(), /HubSpot confirmed that the connector’s authorisation is revoked/);
        const said = (kind) => page.locator(`#removed li[data-kind=${kind}]`).textContent();
        assert.equal(await said('data_sources'), '1 data source');
        assert.equal(await said('data_source_shares'), '1 share');
        assert.equal(await said('access_tokens'), '2 access tokens');
        assert.equal(await said('sessions'), `${before.sessions} sessions`);
        assert.equal(await said('portals'), '1 installation');
        await assertAccessible(page, 'the last screen');
        await shot(page, '23-uninstalled');
        assert.deepEqual(fromUninstall(seen), ['DELETE /api/v1/portal'], 'the uninstall is the last call');

        // the page does not try to go on: no call at any address
        for (const hash of ['#/sources', '#/tokens', '#/portal']) await page.evaluate((h) => { location.hash = h; }, hash);
        await page.waitForTimeout(500);
        assert.ok(await done.isVisible(), 'the last screen stays');
        assert.deepEqual(fromUninstall(seen), ['DELETE /api/v1/portal'], 'no call after the uninstall');
        assert.deepEqual(page.errors, [], 'no script errors');
    });

    test('the portal’s data sources, shares, tokens and sessions are gone; its token gets 401; the shared portal is untouched', async () => {
        assert.deepEqual(rowsOf(HUB), { data_sources: 0, data_source_shares: 0, access_tokens: 0, sessions: 0, portals: 0 });
        const list = execFileSync(process.env.BT_GATEWAYCTL, ['portal', 'list']).toString();
        assert.doesNotMatch(list, new RegExp(`\\b${HUB}\\b`), 'gatewayctl portal list no longer has it');
        assert.match(list, new RegExp(`\\b${PORTAL}\\b`), 'the shared portal is still installed');
        let status = 0;
        for (let i = 0; i < 50; i++) {
            ({ status } = await odata(`${state.source.odataUrl}contacts?$top=1`, state.token));
            if (status === 401) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 401, 'a Power BI refresh with the portal’s token');
        for (const s of [state.admin, state.member]) {
            const me = await call(s, 'GET', '/api/v1/me');
            assert.equal(me.status, 401, JSON.stringify(me.body));
            assert.equal(me.body.error.code, 'SessionInvalid');
        }
        // HubSpot (the simulator) no longer knows the portal's grant
        assert.equal((await fetch(`${process.env.BT_SIM_URL}/oauth/v1/refresh-tokens/${state.refreshToken}`)).status, 404);
        // while the shared portal's grant still reads HubSpot (its directory of users)
        const users = await call(await apiSession(ADMIN_USER), 'GET', '/api/v1/users');
        assert.equal(users.status, 200, JSON.stringify(users.body));
        // the audit log is kept, and records the uninstall and who made it
        assert.equal(sql(`SELECT actor || ' ' || (detail->'removed'->>'data_sources') FROM audit_log WHERE portal_id = ${HUB} AND event = 'portal.uninstalled'`), `user:${ADMIN_USER} 1`);
        await state.page.context().close();
    });
});
