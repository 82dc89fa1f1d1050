// The portal's audit log, for its admins: who did what, and every feed request.
import { get, download } from '../api.js';
import { h, fill, errorAlert, loading, pageHead, directory } from '../ui.js';
import { renderAuditLog } from '../audit-log.js';

export async function renderAudit(view, params, ctx) {
    const head = pageHead(
        'Audit log',
        'What happened in this portal: feed requests, tokens, data sources, installs and admin changes, newest first.',
    );
    if (ctx.me.role !== 'admin') {
        fill(view, head, h('div', { class: 'alert alert-info', role: 'status' }, h('p', {}, 'Only portal admins can read the audit log.')));
        ctx.titled('Audit log');
        return;
    }
    const body = h('div', { 'aria-busy': 'true' }, loading('Loading the audit log…'));
    fill(view, head, body);
    ctx.titled('Audit log');

    const start = async () => {
        body.setAttribute('aria-busy', 'true');
        fill(body, loading('Loading the audit log…'));
        let dir;
        let sources;
        try {
            // the names of people and data sources: the log names them by id
            [dir, sources] = await Promise.all([directory(), get('/datasources').then((d) => d.value)]);
        } catch (err) {
            if (!ctx.alive()) return;
            body.removeAttribute('aria-busy');
            fill(body, errorAlert(err, start, 'The audit log could not be loaded'));
            return;
        }
        if (!ctx.alive()) return;
        body.removeAttribute('aria-busy');
        await renderAuditLog(body, {
            query: (p) => get(`/audit?${p}`),
            exportCsv: (p) => download(`/audit/export?${p}`, `audit-${ctx.me.portalId}.csv`),
            users: dir.users.length ? dir.users : null,
            teams: dir.teams,
            dataSources: sources.map((s) => ({ id: s.id, name: s.name })),
            me: ctx.me,
            alive: ctx.alive,
        });
    };
    await start();
}
