// The portal, for its admins: its id, what it holds, and the uninstall (DELETE /api/v1/portal). After an
// uninstall the portal's sessions are gone, this one included: the page ends on a last screen.
import { get, del } from '../api.js';
import { h, fill, uid } from '../dom.js';
import { errorAlert, pageHead } from '../ui.js';

// the tables DELETE /api/v1/portal counts rows of, in words; the first four are always shown
const KINDS = [
    ['data_sources', 'data source', 'data sources'],
    ['data_source_shares', 'share', 'shares'],
    ['access_tokens', 'access token', 'access tokens'],
    ['sessions', 'session', 'sessions'],
    ['launch_codes', 'unused launch link', 'unused launch links'],
    ['portal_users', 'user the connector knew', 'users the connector knew'],
    ['portal_admins', 'admin named in the connector', 'admins named in the connector'],
    ['signed_requests', 'record of a signed HubSpot request', 'records of signed HubSpot requests'],
    ['portals', 'installation', 'installations'],
];
const ALWAYS = 4;

const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** The rows removed, by table, as [kind, words] in a fixed order; tables this page does not know by name last. */
export function removedInWords(removed) {
    const out = [];
    KINDS.forEach(([table, one, many], i) => {
        const n = Number(removed[table] || 0);
        if (i < ALWAYS || n > 0) out.push([table, count(n, one, many)]);
    });
    for (const [table, n] of Object.entries(removed)) {
        if (KINDS.some(([t]) => t === table) || !(Number(n) > 0)) continue;
        out.push([table, count(Number(n), `row of ${table.replace(/_/g, ' ')}`, `rows of ${table.replace(/_/g, ' ')}`)]);
    }
    return out;
}

export async function renderPortal(view, params, ctx) {
    const head = pageHead('Portal', 'The HubSpot portal this connector is installed in.');
    if (ctx.me.role !== 'admin') {
        fill(view, head, h('div', { class: 'alert alert-info', role: 'status' }, h('p', {}, 'Only portal admins can see this page and uninstall the app.')));
        ctx.titled('Portal');
        return;
    }
    const portalId = String(ctx.me.portalId);
    const sourcesDd = h('dd', { id: 'portal-sources' }, h('span', { class: 'muted' }, 'Counting…'));
    const tokensDd = h('dd', { id: 'portal-tokens' }, h('span', { class: 'muted' }, 'Counting…'));
    const factsErr = h('div', {});
    const facts = h(
        'section',
        { class: 'card', 'aria-labelledby': 'portal-facts-h', 'aria-busy': 'true' },
        h('h2', { id: 'portal-facts-h' }, 'This portal'),
        h(
            'dl',
            { class: 'facts' },
            h('div', {}, h('dt', {}, 'HubSpot portal id'), h('dd', {}, h('strong', { class: 'mono', id: 'portal-hub-id' }, portalId))),
            h('div', {}, h('dt', {}, 'Data sources'), sourcesDd),
            h('div', {}, h('dt', {}, 'Access tokens'), tokensDd),
        ),
        factsErr,
    );
    fill(view, head, facts, dangerZone());
    ctx.titled('Portal');

    function dangerZone() {
        const inputId = uid('confirm');
        const hintId = `${inputId}-hint`;
        const errHost = h('div', { id: 'uninstall-error' });
        const status = h('div', { class: 'uninstall-status', role: 'status' });
        const input = h('input', {
            type: 'text',
            id: inputId,
            name: 'confirmPortalId',
            class: 'mono',
            inputmode: 'numeric',
            autocomplete: 'off',
            spellcheck: 'false',
            'aria-describedby': hintId,
        });
        const hint = h('p', { class: 'hint', id: hintId }, `Type ${portalId} exactly. The button works once the id matches.`);
        const btn = h('button', { type: 'submit', class: 'btn btn-danger-solid', id: 'uninstall', disabled: true, 'aria-describedby': hintId }, 'Uninstall the app');
        let busy = false;
        const matches = () => input.value.trim() === portalId;
        input.addEventListener('input', () => {
            btn.disabled = busy || !matches();
        });
        const form = h(
            'form',
            { id: 'uninstall-form', novalidate: true, 'aria-labelledby': 'uninstall-h' },
            h('h3', { id: 'uninstall-h' }, 'Uninstall the app from this HubSpot portal'),
            h('p', {}, `This removes the connector from portal ${portalId} for everyone in it, not only for you. It cannot be undone.`),
            h(
                'ul',
                { class: 'consequences' },
                h('li', {}, 'The connector’s authorisation in HubSpot is revoked: it can no longer read the portal’s CRM.'),
                h('li', {}, 'Every data source, share, access token and session of the portal is deleted, for every user, you included.'),
                h('li', {}, 'Power BI refreshes stop at once: their next request is refused with 401 (not authorised).'),
                h('li', {}, 'The portal’s audit log is kept until its retention ends; it records this uninstall.'),
                h('li', {}, 'Installing the app again starts from nothing: data sources and tokens do not come back.'),
            ),
            h('p', { class: 'muted' }, 'If HubSpot cannot revoke the authorisation, nothing is removed and you can try again.'),
            errHost,
            h('div', { class: 'field' }, h('label', { for: inputId }, `To confirm, type the portal id (${portalId})`), input, hint),
            h('div', { class: 'form-foot' }, btn, status),
        );
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            if (busy || !matches()) return;
            busy = true;
            btn.disabled = true;
            input.readOnly = true;
            btn.textContent = 'Uninstalling…';
            form.setAttribute('aria-busy', 'true');
            fill(errHost);
            fill(status, h('span', { class: 'muted' }, 'Revoking the authorisation at HubSpot, then deleting the portal’s data…'));
            let result;
            try {
                result = await del('/portal', { confirmPortalId: ctx.me.portalId });
            } catch (err) {
                busy = false;
                input.readOnly = false;
                btn.textContent = 'Uninstall the app';
                btn.disabled = !matches();
                form.removeAttribute('aria-busy');
                fill(status);
                if (!ctx.alive()) return;
                fill(errHost, errorAlert(err, null, 'The app was not uninstalled'));
                // the alert is read out; the focus stays where a retry starts
                (btn.disabled ? input : btn).focus();
                return;
            }
            ctx.end(finalScreen(result));
        });
        return h(
            'section',
            { class: 'danger-zone', id: 'danger-zone', 'aria-labelledby': 'danger-h' },
            h('h2', { id: 'danger-h' }, 'Danger zone'),
            form,
        );
    }

    function finalScreen(result) {
        const id = String(result.portalId ?? portalId);
        const kinds = removedInWords(result.removed || {});
        const revoked = result.revokedAtHubSpot === true;
        return h(
            'section',
            { class: 'screen card final', id: 'uninstalled', 'aria-labelledby': 'uninstalled-title' },
            h('img', { src: 'logo.svg', alt: '', width: 48, height: 48 }),
            h('h1', { id: 'uninstalled-title', tabindex: '-1' }, 'The app is uninstalled'),
            h('p', {}, `The Power BI connector was removed from HubSpot portal ${id}.`),
            revoked
                ? h('p', { class: 'alert alert-success', id: 'revocation', 'data-revoked': 'true' }, 'HubSpot confirmed that the connector’s authorisation is revoked.')
                : h(
                    'p',
                    { class: 'alert alert-warning', id: 'revocation', 'data-revoked': 'false' },
                    'The connector’s authorisation could not be opened, so HubSpot was not asked to revoke it: it was removed here only. ' +
                        'It can no longer be used by the connector; you may also remove the app in HubSpot.',
                ),
            h('h2', { id: 'removed-h' }, 'What was removed'),
            h('ul', { class: 'removed-list', id: 'removed', 'aria-labelledby': 'removed-h' }, kinds.map(([table, words]) => h('li', { 'data-kind': table }, words))),
            h(
                'p',
                { class: 'muted' },
                'Power BI refreshes with this portal’s tokens now fail with 401. The portal’s audit log is kept until its retention ends. ' +
                    'To use the connector again, install it again from HubSpot; it starts from nothing.',
            ),
            h('p', { class: 'muted' }, 'You can close this window.'),
        );
    }

    // what the uninstall would delete, as far as the admin API lists it (an admin sees the whole portal)
    const loadFacts = async () => {
        facts.setAttribute('aria-busy', 'true');
        fill(factsErr);
        let sources;
        let tokens;
        try {
            [sources, tokens] = await Promise.all([get('/datasources').then((d) => d.value), get('/tokens').then((d) => d.value)]);
        } catch (err) {
            if (!ctx.alive()) return;
            facts.removeAttribute('aria-busy');
            fill(sourcesDd, '—');
            fill(tokensDd, '—');
            fill(factsErr, errorAlert(err, loadFacts, 'The data sources and tokens could not be counted'));
            return;
        }
        if (!ctx.alive()) return;
        facts.removeAttribute('aria-busy');
        const active = tokens.filter((t) => t.state === 'active').length;
        fill(sourcesDd, String(sources.length));
        fill(tokensDd, `${tokens.length} (${active} active)`);
    };
    await loadFacts();
}
