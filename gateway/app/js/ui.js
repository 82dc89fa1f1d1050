// Pieces every screen uses: messages, loading states, dates, names of users and teams.
import { h, fill } from './dom.js';
import { get } from './api.js';

const announcer = () => document.getElementById('announcer');

/** Says `text` to screen readers (the polite live region). */
export function announce(text) {
    const el = announcer();
    el.textContent = '';
    // a new text node after a tick, so the same message twice is read twice
    setTimeout(() => {
        el.textContent = text;
    }, 50);
}

/** An error box with the API's message and, when `retry` is given, a Retry button. */
export function errorAlert(err, retry, title = 'Something went wrong') {
    const box = h(
        'div',
        { class: 'alert', role: 'alert' },
        h('div', {}, h('p', { class: 'alert-title' }, title), h('p', { class: 'error-message' }, messageOf(err))),
        retry ? h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, 'Retry') : null,
    );
    return box;
}

/** The message of an error as a sentence (the API's messages start in lower case and have no full stop). */
export function messageOf(err) {
    const m = err && typeof err.message === 'string' ? err.message.trim() : '';
    if (!m) return 'An unexpected error happened.';
    // "the filter ..." becomes "The filter ...", but a leading identifier ("expiresInDays must ...") stays as it is
    const first = m.split(' ')[0];
    const s = /^[a-z]+[,:;]?$/.test(first) ? m[0].toUpperCase() + m.slice(1) : m;
    return /[.!?)]$/.test(s) ? s : `${s}.`;
}

export function loading(text = 'Loading…') {
    return h('div', { class: 'loading', role: 'status' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('span', {}, text));
}

/** A success note at the top of a view; it says itself to screen readers too. */
export function notice(text) {
    announce(text);
    return h('div', { class: 'alert alert-success' }, h('p', {}, text));
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

export function fmtDate(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** A <time> element with the day shown and the exact moment in its title. */
export function timeEl(iso, empty = '—') {
    if (!iso) return h('span', { class: 'muted' }, empty);
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return h('span', {}, iso);
    return h('time', { datetime: iso, title: dateTimeFmt.format(d) }, dateFmt.format(d));
}

/** The page's heading block; the heading takes the focus after a navigation. */
export function pageHead(title, lead, ...actions) {
    return h(
        'div',
        { class: 'page-head' },
        h('div', {}, h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null),
        actions.length ? h('div', { class: 'actions' }, actions) : null,
    );
}

// ---- the portal's directory, read once per session ----

const cache = new Map();

function cached(key, load) {
    if (!cache.has(key)) {
        const p = load();
        cache.set(key, p);
        p.catch(() => cache.delete(key)); // a failure is not kept: the next use asks again
    }
    return cache.get(key);
}

export function forget(key) {
    cache.delete(key);
}

const loadObjectsDoc = () => cached('objects', () => get('/objects'));
export const loadObjects = () => loadObjectsDoc().then((d) => d.value);
/** Whether the app may read the portal's custom objects (false when installed without those scopes). */
export const customObjectsReadable = () => loadObjectsDoc().then((d) => d.customObjectsReadable !== false);
export const loadProperties = (name) => cached(`props:${name}`, () => get(`/objects/${encodeURIComponent(name)}/properties`).then((d) => d.value));
export const loadUsers = () => cached('users', () => get('/users').then((d) => d.value));
export const loadTeams = () => cached('teams', () => get('/teams').then((d) => d.value));

/** The directory when it can be read, else empty lists (names then fall back to ids). */
export async function directory() {
    const [users, teams] = await Promise.all([loadUsers().catch(() => []), loadTeams().catch(() => [])]);
    return { users, teams };
}

export function userLabel(id, users, me) {
    if (me && String(id) === String(me.userId)) return 'You';
    const u = users.find((x) => String(x.id) === String(id));
    return u ? u.email : `User ${id}`;
}

export function teamLabel(id, teams) {
    const t = teams.find((x) => String(x.id) === String(id));
    return t ? t.name : `Team ${id}`;
}

export { h, fill };
