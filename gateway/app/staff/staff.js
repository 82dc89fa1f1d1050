// The support staff's page (/staff/): sign in with a login, a password and a one-time code, pick a portal,
// read its audit log. The session token lives in this page's memory only; every read is recorded in the
// portal's own audit log (audit.read_by_staff).
import { h, fill, uid } from '../app/js/dom.js';
import { createClient } from '../app/js/api.js';
import { announce, errorAlert, loading, messageOf, pageHead } from '../app/js/ui.js';
import { renderAuditLog } from '../app/js/audit-log.js';

const main = document.getElementById('main');
const who = document.getElementById('who');
const client = createClient({
    base: 'api',
    // a session that is missing or over; a failed sign-in (LoginFailed) is no session to end
    endsSession: (err) => err.status === 401 && err.code !== 'LoginFailed',
});
let session = null; // {login, expiry timer}
let portals = null; // the list, read once per session
let wanted = null; // the address asked for before signing in

document.querySelector('.skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
});

const numberFmt = new Intl.NumberFormat();
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

function titled(view, title) {
    document.title = `${title} · Support · Power BI connector`;
    const h1 = view.querySelector('h1');
    if (h1 && !view.contains(document.activeElement)) h1.focus({ preventScroll: true });
}

function route() {
    const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
    if (parts[0] === 'portals' && /^\d{1,19}$/.test(parts[1] || '')) return { view: renderPortal, id: parts[1] };
    return { view: renderPortals };
}

function endSession(message, info = false) {
    if (session && session.timer) clearTimeout(session.timer);
    session = null;
    portals = null;
    client.setSession(null);
    who.hidden = true;
    fill(who);
    showLogin(message, info);
}

// ---- signing in ----

function showLogin(message, info = false) {
    wanted = location.hash && location.hash !== '#/' ? location.hash : null;
    document.title = 'Sign in · Support · Power BI connector';
    const ids = { login: uid('login'), password: uid('password'), code: uid('code') };
    const errorBox = h('div', { id: 'login-error' });
    if (message) fill(errorBox, info ? h('div', { class: 'alert alert-info', role: 'status' }, h('p', {}, message)) : errorAlert({ message }, null, 'Sign in again'));
    const login = h('input', {
        type: 'text', id: ids.login, name: 'login', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: 64,
    });
    const password = h('input', { type: 'password', id: ids.password, name: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
    const code = h('input', {
        type: 'text', id: ids.code, name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6,
        required: true, spellcheck: 'false', 'aria-describedby': `${ids.code}-hint`,
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'login-submit' }, 'Sign in');
    const heading = h('h1', { id: 'login-title', tabindex: '-1' }, 'Support sign-in');
    const form = h(
        'form',
        { id: 'login-form', novalidate: true, 'aria-labelledby': 'login-title' },
        h('div', { class: 'field' }, h('label', { for: ids.login }, 'Login'), login),
        h('div', { class: 'field' }, h('label', { for: ids.password }, 'Password'), password),
        h(
            'div',
            { class: 'field' },
            h('label', { for: ids.code }, 'Code'),
            code,
            h('p', { class: 'hint', id: `${ids.code}-hint` }, 'The 6-digit code your authenticator app shows now. Each code works once.'),
        ),
        submit,
    );
    fill(
        main,
        h(
            'section',
            { class: 'screen card login-card', id: 'login' },
            h('img', { src: '../app/logo.svg', alt: '', width: 40, height: 40 }),
            heading,
            h('p', { class: 'muted' }, 'For the connector’s support staff. What you read here is recorded in each portal’s audit log.'),
            errorBox,
            form,
        ),
    );
    heading.focus();

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        for (const c of [login, password, code]) c.removeAttribute('aria-invalid');
        fill(errorBox);
        const v = { login: login.value.trim(), password: password.value, code: code.value.replace(/\s+/g, '') };
        const missing = !v.login ? login : !v.password ? password : !/^\d{6}$/.test(v.code) ? code : null;
        if (missing) {
            missing.setAttribute('aria-invalid', 'true');
            const what = missing === login ? 'Type your login.' : missing === password ? 'Type your password.' : 'The code is the 6 digits your authenticator app shows.';
            fill(errorBox, errorAlert({ message: what }, null, 'You are not signed in'));
            missing.focus();
            return;
        }
        submit.disabled = true;
        submit.textContent = 'Signing in…';
        let s;
        try {
            s = await client.post('/login', v);
        } catch (err) {
            submit.disabled = false;
            submit.textContent = 'Sign in';
            fill(errorBox, errorAlert(err, null, err.code === 'Busy' ? 'Try again in a moment' : 'You are not signed in'));
            // a code is spent or out of date by now: a new one is needed whatever went wrong
            code.value = '';
            (err.code === 'LoginFailed' ? code : submit).focus();
            return;
        }
        password.value = '';
        code.value = '';
        startSession(s);
    });
}

function startSession(s) {
    client.setSession(s.token);
    session = { login: s.login };
    // the gateway ends the session then; the page says so at once rather than at the next click
    if (Number.isFinite(s.expiresIn) && s.expiresIn > 0) {
        session.timer = setTimeout(() => endSession('Your session has ended. Sign in again.'), s.expiresIn * 1000);
    }
    const out = h('button', { type: 'button', class: 'btn btn-small', id: 'sign-out' }, 'Sign out');
    out.addEventListener('click', signOut);
    fill(who, h('span', {}, 'Signed in as ', h('strong', { class: 'staff-login' }, s.login)), out);
    who.hidden = false;
    announce(`Signed in as ${s.login}.`);
    const to = wanted || '#/portals';
    wanted = null;
    if (location.hash === to) render();
    else location.hash = to;
}

async function signOut() {
    try {
        await client.post('/logout');
    } catch {
        // the session is dropped here whatever the gateway says
    }
    history.replaceState(null, '', `${location.pathname}${location.search}#/portals`);
    endSession('You are signed out.', true);
}

// ---- the screens ----

function render() {
    if (!session) return;
    const r = route();
    const view = h('div', { class: 'view' });
    fill(main, view);
    window.scrollTo(0, 0);
    r.view(view, r).catch((err) => {
        if (session && view.isConnected) fill(view, errorAlert(err, render));
    });
}

async function loadPortals() {
    if (!portals) portals = client.get('/portals').then((d) => d.value);
    try {
        return await portals;
    } catch (err) {
        portals = null;
        throw err;
    }
}

async function renderPortals(view) {
    const head = pageHead('Portals', 'Pick a portal to read its audit log.');
    const body = h('div', { 'aria-busy': 'true' }, loading('Loading portals…'));
    fill(view, head, body);
    titled(view, 'Portals');
    let list;
    try {
        list = await loadPortals();
    } catch (err) {
        if (!view.isConnected || !session) return;
        body.removeAttribute('aria-busy');
        fill(body, errorAlert(err, render, 'The portals could not be loaded'));
        return;
    }
    if (!view.isConnected) return;
    body.removeAttribute('aria-busy');
    if (list.length === 0) {
        fill(body, h('div', { class: 'card empty' }, h('h2', {}, 'No portals yet'), h('p', { class: 'muted' }, 'A portal appears here once it installs the app.')));
        return;
    }
    const searchId = uid('portal-search');
    const search = h('input', { type: 'search', id: searchId, name: 'q', autocomplete: 'off', spellcheck: 'false', placeholder: 'Portal id or domain', 'aria-controls': 'portals-table' });
    const count = h('p', { class: 'muted small', id: 'portal-count', role: 'status' });
    const tbody = h('tbody', {});
    const rows = list.map((p) => {
        const tr = h(
            'tr',
            { 'data-portal': String(p.portalId) },
            h('td', {}, h('a', { class: 'row-title', href: `#/portals/${p.portalId}` }, String(p.portalId))),
            h('td', {}, p.hubDomain || h('span', { class: 'muted' }, 'Unknown')),
            h('td', {}, p.installed ? h('span', { class: 'badge badge-success' }, 'Installed') : h('span', { class: 'badge badge-neutral' }, 'Uninstalled')),
            h('td', { class: 'nowrap num' }, numberFmt.format(p.events || 0)),
            h('td', { class: 'nowrap' }, p.lastEventAt ? h('time', { datetime: p.lastEventAt, title: p.lastEventAt }, dateTimeFmt.format(new Date(p.lastEventAt))) : h('span', { class: 'muted' }, 'Never')),
        );
        tr.searchText = `${p.portalId} ${p.hubDomain || ''}`.toLowerCase();
        return tr;
    });
    tbody.append(...rows);
    const filter = () => {
        const q = search.value.trim().toLowerCase();
        let n = 0;
        for (const tr of rows) {
            tr.hidden = q !== '' && !tr.searchText.includes(q);
            if (!tr.hidden) n += 1;
        }
        count.textContent = q === '' ? `${list.length === 1 ? '1 portal' : `${numberFmt.format(list.length)} portals`}` : `${numberFmt.format(n)} of ${numberFmt.format(list.length)} portals match`;
    };
    search.addEventListener('input', filter);
    filter();
    fill(
        body,
        h('div', { class: 'field portal-search' }, h('label', { for: searchId }, 'Find a portal'), search),
        count,
        h(
            'div',
            { class: 'card table-card table-wrap' },
            h(
                'table',
                { id: 'portals-table' },
                h('caption', { class: 'visually-hidden' }, 'Portals'),
                h('thead', {}, h('tr', {}, ['Portal', 'Domain', 'App', 'Events', 'Last event'].map((t) => h('th', { scope: 'col' }, t)))),
                tbody,
            ),
        ),
    );
}

async function renderPortal(view, r) {
    const crumb = h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/portals' }, 'Portals'));
    const body = h('div', {});
    let portal = null;
    try {
        portal = (await loadPortals()).find((p) => String(p.portalId) === r.id) || null;
    } catch {
        portal = null; // the log can be read without the list's domain
    }
    if (!view.isConnected) return;
    const head = pageHead(`Portal ${r.id}`, portal && portal.hubDomain ? portal.hubDomain : null);
    const note = h('p', { class: 'record-note', id: 'staff-read-note' }, 'Your reads are recorded in the portal’s audit log.');
    fill(view, crumb, head, note, body);
    titled(view, `Portal ${r.id}`);
    const alive = () => view.isConnected && session !== null;
    await renderAuditLog(body, {
        query: (p) => client.get(`/portals/${r.id}/audit?${p}`),
        exportCsv: (p) => client.download(`/portals/${r.id}/audit/export?${p}`, `audit-${r.id}.csv`),
        users: null,
        dataSources: null,
        me: null,
        alive,
    });
}

window.addEventListener('hashchange', render);
client.onSessionEnded((err) => endSession(messageOf(err)));
showLogin(null);
