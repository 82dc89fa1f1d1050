// Start-up and navigation. The page is opened as /app/#launch=<code>: the code is read, taken out of the
// address bar at once, and traded for a session (POST /api/v1/session) that lives in memory only.
import { h, fill } from './dom.js';
import { post, setSession, onSessionEnded } from './api.js';
import { announce, messageOf, directory } from './ui.js';
import { renderSourceList } from './views/sources.js';
import { renderSourceEditor } from './views/source-edit.js';
import { renderSourceDetail } from './views/source-detail.js';
import { renderTokens } from './views/tokens.js';
import { renderAudit } from './views/audit.js';
import { renderPortal } from './views/portal.js';

const main = document.getElementById('main');
const topbar = document.getElementById('topbar');
let me = null;
let ended = false;
let flash = null; // a message for the next screen ("Data source saved")

// the skip link moves the focus to the content; followed as a link, its "#main" would be taken for a route
document.querySelector('.skip-link').addEventListener('click', (ev) => {
    ev.preventDefault();
    main.focus();
});

/** Shows the screen that asks the user to open the app again from HubSpot; the session is gone. */
function showReopen(detail) {
    ended = true;
    setSession(null);
    topbar.hidden = true;
    document.title = 'Open the app again from HubSpot · Power BI connector';
    const heading = h('h1', { tabindex: '-1' }, 'Open the app again from HubSpot');
    fill(
        main,
        h(
            'section',
            { class: 'screen card', id: 'reopen', 'aria-labelledby': 'reopen-title' },
            h('img', { src: 'logo.svg', alt: '', width: 48, height: 48 }),
            Object.assign(heading, { id: 'reopen-title' }),
            detail ? h('p', { class: 'error-message' }, detail) : null,
            h(
                'p',
                { class: 'muted' },
                'For your security, this page opens only from the connector’s card in HubSpot: each launch link works once, ' +
                    'for one minute, and a session ends after a while. Close this window and choose “Open Power BI connector” on the card again.',
            ),
        ),
    );
    heading.focus();
}

/**
 * Ends the page on `screen` (a section with an h1): the session is gone with the portal's rows after an
 * uninstall, so the token is dropped and nothing calls the API again, whatever the address becomes.
 */
function showFinal(screen) {
    ended = true;
    setSession(null);
    window.removeEventListener('hashchange', render);
    topbar.hidden = true;
    fill(main, screen);
    const heading = screen.querySelector('h1');
    document.title = `${heading.textContent} · Power BI connector`;
    window.scrollTo(0, 0);
    heading.focus();
}

function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    const parts = hash.split('/').filter(Boolean);
    if (parts[0] === 'tokens') return { section: 'tokens', view: renderTokens, params: {} };
    if (parts[0] === 'audit') return { section: 'audit', view: renderAudit, params: {} };
    if (parts[0] === 'portal') return { section: 'portal', view: renderPortal, params: {} };
    if (parts[0] === 'sources' && parts[1] === 'new') return { section: 'sources', view: renderSourceEditor, params: {} };
    if (parts[0] === 'sources' && /^\d+$/.test(parts[1] || '')) {
        if (parts[2] === 'edit') return { section: 'sources', view: renderSourceEditor, params: { id: parts[1] } };
        return { section: 'sources', view: renderSourceDetail, params: { id: parts[1] } };
    }
    return { section: 'sources', view: renderSourceList, params: {} };
}

export function navigate(path, message) {
    flash = message || null;
    if (location.hash === `#${path}`) render();
    else location.hash = path;
}

function render() {
    if (ended || !me) return;
    const r = route();
    for (const a of topbar.querySelectorAll('.tabs a')) {
        if (a.dataset.section === r.section) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
    }
    const view = h('div', { class: 'view' });
    fill(main, view);
    const ctx = {
        me,
        navigate,
        flash,
        // the view's heading takes the focus and names the page, so a screen reader hears where it is
        titled(title) {
            document.title = `${title} · Power BI connector`;
            const h1 = view.querySelector('h1');
            if (h1 && document.activeElement !== h1 && !view.contains(document.activeElement)) h1.focus({ preventScroll: true });
        },
        alive: () => view.isConnected,
        end: showFinal,
    };
    flash = null;
    window.scrollTo(0, 0);
    r.view(view, r.params, ctx).catch((err) => {
        if (!ended && view.isConnected) fill(view, h('div', { class: 'alert', role: 'alert' }, h('p', {}, messageOf(err))));
    });
}

function showWho() {
    const who = document.getElementById('who');
    fill(
        who,
        h('span', { class: 'who-portal' }, 'Portal ', h('strong', { class: 'portal-id' }, String(me.portalId))),
        h('span', { class: 'who-sep', 'aria-hidden': 'true' }, '·'),
        h('span', { class: 'user-name' }, `User ${me.userId}`),
        h('span', { class: me.role === 'admin' ? 'badge badge-admin role' : 'badge badge-neutral role' }, me.role === 'admin' ? 'Admin' : 'Member'),
    );
}

async function start() {
    onSessionEnded((err) => showReopen(messageOf(err)));
    const m = /(?:^#|&)launch=([^&]*)/.exec(location.hash);
    const code = m ? decodeURIComponent(m[1]) : '';
    // the code is spent on first use: keep it out of the address bar, the history and any bookmark
    history.replaceState(null, '', `${location.pathname}${location.search}#/sources`);
    if (!code) {
        showReopen('This page was opened without a launch link.');
        return;
    }
    let s;
    try {
        s = await post('/session', { launchCode: code });
    } catch (err) {
        if (err.status === 401 || err.status === 400) {
            showReopen(messageOf(err));
            return;
        }
        fill(
            main,
            h(
                'section',
                { class: 'screen card', role: 'alert' },
                h('h1', {}, 'The connector could not start'),
                h('p', { class: 'error-message' }, messageOf(err)),
                h('p', { class: 'muted' }, 'Close this window and open the app again from HubSpot.'),
            ),
        );
        return;
    }
    setSession(s.token);
    // nothing else keeps the token: the session ends with the page
    me = { portalId: s.portalId, userId: s.userId, role: s.role, teamIds: s.teamIds || [] };
    showWho();
    // the user's e-mail address, once the portal's directory is read (the screens use it too)
    directory().then(({ users }) => {
        const u = users.find((x) => String(x.id) === String(me.userId));
        if (!u) return;
        const el = document.querySelector('#who .user-name');
        el.textContent = u.email;
        el.title = u.email;
    });
    // the audit log and the portal (its uninstall) are for the portal's admins: members get no tabs for them
    if (me.role === 'admin') {
        topbar.querySelector('.tabs').append(
            h('a', { href: '#/audit', 'data-section': 'audit' }, 'Audit log'),
            h('a', { href: '#/portal', 'data-section': 'portal' }, 'Portal'),
        );
    }
    topbar.hidden = false;
    announce(`Signed in to portal ${me.portalId} as ${me.role}.`);
    window.addEventListener('hashchange', render);
    // the current section's tab reloads it
    for (const a of topbar.querySelectorAll('.tabs a')) {
        a.addEventListener('click', (ev) => {
            if (location.hash === a.getAttribute('href')) {
                ev.preventDefault();
                render();
            }
        });
    }
    render();
}

start();
