// The list of data sources the user can see.
import { get } from '../api.js';
import { h, fill, errorAlert, loading, notice, pageHead, timeEl, directory, loadObjects, userLabel } from '../ui.js';

export async function renderSourceList(view, params, ctx) {
    const newBtn = h('a', { class: 'btn btn-primary', href: '#/sources/new' }, 'New data source');
    const head = pageHead('Data sources', 'Each data source is an OData feed that Power BI reads live from HubSpot.', newBtn);
    const body = h('div', { 'aria-busy': 'true' }, loading('Loading data sources…'));
    fill(view, ctx.flash ? notice(ctx.flash) : null, head, body);
    ctx.titled('Data sources');

    const load = async () => {
        body.setAttribute('aria-busy', 'true');
        fill(body, loading('Loading data sources…'));
        let sources;
        let dir;
        let objects;
        try {
            [sources, dir, objects] = await Promise.all([
                get('/datasources').then((d) => d.value),
                directory(),
                loadObjects().catch(() => []),
            ]);
        } catch (err) {
            if (!ctx.alive()) return;
            body.removeAttribute('aria-busy');
            fill(body, errorAlert(err, load, 'The data sources could not be loaded'));
            return;
        }
        if (!ctx.alive()) return;
        body.removeAttribute('aria-busy');
        if (sources.length === 0) {
            fill(
                body,
                h(
                    'div',
                    { class: 'card empty' },
                    h('h2', {}, 'No data sources yet'),
                    h('p', { class: 'muted' }, 'Pick HubSpot objects and properties, then connect Power BI to the feed’s URL.'),
                    h('a', { class: 'btn btn-primary', href: '#/sources/new' }, 'Create your first data source'),
                ),
            );
            return;
        }
        const label = (name) => (objects.find((o) => o.name === name) || {}).label || name;
        const rows = sources.map((s) =>
            h(
                'tr',
                { 'data-id': s.id },
                h('td', {}, h('a', { class: 'row-title', href: `#/sources/${s.id}` }, s.name)),
                h('td', {}, userLabel(s.ownerUserId, dir.users, ctx.me)),
                h('td', {}, s.objects.map((o) => label(o.object)).join(', ')),
                h(
                    'td',
                    { class: 'nowrap' },
                    s.shares.length
                        ? h('span', { class: 'badge badge-shared' }, `Shared (${s.shares.length})`)
                        : h('span', { class: 'badge badge-neutral' }, 'Private'),
                ),
                h('td', { class: 'nowrap' }, s.canEdit ? 'Can edit' : h('span', { class: 'muted' }, 'View only')),
                h('td', { class: 'nowrap' }, timeEl(s.updatedAt)),
            ),
        );
        fill(
            body,
            h(
                'div',
                { class: 'card table-card table-wrap' },
                h(
                    'table',
                    { id: 'sources-table' },
                    h('caption', { class: 'visually-hidden' }, 'Data sources you can see'),
                    h(
                        'thead',
                        {},
                        h(
                            'tr',
                            {},
                            ['Name', 'Owner', 'Objects', 'Sharing', 'Access', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
                        ),
                    ),
                    h('tbody', {}, rows),
                ),
            ),
        );
    };
    await load();
}
