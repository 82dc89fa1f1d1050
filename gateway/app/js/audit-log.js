// The audit log of one portal: filters, a table of events with their full details, "Load more" paging
// and a CSV export of everything the filters match. The portal admins' Audit page (views/audit.js) and
// the support staff's page (staff/staff.js) both show it; they differ in how they ask for a page and in
// what they know of the portal's users and data sources.
import { h, fill, uid } from './dom.js';
import { announce, errorAlert, loading } from './ui.js';

/** The events the gateway records, by group; a group's "all" entry is a prefix filter. */
export const EVENT_GROUPS = [
    { label: 'Feed requests', events: [['feed.request', 'Feed request']] },
    {
        label: 'Access tokens',
        all: ['token.*', 'All token events'],
        events: [
            ['token.minted', 'Token created'],
            ['token.first_used', 'Token first used'],
            ['token.refused', 'Token refused'],
            ['token.revoked', 'Token revoked'],
            ['token.expired', 'Token expired'],
        ],
    },
    {
        label: 'Data sources',
        all: ['datasource.*', 'All data source events'],
        events: [
            ['datasource.created', 'Data source created'],
            ['datasource.edited', 'Data source edited'],
            ['datasource.shared', 'Data source shared'],
            ['datasource.unshared', 'Data source unshared'],
            ['datasource.owner_transferred', 'Ownership transferred'],
            ['datasource.deleted', 'Data source deleted'],
        ],
    },
    {
        label: 'Portal',
        all: ['portal.*', 'All portal events'],
        events: [
            ['portal.installed', 'App installed'],
            ['portal.reinstalled', 'App installed again'],
            ['portal.uninstalled', 'App uninstalled'],
            ['portal.key_rotated', 'Encryption key rotated'],
            ['portal.needs_reauth', 'Needs a new install'],
        ],
    },
    {
        label: 'Admins',
        all: ['admin.*', 'All admin events'],
        events: [
            ['admin.granted', 'Admin granted'],
            ['admin.revoked', 'Admin revoked'],
            ['admin.role_changed', 'Super admin changed'],
        ],
    },
    {
        label: 'Audit log',
        all: ['audit.*', 'All audit log events'],
        events: [
            ['audit.retention_changed', 'Retention changed'],
            ['audit.read_by_staff', 'Read by support staff'],
        ],
    },
];

const EVENT_LABELS = new Map(EVENT_GROUPS.flatMap((g) => g.events));
const PAGE_SIZES = [25, 50, 100, 200, 500];
const DEFAULT_PAGE = 100;
const COLUMNS = 6;

const num = new Intl.NumberFormat();
const localTime = new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const dayFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export const eventLabel = (name) => EVENT_LABELS.get(name) || name;

const plural = (n, one, many) => `${num.format(n)} ${n === 1 ? one : many}`;

function duration(ms) {
    if (typeof ms !== 'number') return null;
    return ms < 1000 ? `${num.format(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "2026-11-24T02:30:00.123456Z" as "2026-11-24 02:30:00.123456 UTC". */
export function utcText(iso) {
    return typeof iso === 'string' ? iso.replace('T', ' ').replace(/Z$/, ' UTC') : '';
}

/** The local day over the local time of day; the UTC time in the tooltip. */
function timeCell(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return h('span', {}, String(iso));
    return h('time', { datetime: iso, title: utcText(iso) }, h('span', { class: 'day' }, dayFmt.format(d)), ' ', h('span', { class: 'clock' }, clockFmt.format(d)));
}

/** An e-mail address that may break after its "@" rather than at the hyphens of its domain. */
function breakable(text) {
    const at = typeof text === 'string' ? text.indexOf('@') : -1;
    return at > 0 ? [text.slice(0, at + 1), h('wbr'), text.slice(at + 1)] : text;
}

function day(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : dayFmt.format(d);
}

const quoted = (s) => (typeof s === 'string' && s !== '' ? `“${s}”` : null);
const join = (parts) => parts.filter((p) => p !== null && p !== undefined && p !== '').join(' · ');

/**
 * What the names of the portal's people and data sources are, as far as the page knows them: `users`
 * [{id, email}], `teams` [{id, name}], `dataSources` [{id, name}] (each may be null), `me` {userId}.
 */
function namer({ users, teams, dataSources, me }) {
    const find = (list, id) => (list || []).find((x) => String(x.id) === String(id));
    const user = (id) => {
        if (id === null || id === undefined) return null;
        const u = find(users, id);
        const name = u && u.email ? u.email : `User ${id}`;
        return me && String(me.userId) === String(id) ? `${name} (you)` : name;
    };
    const team = (id) => {
        const t = find(teams, id);
        return t && t.name ? t.name : `Team ${id}`;
    };
    const dataSourceName = (id) => {
        const s = find(dataSources, id);
        return s ? s.name : `data source #${id}`;
    };
    const dataSource = (e) => {
        if (e.dataSourceId === null || e.dataSourceId === undefined) return null;
        const s = find(dataSources, e.dataSourceId);
        if (s) return s.name;
        // a deleted data source lives on in its own events' details
        if (e.event.startsWith('datasource.') && e.detail && typeof e.detail.name === 'string') return e.detail.name;
        return `Data source #${e.dataSourceId}`;
    };
    const actor = (e) => {
        const a = String(e.actor || '');
        let m;
        if ((m = /^user:(\d+)$/.exec(a))) return { text: user(m[1]) };
        if ((m = /^token:(\d+)$/.exec(a))) return { text: `Token #${m[1]}`, sub: e.userId != null ? `of ${user(e.userId)}` : null };
        if ((m = /^staff:(.+)$/.exec(a))) return { text: `Support staff ${m[1]}` };
        if (a === 'operator') return { text: 'Operator', sub: 'gatewayctl' };
        if (a === 'system') return { text: 'System' };
        return { text: a };
    };
    return { user, team, dataSource, dataSourceName, actor };
}

/** A line that says what the event did, from its detail. */
export function summary(e, names) {
    const d = e.detail && typeof e.detail === 'object' ? e.detail : {};
    const who = (kind, id) => (kind === 'team' ? names.team(id) : names.user(id));
    switch (e.event) {
    case 'feed.request': {
        const what = d.entitySet || (d.route === 'metadata' ? '$metadata' : d.route === 'service' ? 'service document' : d.route);
        let rows = null;
        if (typeof d.rows === 'number' && d.route === 'count') rows = `count ${num.format(d.rows)}`;
        else if (typeof d.rows === 'number' && (d.route === 'feed' || d.route === undefined)) rows = plural(d.rows, 'row', 'rows');
        const result = [d.status, d.outcome].filter((x) => x !== undefined && x !== null).join(' ');
        return join([what, result, rows, duration(d.ms), d.error]);
    }
    case 'token.first_used':
        return 'First request with this token';
    case 'token.refused':
        return join([d.reason ? `${d.reason[0].toUpperCase()}${d.reason.slice(1)} token refused` : 'Token refused', d.route, d.clientIp]);
    case 'token.minted':
        return join([quoted(d.name), d.prefix ? `${d.prefix}…` : null, d.expiresAt ? `expires ${day(d.expiresAt)}` : null]);
    case 'token.revoked':
        return join([quoted(d.name), d.prefix ? `${d.prefix}…` : null, d.revokedBy != null ? `by ${names.user(d.revokedBy)}` : null]);
    case 'token.expired':
        return join([quoted(d.name), d.prefix ? `${d.prefix}…` : null, d.expiresAt ? `expired ${day(d.expiresAt)}` : null]);
    case 'datasource.created':
        return join([quoted(d.name), Array.isArray(d.objects) ? d.objects.map((o) => o.object).join(', ') : null]);
    case 'datasource.edited': {
        const changed = Array.isArray(d.objectsChanged) ? d.objectsChanged.map((o) => o.object) : [];
        return join([
            quoted(d.name),
            d.nameBefore ? `renamed from ${quoted(d.nameBefore)}` : null,
            Array.isArray(d.objectsAdded) ? `added ${d.objectsAdded.join(', ')}` : null,
            Array.isArray(d.objectsRemoved) ? `removed ${d.objectsRemoved.join(', ')}` : null,
            changed.length ? `changed ${changed.join(', ')}` : null,
        ]);
    }
    case 'datasource.shared':
        return d.id != null ? `With ${who(d.kind, d.id)}` : '';
    case 'datasource.unshared':
        return d.id != null ? `No longer with ${who(d.kind, d.id)}` : '';
    case 'datasource.owner_transferred':
        return join([quoted(d.name), d.from != null && d.to != null ? `from ${names.user(d.from)} to ${names.user(d.to)}` : null]);
    case 'datasource.deleted':
        return join([quoted(d.name)]);
    case 'portal.installed':
    case 'portal.reinstalled':
        return join([d.hubDomain, Array.isArray(d.scopes) && d.scopes.length ? plural(d.scopes.length, 'scope', 'scopes') : null,
            d.installedBy != null ? `by ${names.user(d.installedBy)}` : null]);
    case 'portal.uninstalled': {
        const removed = d.removed && typeof d.removed === 'object' ? Object.values(d.removed).reduce((a, n) => a + (Number(n) || 0), 0) : null;
        return removed === null ? '' : `${plural(removed, 'record', 'records')} removed`;
    }
    case 'portal.key_rotated':
        return d.fromKey !== undefined ? `Key ${d.fromKey} → ${d.toKey}` : '';
    case 'portal.needs_reauth':
        return 'HubSpot refused the app’s grant: the app must be installed again';
    case 'admin.granted':
        return join([names.user(e.userId), d.grantedBy != null ? `granted by ${names.user(d.grantedBy)}` : null]);
    case 'admin.revoked':
        return join([names.user(e.userId)]);
    case 'admin.role_changed':
        return join([names.user(e.userId), d.hubspotSuperAdmin === true ? 'now a HubSpot super admin' : d.hubspotSuperAdmin === false ? 'no longer a HubSpot super admin' : null]);
    case 'audit.read_by_staff': {
        const f = d.filters && typeof d.filters === 'object' ? d.filters : {};
        return join([
            d.export ? 'Exported as CSV' : f.before != null ? 'Read an older page' : 'Read',
            f.event ? `events ${eventFilterText(f.event)}` : 'all events',
            f.from ? `from ${timeText(f.from)}` : null,
            f.to ? `to ${timeText(f.to)}` : null,
            f.userId != null ? `user ${names.user(f.userId)}` : null,
            f.dataSourceId != null ? names.dataSourceName(f.dataSourceId) : null,
        ]);
    }
    case 'audit.retention_changed':
        return d.to !== undefined ? `Kept ${plural(Number(d.to), 'day', 'days')}${d.from !== undefined ? ` (was ${num.format(Number(d.from))})` : ''}` : '';
    default:
        return genericSummary(d);
    }
}

/**
 * An event filter as a staff read records it: "token.*,feed.request", or the same as a PostgreSQL array
 * of LIKE patterns ({"token.%","feed.request"}, an underscore escaped).
 */
function eventFilterText(v) {
    const s = String(v);
    if (!/^\{.*\}$/.test(s)) return s;
    return s.slice(1, -1).split(',').map((p) => p.replace(/^"|"$/g, '').replace(/\\+_/g, '_').replace(/%$/, '*')).join(', ');
}

function timeText(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : localTime.format(d);
}

/** The scalar members of a detail, "key: value", for events this page has no words for. */
function genericSummary(d) {
    const parts = [];
    for (const [k, v] of Object.entries(d)) {
        if (v === null || typeof v === 'object') continue;
        parts.push(`${k}: ${v}`);
        if (parts.length === 4) break;
    }
    return parts.join(' · ');
}

function controlFor(labelText, control, hint) {
    const hintId = hint ? `${control.id}-hint` : null;
    if (hintId) control.setAttribute('aria-describedby', hintId);
    return h(
        'div',
        { class: 'field' },
        h('label', { for: control.id }, labelText),
        control,
        hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    );
}

function idInput(id, name) {
    return h('input', { type: 'text', id, name, inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false', maxlength: 19, placeholder: 'Any' });
}

/** The value of a datetime-local field as an RFC 3339 time in UTC ('' when empty, null when not a time). */
function rfc3339(value) {
    if (!value) return '';
    const d = new Date(value); // a local time: the user's time zone
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * Renders the audit log into `host`. Options:
 *   query(params)       resolves with {value, nextBefore} for URLSearchParams of filters, before and limit
 *   exportCsv(params)   resolves with {blob, filename} for the filters
 *   users, teams        lists to pick from and name people with; users null: a numeric user id field
 *   dataSources         likewise for data sources
 *   me                  {userId} of whoever reads, or null
 *   alive()             false once the page has moved on
 */
export function renderAuditLog(host, opts) {
    const names = namer(opts);
    const alive = opts.alive || (() => true);
    const ids = {
        from: uid('audit-from'), to: uid('audit-to'), event: uid('audit-event'), user: uid('audit-user'),
        ds: uid('audit-ds'), limit: uid('audit-limit'), title: uid('audit-filters'),
    };

    const from = h('input', { type: 'datetime-local', id: ids.from, name: 'from' });
    const to = h('input', { type: 'datetime-local', id: ids.to, name: 'to' });
    const event = h(
        'select',
        { id: ids.event, name: 'event' },
        h('option', { value: '' }, 'All events'),
        EVENT_GROUPS.map((g) => h(
            'optgroup',
            { label: g.label },
            g.all ? h('option', { value: g.all[0] }, g.all[1]) : null,
            g.events.map(([v, t]) => h('option', { value: v }, t)),
        )),
    );
    const user = opts.users
        ? h('select', { id: ids.user, name: 'userId' }, h('option', { value: '' }, 'All users'),
            [...opts.users].sort((a, b) => String(a.email || '').localeCompare(String(b.email || '')))
                .map((u) => h('option', { value: String(u.id) }, names.user(u.id))))
        : idInput(ids.user, 'userId');
    const ds = opts.dataSources
        ? h('select', { id: ids.ds, name: 'dataSourceId' }, h('option', { value: '' }, 'All data sources'),
            opts.dataSources.map((s) => h('option', { value: String(s.id) }, s.name)))
        : idInput(ids.ds, 'dataSourceId');
    const limit = h('select', { id: ids.limit, name: 'limit' }, PAGE_SIZES.map((n) => h('option', { value: String(n), selected: n === DEFAULT_PAGE }, String(n))));

    const formError = h('div', { class: 'audit-form-error' });
    const apply = h('button', { type: 'submit', class: 'btn btn-primary', id: 'audit-apply' }, 'Show events');
    const clear = h('button', { type: 'button', class: 'btn', id: 'audit-clear' }, 'Clear filters');
    const exportBtn = h('button', { type: 'button', class: 'btn', id: 'audit-export', 'aria-describedby': `${ids.title}-export-hint` }, 'Export CSV');
    const exportNote = h('div', { class: 'audit-export-note' });
    const form = h(
        'form',
        { class: 'card audit-filters', id: 'audit-filters', novalidate: true, 'aria-labelledby': ids.title },
        h('h2', { id: ids.title, class: 'visually-hidden' }, 'Filters'),
        formError,
        h(
            'div',
            { class: 'audit-filter-grid' },
            controlFor('From', from, 'Your local time'),
            controlFor('To (not included)', to, 'Your local time'),
            controlFor('Event', event),
            controlFor(opts.users ? 'User' : 'User id', user, opts.users ? null : 'A HubSpot user id'),
            controlFor(opts.dataSources ? 'Data source' : 'Data source id', ds),
            controlFor('Per page', limit),
        ),
        h(
            'div',
            { class: 'form-foot audit-foot' },
            apply,
            clear,
            h('div', { class: 'audit-export' },
                h('span', { class: 'hint', id: `${ids.title}-export-hint` }, 'Every event the filters above match, as a CSV file'),
                exportBtn),
        ),
        exportNote,
    );

    const status = h('p', { class: 'audit-status muted', id: 'audit-status', tabindex: '-1' });
    const results = h('div', { id: 'audit-results' });
    const more = h('div', { class: 'audit-more' });
    fill(host, form, status, results, more);

    let applied = null; // the filters of the rows shown, and their page size: Load more goes on with them
    let appliedLimit = DEFAULT_PAGE;
    let shown = 0;
    let nextBefore = null;
    let generation = 0; // answers to an earlier Show events are dropped
    let tbody = null;

    function fieldError(control, message) {
        control.setAttribute('aria-invalid', 'true');
        fill(formError, errorAlert({ message }, null, 'Check the filters'));
        control.focus();
        return null;
    }

    /** The form's filters, or null (with the field marked) when one is not valid. */
    function readFilters() {
        for (const c of [from, to, user, ds]) c.removeAttribute('aria-invalid');
        fill(formError);
        const f = { from: rfc3339(from.value), to: rfc3339(to.value), event: event.value, userId: user.value.trim(), dataSourceId: ds.value.trim() };
        if (f.from === null) return fieldError(from, 'The start of the range is not a date and time.');
        if (f.to === null) return fieldError(to, 'The end of the range is not a date and time.');
        if (f.userId && !/^\d{1,19}$/.test(f.userId)) return fieldError(user, 'A user id is a number.');
        if (f.dataSourceId && !/^\d{1,19}$/.test(f.dataSourceId)) return fieldError(ds, 'A data source id is a number.');
        return f;
    }

    function params(f, extra = {}) {
        const p = new URLSearchParams();
        for (const [k, v] of Object.entries({ ...f, ...extra })) if (v !== '' && v !== null && v !== undefined) p.set(k, String(v));
        return p;
    }

    const filtered = (f) => Boolean(f.from || f.to || f.event || f.userId || f.dataSourceId);

    function rowsOf(e) {
        const detailId = uid('audit-detail');
        const actor = names.actor(e);
        const dsName = names.dataSource(e);
        const label = eventLabel(e.event);
        const toggle = h(
            'button',
            {
                type: 'button', class: 'btn btn-small', 'aria-expanded': 'false', 'aria-controls': detailId,
                'aria-label': `Details of ${label}, ${localTime.format(new Date(e.at))}`,
            },
            'Details',
        );
        const detailRow = h(
            'tr',
            { class: 'audit-detail-row', id: detailId, hidden: true },
            h('td', { colspan: COLUMNS }, detailView(e)),
        );
        toggle.addEventListener('click', () => {
            const open = detailRow.hidden;
            detailRow.hidden = !open;
            toggle.setAttribute('aria-expanded', String(open));
        });
        const tr = h(
            'tr',
            { 'data-seq': String(e.seq), 'data-event': e.event, 'data-ds': e.dataSourceId ?? null },
            h('td', { class: 'nowrap audit-time' }, timeCell(e.at)),
            h('td', { class: 'audit-event' }, h('span', { class: 'event-label' }, label), ' ', h('code', { class: 'event-name' }, e.event)),
            h('td', { class: 'audit-actor' }, h('span', {}, breakable(actor.text)), actor.sub ? h('span', { class: 'muted small actor-sub' }, breakable(actor.sub)) : null),
            h('td', { class: 'audit-ds' }, dsName ? h('span', { title: `Data source #${e.dataSourceId}` }, dsName) : h('span', { class: 'muted' }, '—')),
            h('td', { class: 'audit-summary' }, breakable(summary(e, names))),
            h('td', { class: 'audit-toggle' }, toggle),
        );
        return [tr, detailRow];
    }

    function detailView(e) {
        const item = (k, v) => (v === null || v === undefined ? null : h('div', {}, h('dt', {}, k), h('dd', {}, v)));
        return h(
            'div',
            { class: 'audit-detail' },
            h(
                'dl',
                { class: 'audit-meta' },
                item('Recorded', utcText(e.at)),
                item('Event', h('code', {}, e.event)),
                item('Actor', h('code', {}, e.actor)),
                item('User id', e.userId),
                item('Data source id', e.dataSourceId),
                item('Token id', e.tokenId),
                item('Sequence', e.seq),
            ),
            h('pre', { class: 'code audit-json' }, JSON.stringify(e.detail ?? {}, null, 2)),
        );
    }

    function table() {
        tbody = h('tbody', {});
        return h(
            'div',
            { class: 'card table-card audit-table-wrap' },
            h(
                'table',
                { id: 'audit-table', class: 'audit-table' },
                h('caption', { class: 'visually-hidden' }, 'Audit events, newest first'),
                h('thead', {}, h('tr', {}, ['Time', 'Event', 'Actor', 'Data source', 'Summary'].map((t) => h('th', { scope: 'col' }, t)),
                    h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Details')))),
                tbody,
            ),
        );
    }

    function showStatus() {
        const all = nextBefore === null || nextBefore === undefined;
        status.textContent = all
            ? `Showing ${shown === 1 ? 'the only event' : `all ${plural(shown, 'event', 'events')}`}, newest first.`
            : `Showing the newest ${plural(shown, 'event', 'events')}; there are more.`;
        fill(more);
        if (!all) {
            const btn = h('button', { type: 'button', class: 'btn', id: 'audit-more' }, 'Load more');
            btn.addEventListener('click', () => loadMore(btn));
            more.append(btn);
        }
    }

    async function load() {
        const f = readFilters();
        if (!f) return;
        const mine = ++generation;
        applied = f;
        appliedLimit = limit.value;
        apply.disabled = true;
        results.setAttribute('aria-busy', 'true');
        fill(status);
        fill(more);
        fill(results, loading('Loading events…'));
        let page;
        try {
            page = await opts.query(params(f, { limit: appliedLimit }));
        } catch (err) {
            if (mine !== generation || !alive()) return;
            apply.disabled = false;
            results.removeAttribute('aria-busy');
            fill(results, errorAlert(err, load, 'The audit log could not be read'));
            return;
        }
        if (mine !== generation || !alive()) return;
        apply.disabled = false;
        results.removeAttribute('aria-busy');
        const rows = Array.isArray(page.value) ? page.value : [];
        shown = rows.length;
        nextBefore = page.nextBefore ?? null;
        if (rows.length === 0) {
            fill(
                results,
                h(
                    'div',
                    { class: 'card empty', id: 'audit-empty' },
                    h('h2', {}, filtered(f) ? 'No events match these filters' : 'No events recorded yet'),
                    h('p', { class: 'muted' }, filtered(f)
                        ? 'Widen the time range or choose another event, user or data source.'
                        : 'Feed requests, tokens, data sources and installs are recorded here as they happen.'),
                    filtered(f) ? h('button', { type: 'button', class: 'btn', onclick: clearFilters }, 'Clear filters') : null,
                ),
            );
            announce(filtered(f) ? 'No events match these filters.' : 'No events recorded yet.');
            return;
        }
        fill(results, table());
        for (const e of rows) tbody.append(...rowsOf(e));
        showStatus();
        announce(status.textContent);
    }

    async function loadMore(btn) {
        const mine = generation;
        btn.disabled = true;
        btn.textContent = 'Loading…';
        let page;
        try {
            page = await opts.query(params(applied, { before: nextBefore, limit: appliedLimit }));
        } catch (err) {
            if (mine !== generation || !alive()) return;
            btn.disabled = false;
            btn.textContent = 'Load more';
            more.querySelector('.alert')?.remove();
            more.prepend(errorAlert(err, null, 'More events could not be read'));
            btn.focus();
            return;
        }
        if (mine !== generation || !alive()) return;
        const rows = Array.isArray(page.value) ? page.value : [];
        const first = rows.length ? rowsOf(rows[0]) : null;
        if (first) tbody.append(...first);
        for (const e of rows.slice(1)) tbody.append(...rowsOf(e));
        shown += rows.length;
        nextBefore = page.nextBefore ?? null;
        showStatus();
        announce(`${plural(rows.length, 'more event', 'more events')} loaded. ${status.textContent}`);
        // the button may be gone: the focus goes to the first new row, else to the count
        const target = first ? first[0].querySelector('button') : null;
        (target || status).focus();
    }

    function clearFilters() {
        form.reset();
        limit.value = String(DEFAULT_PAGE);
        load();
    }

    async function exportCsv() {
        const f = readFilters();
        if (!f) return;
        fill(exportNote);
        exportBtn.disabled = true;
        exportBtn.textContent = 'Exporting…';
        try {
            const { blob, filename } = await opts.exportCsv(params(f));
            if (!alive()) return;
            const href = URL.createObjectURL(blob);
            const a = h('a', { href, download: filename, hidden: true });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(href), 60000);
            fill(exportNote, h('p', { class: 'hint', role: 'status' }, `${filename} is downloading.`));
        } catch (err) {
            if (!alive()) return;
            fill(exportNote, errorAlert(err, null, 'The export did not work'));
        } finally {
            exportBtn.disabled = false;
            exportBtn.textContent = 'Export CSV';
        }
    }

    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        load();
    });
    clear.addEventListener('click', clearFilters);
    exportBtn.addEventListener('click', exportCsv);
    return load();
}
