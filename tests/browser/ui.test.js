// The connector's UI, end to end: headless Chromium against a real gateway, PostgreSQL and the HubSpot
// simulator (tests/browser/run.sh sets them up and passes their addresses in BT_*).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
    GW, PORTAL, ADMIN_USER, MEMBER_USER, MEMBER_TEAM, launchUrl, sql, odata, shot, assertLabelled, assertAccessible, tabTo,
    launchBrowser, openPage,
} from './lib.js';

let browser;
const state = {}; // what later steps need: the data source, the token, the admin's page

before(async () => {
    browser = await launchBrowser();
});

after(async () => {
    await browser?.close();
});

const newPage = () => openPage(browser);

describe('the gateway serves the UI', () => {
    test('headers: types, entity tags, no-cache, nosniff, no referrer, a CSP that HubSpot may frame', async () => {
        const res = await fetch(`${GW}/app/`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^text\/html/);
        assert.equal(res.headers.get('cache-control'), 'no-cache');
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        const csp = res.headers.get('content-security-policy');
        for (const part of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'none'"]) {
            assert.ok(csp.includes(part), `CSP has ${part}: ${csp}`);
        }
        assert.match(csp, /frame-ancestors 'self' https:\/\/app\.hubspot\.com https:\/\/app-eu1\.hubspot\.com https:\/\/crm\.example\.com:8443 http:\/\/localhost:3000/);
        // gzip for clients that take it, with its own entity tag
        assert.equal(res.headers.get('content-encoding'), 'gzip');
        assert.match(res.headers.get('vary'), /accept-encoding/i);
        const etag = res.headers.get('etag');
        assert.match(etag, /^"[0-9a-f]+-gzip"$/);
        assert.match(await res.text(), /<script type="module" src="js\/main.js"><\/script>/);
        const again = await fetch(`${GW}/app/`, { headers: { 'If-None-Match': etag } });
        assert.equal(again.status, 304);
        const plain = await fetch(`${GW}/app/`, { headers: { 'Accept-Encoding': 'identity' } });
        assert.equal(plain.headers.get('content-encoding'), null);
        assert.equal(plain.headers.get('etag'), etag.replace('-gzip', ''));
        assert.equal((await fetch(`${GW}/app/`, { headers: { 'Accept-Encoding': 'identity', 'If-None-Match': `W/"x", ${plain.headers.get('etag')}` } })).status, 304);
        const js = await fetch(`${GW}/app/js/main.js`, { method: 'HEAD' });
        assert.equal(js.status, 200);
        assert.match(js.headers.get('content-type'), /^text\/javascript/);
        assert.ok(Number(js.headers.get('content-length')) > 0);
        const bare = await fetch(`${GW}/app`, { redirect: 'manual' });
        assert.equal(bare.status, 301);
        assert.equal(bare.headers.get('location'), '/app/');
        assert.equal((await fetch(`${GW}/app/no-such-file.js`)).status, 404);
        assert.equal((await fetch(`${GW}/app/`, { method: 'POST', body: '{}' })).status, 405);
    });

    test('--frame-ancestors takes https://host[:port] (and http:// loopback) origins; anything else stops the start-up', () => {
        // a master key that does not load: a list that passes stops there (status 1), a refused one before (status 2)
        const run = (list) => spawnSync(process.env.BT_GATEWAY_BIN, ['--master-key', 'not-a-key', '--frame-ancestors', list], { encoding: 'utf8' });
        for (const ok of ['https://crm.example.com', 'https://*.example.org:8443, http://localhost:3000', 'HTTPS://Upper.Example.COM/', 'http://127.0.0.1:8080 http://[::1]:9000', '']) {
            const r = run(ok);
            assert.equal(r.status, 1, `${ok}: ${r.stderr}`);
            assert.doesNotMatch(r.stderr, /frame-ancestors/);
        }
        for (const bad of ['javascript:alert(1)', 'ftp://files.example.com', 'https://*.com', 'https://example.com/path', 'http://example.com', 'https://example.com:99999', "https://x.example.com'; script-src *", 'https://a..b.com']) {
            const r = run(bad);
            assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
            assert.match(r.stderr, /--frame-ancestors: ".*" is not an origin/);
        }
    });
});

describe('launch links', () => {
    test('an invalid launch code shows "Open the app again from HubSpot"', async () => {
        const page = await newPage();
        await page.goto(`${GW}/app/#launch=not-a-valid-code`);
        await page.locator('#reopen').waitFor();
        assert.equal(await page.locator('#reopen h1').textContent(), 'Open the app again from HubSpot');
        assert.match(await page.locator('#reopen .error-message').textContent(), /launch link is not valid/);
        assert.ok(!page.url().includes('launch='), 'the code is taken out of the address bar');
        assert.ok(await page.locator('#topbar').isHidden());
        await assertAccessible(page, 'the launch error page');
        await shot(page, '05-error-open-again');
        await page.context().close();
    });

    test('a page opened without a code says the same', async () => {
        const page = await newPage();
        await page.goto(`${GW}/app/`);
        await page.locator('#reopen').waitFor();
        await page.context().close();
    });
});

describe('inside HubSpot’s iframe modal', () => {
    // the parent pages are served by the browser itself (request interception): only their origins matter
    const parentPage = (src) => `<!doctype html><title>HubSpot</title><iframe id="modal" title="Power BI connector" src="${src}" width="900" height="650"></iframe>`;

    test('a 900 x 650 frame of an allowed origin (--frame-ancestors) runs the UI', async () => {
        const page = await newPage();
        await page.setViewportSize({ width: 1000, height: 760 });
        const src = launchUrl(ADMIN_USER);
        await page.route('http://localhost:3000/**', (r) => r.fulfill({ contentType: 'text/html', body: parentPage(src) }));
        await page.goto('http://localhost:3000/contacts/123/record');
        const frame = page.frameLocator('#modal');
        await frame.locator('h1', { hasText: 'Data sources' }).waitFor();
        assert.equal((await frame.locator('#who .role').textContent()).trim(), 'Admin');
        assert.deepEqual(page.errors, []);
        await page.context().close();
    });

    test('a frame of any other origin is refused by the Content-Security-Policy', async () => {
        const page = await newPage();
        const src = `${GW}/app/#launch=unused`;
        await page.route('http://other.example/**', (r) => r.fulfill({ contentType: 'text/html', body: parentPage(src) }));
        await page.goto('http://other.example/');
        await page.waitForLoadState('load');
        const child = page.frames().find((f) => f !== page.mainFrame());
        assert.ok(child, 'the frame exists');
        for (let i = 0; i < 50 && !page.errors.some((e) => /frame-ancestors/.test(e)); i++) await page.waitForTimeout(100);
        assert.ok(page.errors.some((e) => /frame-ancestors/.test(e)), `refused by frame-ancestors: ${page.errors}`);
        assert.equal(await page.frameLocator('#modal').locator('#main').count(), 0, 'the UI did not load in the frame');
        await page.context().close();
    });
});

describe('an admin builds, shares and connects a data source', () => {
    let page;
    before(async () => {
        page = await newPage();
        state.adminPage = page;
        state.adminLaunch = launchUrl(ADMIN_USER);
    });

    test('the launch link opens a session: role and portal in the header, the code gone from the address bar', async () => {
        await page.goto(state.adminLaunch);
        await page.locator('#topbar').waitFor();
        assert.equal((await page.locator('#who .portal-id').textContent()).trim(), PORTAL);
        assert.equal((await page.locator('#who .role').textContent()).trim(), 'Admin');
        assert.ok(!page.url().includes('launch='), `address bar: ${page.url()}`);
        await page.locator('h1', { hasText: 'Data sources' }).waitFor();
        // the session token is kept in memory only
        const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
        assert.equal(stored, '{}{}');
    });

    test('the same launch link does not work twice', async () => {
        const other = await newPage();
        await other.goto(state.adminLaunch);
        await other.locator('#reopen').waitFor();
        assert.match(await other.locator('#reopen').textContent(), /Open the app again from HubSpot/);
        await other.context().close();
    });

    test('by keyboard only: the skip link, then Tab to "New data source" and Enter opens the editor', async () => {
        // after a navigation the view's heading has the focus
        assert.equal(await page.evaluate(() => document.activeElement.tagName + ' ' + document.activeElement.textContent), 'H1 Data sources');
        assert.ok(await tabTo(page, () => document.activeElement.classList.contains('skip-link'), { back: true, max: 5 }), 'Shift+Tab reaches the skip link');
        assert.ok(await page.locator('.skip-link').isVisible(), 'the skip link shows when focused');
        await page.keyboard.press('Enter');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'main', 'the skip link moves the focus to the content');
        assert.match(page.url(), /#\/sources$/, 'the skip link does not change the screen');
        assert.ok(await tabTo(page, () => document.activeElement.textContent.trim() === 'New data source', { max: 5 }), 'Tab reaches "New data source"');
        await page.keyboard.press('Enter');
        await page.locator('#source-form').waitFor();
        assert.match(page.url(), /#\/sources\/new$/);
    });

    test('the editor: objects, a property picker with search and groups, a filter the API rejects, then saved', async () => {
        await page.locator('#source-form').waitFor();
        await page.getByLabel('Name', { exact: true }).fill('Browser contacts');
        await page.check('input[data-object=contacts]');
        await page.check('input[data-object=companies]');
        const contacts = page.locator('section[data-object=contacts]');
        await contacts.getByLabel('Choose properties').check();
        await contacts.locator('input[data-prop=email]').waitFor();
        // grouped by HubSpot's groupName, with label, name and type
        assert.ok((await contacts.locator('.picker-group legend').count()) >= 1);
        assert.match(await contacts.locator('label.prop', { has: page.locator('input[data-prop=email]') }).textContent(), /email.*string/i);
        // search narrows the list; "select all shown" takes what is shown
        await contacts.locator('input[data-search=contacts]').fill('name');
        assert.ok(await contacts.locator('input[data-prop=email]').isHidden());
        await contacts.getByRole('button', { name: 'Select all shown' }).click();
        assert.ok(await contacts.locator('input[data-prop=firstname]').isChecked());
        assert.ok(await contacts.locator('input[data-prop=lastname]').isChecked());
        await contacts.getByRole('button', { name: 'Select none' }).click();
        assert.equal(await contacts.locator('input[data-prop]:checked').count(), 0);
        await contacts.locator('input[data-search=contacts]').fill('');
        for (const p of ['email', 'firstname', 'lastname']) await contacts.locator(`input[data-prop=${p}]`).check();
        assert.match(await contacts.locator('.count').textContent(), /^3 of \d+ selected$/);
        await contacts.locator('input[data-filter=contacts]').fill('no_such_property eq 1');
        await assertLabelled(page, 'the editor');
        await shot(page, '02-editor');

        await page.getByRole('button', { name: 'Create data source' }).click();
        await page.locator('#save-error').waitFor();
        assert.match(await page.locator('#save-error').textContent(), /no_such_property/);
        assert.match(await contacts.locator('.field-error:visible').textContent(), /filter of Contacts.*no_such_property/);
        assert.equal(await contacts.locator('input[data-filter=contacts]').getAttribute('aria-invalid'), 'true');
        // the editor at its fullest: objects, an open picker, a field error and the error at the top
        await assertAccessible(page, 'the editor');

        await contacts.locator('input[data-filter=contacts]').fill("contains(email,'@')");
        await page.getByRole('button', { name: 'Create data source' }).click();
        await page.locator('#sharing').waitFor();
        state.odataUrl = await page.locator('[data-odata-url]').inputValue();
        assert.match(state.odataUrl, /^http:\/\/.+\/odata\/\d+\/$/);
        state.sourceId = /\/odata\/(\d+)\/$/.exec(state.odataUrl)[1];
        assert.match(await page.locator('.alert-success').first().textContent(), /Data source created/);
        assert.ok(await page.locator('#edit-source').isVisible(), 'the owner gets Edit');
        assert.match(await page.locator('main').textContent(), /Basic/);
        assert.match(await page.locator('main').textContent(), /OData feed/);
    });

    test('sharing: with a user and a team from the pickers, then removing and adding back', async () => {
        const sharing = page.locator('#sharing');
        await sharing.locator('[data-picker=share-user]').selectOption(MEMBER_USER);
        await sharing.locator('form[data-form=share-user] button').click();
        await sharing.locator(`#share-list li[data-kind=user][data-id="${MEMBER_USER}"]`).waitFor();
        await sharing.locator('[data-picker=share-team]').selectOption(MEMBER_TEAM);
        await sharing.locator('form[data-form=share-team] button').click();
        await sharing.locator(`#share-list li[data-kind=team][data-id="${MEMBER_TEAM}"]`).waitFor();
        assert.match(await sharing.locator(`#share-list li[data-kind=team]`).textContent(), /Team 1/);
        // the API holds the same list
        const shares = JSON.parse(sql(`SELECT json_agg(principal_kind || ':' || principal_id ORDER BY principal_kind) FROM data_source_shares WHERE data_source_id = ${state.sourceId}`));
        assert.deepEqual(shares, [`team:${MEMBER_TEAM}`, `user:${MEMBER_USER}`]);
        await sharing.locator(`#share-list li[data-kind=team] button`).click();
        await page.waitForFunction(() => !document.querySelector('#share-list li[data-kind=team]'));
        await sharing.locator('[data-picker=share-team]').selectOption(MEMBER_TEAM);
        await sharing.locator('form[data-form=share-team] button').click();
        await sharing.locator(`#share-list li[data-kind=team][data-id="${MEMBER_TEAM}"]`).waitFor();
        await assertLabelled(page, 'the detail page');
        await assertAccessible(page, 'the detail page with sharing');
        await shot(page, '03-detail-sharing');
    });

    test('the list shows the data source as shared and editable', async () => {
        await page.getByRole('link', { name: 'Data sources', exact: true }).first().click();
        const row = page.locator(`#sources-table tr[data-id="${state.sourceId}"]`);
        await row.waitFor();
        const text = await row.textContent();
        assert.match(text, /Browser contacts/);
        assert.match(text, /Contacts, Companies/);
        assert.match(text, /Shared \(2\)/);
        assert.match(text, /Can edit/);
        await assertAccessible(page, 'the data source list');
        await shot(page, '01-list');
    });

    test('a token minted in the UI is shown once, then only its prefix', async () => {
        await page.getByRole('link', { name: 'Access tokens' }).click();
        await page.locator('#mint-form').waitFor();
        // by keyboard: type the name, Enter submits
        await page.getByLabel('Name', { exact: true }).fill('Browser token');
        await page.getByLabel('Expires in (days)').fill('7');
        await page.getByLabel('Name', { exact: true }).press('Enter');
        const field = page.locator('[data-new-token]');
        await field.waitFor();
        state.token = await field.inputValue();
        assert.match(state.token, /^hsod_/);
        assert.match(await page.locator('#token-once').textContent(), /will not be shown again/);
        await assertLabelled(page, 'the tokens page');
        await page.locator(`#tokens-table tr[data-state=active]`).first().waitFor();
        await assertAccessible(page, 'the tokens page with a new token');
        await shot(page, '04-tokens-new-token', { mask: [field], maskColor: '#213343' });
        await page.getByRole('button', { name: 'Done, I have copied it' }).click();
        await field.waitFor({ state: 'detached' });
        const row = page.locator('#tokens-table tbody tr', { hasText: 'Browser token' });
        const prefix = (await row.locator('.token-prefix').textContent()).replace(/…$/, '');
        assert.ok(prefix.length >= 5 && prefix.length < state.token.length && state.token.startsWith(prefix), `prefix ${prefix}`);
        assert.ok(!(await page.content()).includes(state.token), 'the token text is gone from the page');
        assert.match(await row.textContent(), /Active/);
        assert.match(await row.textContent(), /Never/);
    });

    test('the token reads the data source over OData (Basic, any user name)', async () => {
        const svc = await odata(state.odataUrl, state.token);
        assert.equal(svc.status, 200, JSON.stringify(svc.body));
        const sets = svc.body.value.map((s) => s.name);
        assert.ok(sets.includes('contacts'), `entity sets: ${sets}`);
        const feed = await odata(`${state.odataUrl}contacts?$top=3`, state.token);
        assert.equal(feed.status, 200, JSON.stringify(feed.body).slice(0, 300));
        assert.equal(feed.body.value.length, 3);
        for (const row of feed.body.value) {
            for (const k of Object.keys(row)) assert.ok(['id', 'email', 'firstname', 'lastname'].includes(k), `column ${k}`);
        }
    });

    test('revoked from the UI, the token gets 401 on the next OData request', async () => {
        const row = page.locator('#tokens-table tbody tr', { hasText: 'Browser token' });
        await row.getByRole('button', { name: /^Revoke/ }).click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        assert.match(await dialog.textContent(), /Revoke “Browser token”\?/);
        await dialog.getByRole('button', { name: 'Revoke token' }).click();
        await page.locator('#tokens-table tbody tr[data-state=revoked]', { hasText: 'Browser token' }).waitFor();
        let status = 0;
        for (let i = 0; i < 50; i++) {
            ({ status } = await odata(`${state.odataUrl}contacts?$top=3`, state.token));
            if (status === 401) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 401);
        assert.deepEqual(page.errors, [], 'no script errors');
    });
});

describe('a member', () => {
    let page;
    let skip = false;
    before(async () => {
        page = await newPage();
        await page.goto(launchUrl(MEMBER_USER));
        await page.locator('#topbar').waitFor();
        // the sharing API is what this part needs
        const probe = await page.evaluate(async () => (await fetch('../api/v1/datasources')).status);
        skip = probe === 404;
    });
    after(async () => {
        await page?.context().close();
    });

    test('sees the data source shared with them, without Edit', async (t) => {
        if (skip) return t.skip('GET /api/v1/datasources is not in this gateway');
        assert.equal((await page.locator('#who .role').textContent()).trim(), 'Member');
        const row = page.locator(`#sources-table tr[data-id="${state.sourceId}"]`);
        await row.waitFor();
        assert.match(await row.textContent(), /View only/);
        await assertAccessible(page, 'the member’s list of data sources');
        await row.getByRole('link').click();
        await page.locator('#sharing').waitFor();
        assert.equal(await page.locator('#edit-source').count(), 0, 'no Edit for a member');
        assert.equal(await page.locator('#delete-source').count(), 0, 'no Delete for a member');
        assert.equal(await page.locator('#sharing [data-picker]').count(), 0, 'sharing is read-only');
        assert.ok(await page.locator('#view-only').isVisible());
        assert.equal(await page.locator('[data-odata-url]').inputValue(), state.odataUrl);
        await assertAccessible(page, 'the member’s view of the data source');
        await shot(page, '06-member-detail');
        await page.goto(`${GW}/app/#/sources/${state.sourceId}/edit`);
        await page.getByText('Only the owner of this data source or a portal admin can change it.').waitFor();
        assert.equal(await page.locator('#source-form').count(), 0);
        assert.deepEqual(page.errors, [], 'no script errors');
    });
});

describe('an admin edits, transfers and deletes the data source', () => {
    test('Edit: renamed, an object removed, saved', async () => {
        const page = state.adminPage;
        await page.goto(`${GW}/app/#/sources/${state.sourceId}`);
        await page.locator('#edit-source').click();
        await page.locator('#source-form').waitFor();
        const name = page.getByLabel('Name', { exact: true });
        assert.equal(await name.inputValue(), 'Browser contacts');
        // the picker opens on the data source's own choices
        await page.locator('section[data-object=contacts] input[data-prop=email]').waitFor();
        assert.equal(await page.locator('section[data-object=contacts] input[data-prop]:checked').count(), 3);
        await name.fill('Browser contacts, renamed');
        await page.uncheck('input[data-object=companies]');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.locator('#sharing').waitFor();
        assert.equal((await page.locator('h1').textContent()).trim(), 'Browser contacts, renamed');
        assert.match(await page.locator('.alert-success').first().textContent(), /Data source saved/);
        assert.equal(await page.locator('section[aria-labelledby=objects-h] tbody tr').count(), 1);
    });

    test('ownership goes to another user after a confirmation; the previous owner keeps a share', async () => {
        const page = state.adminPage;
        await page.locator('[data-picker=transfer-owner]').selectOption('2');
        await page.locator('form[data-form=transfer-owner] button').click();
        const dialog = page.getByRole('dialog');
        await dialog.waitFor();
        await dialog.getByRole('button', { name: 'Transfer ownership' }).click();
        await page.getByText('now owns this data source').waitFor();
        assert.match(await page.locator('.meta .owner').textContent(), /user2@/);
        await page.locator(`#share-list li[data-kind=user][data-id="${ADMIN_USER}"]`).waitFor();
        assert.ok(await page.locator('#edit-source').isVisible(), 'an admin still gets Edit');
    });

    test('Delete asks first; cancelling keeps it, confirming removes it and its feed', async () => {
        const page = state.adminPage;
        await page.locator('#delete-source').click();
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
        assert.ok(await page.locator('#sharing').isVisible());
        await page.locator('#delete-source').click();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete data source' }).click();
        await page.locator('h1', { hasText: 'Data sources' }).waitFor();
        assert.match(await page.locator('.alert-success').first().textContent(), /deleted/);
        assert.equal(await page.locator(`#sources-table tr[data-id="${state.sourceId}"]`).count(), 0);
        assert.equal(sql(`SELECT count(*) FROM data_sources WHERE id = ${state.sourceId}`), '0');
        assert.deepEqual(page.errors, [], 'no script errors');
    });
});

describe('the end of a session', () => {
    test('a 401 SessionInvalid later shows "Open the app again from HubSpot"', async () => {
        const page = state.adminPage;
        sql('DELETE FROM sessions');
        await page.getByRole('link', { name: 'Data sources', exact: true }).first().click();
        await page.locator('#reopen').waitFor();
        assert.match(await page.locator('#reopen').textContent(), /session has ended/i);
        assert.ok(await page.locator('#topbar').isHidden());
        await shot(page, '07-session-ended');
        await page.context().close();
    });
});
