// One data source: its OData URL and how to connect Power BI, what it holds, who it is shared with.
import { get, put, del } from '../api.js';
import { h, fill, uid, copyText, confirmDialog } from '../dom.js';
import {
    announce, errorAlert, loading, notice, pageHead, timeEl, directory, loadObjects, userLabel, teamLabel, forget,
} from '../ui.js';

export async function renderSourceDetail(view, params, ctx) {
    const body = h('div', { 'aria-busy': 'true' }, loading('Loading the data source…'));
    const crumb = h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/sources' }, 'Data sources'));
    fill(view, crumb, body);
    const flash = ctx.flash;

    const load = async () => {
        fill(body, loading('Loading the data source…'));
        body.setAttribute('aria-busy', 'true');
        let source;
        let dir;
        let objects;
        try {
            [source, dir, objects] = await Promise.all([get(`/datasources/${params.id}`), directory(), loadObjects().catch(() => [])]);
        } catch (err) {
            if (!ctx.alive()) return;
            body.removeAttribute('aria-busy');
            const retry = err.status === 404 ? null : load;
            fill(body, pageHead('Data source'), errorAlert(err, retry, err.status === 404 ? 'This data source is not available' : 'The data source could not be loaded'));
            if (err.status === 404) body.append(h('p', {}, h('a', { href: '#/sources' }, 'Back to the data sources')));
            ctx.titled('Data source');
            return;
        }
        if (!ctx.alive()) return;
        body.removeAttribute('aria-busy');
        show(source, dir, objects, flash);
    };

    function show(source, dir, objects, message) {
        const label = (name) => (objects.find((o) => o.name === name) || {}).label || name;
        const actions = [];
        if (source.canEdit) {
            actions.push(h('a', { class: 'btn', href: `#/sources/${source.id}/edit`, id: 'edit-source' }, 'Edit'));
            const delBtn = h('button', { type: 'button', class: 'btn btn-danger', id: 'delete-source' }, 'Delete');
            delBtn.addEventListener('click', () => remove(source, delBtn));
            actions.push(delBtn);
        }
        const head = pageHead(source.name, null, ...actions);
        head.querySelector('h1').after(
            h(
                'p',
                { class: 'meta' },
                h('span', {}, 'Owner: ', h('strong', { class: 'owner' }, userLabel(source.ownerUserId, dir.users, ctx.me))),
                h('span', {}, 'Created ', timeEl(source.createdAt)),
                h('span', {}, 'Updated ', timeEl(source.updatedAt)),
                source.canEdit ? null : h('span', { class: 'badge badge-neutral', id: 'view-only' }, 'View only'),
            ),
        );
        const status = h('div', {});
        fill(
            body,
            message ? notice(message) : null,
            status,
            head,
            h(
                'div',
                { class: 'grid-2' },
                h('div', {}, connectCard(source), objectsCard(source, label)),
                h('div', {}, sharingCard(source, dir, status)),
            ),
        );
        ctx.titled(source.name);
    }

    async function remove(source, btn) {
        const yes = await confirmDialog({
            title: `Delete “${source.name}”?`,
            body: 'Power BI reports that use its OData URL stop refreshing. The data in HubSpot is not touched. This cannot be undone.',
            confirm: 'Delete data source',
        });
        if (!yes) {
            btn.focus();
            return;
        }
        btn.disabled = true;
        try {
            await del(`/datasources/${source.id}`);
            ctx.navigate('/sources', `Data source “${source.name}” deleted.`);
        } catch (err) {
            btn.disabled = false;
            const box = errorAlert(err, null, 'The data source was not deleted');
            body.prepend(box);
            btn.focus();
        }
    }

    function sharingCard(source, dir, status) {
        const card = h('section', { class: 'card', 'aria-labelledby': 'sharing-h', id: 'sharing' });
        let current = source;
        let note = null; // what the last change did

        const render = () => {
            const msg = h('div', {}, note ? h('p', { class: 'alert alert-success' }, note) : null);
            note = null;
            const list = h('ul', { class: 'share-list', id: 'share-list' });
            const shares = current.shares || [];
            if (shares.length === 0) list.append(h('li', { class: 'muted' }, 'Not shared: only the owner and portal admins can see it.'));
            for (const s of shares) {
                const name = s.kind === 'team' ? teamLabel(s.id, dir.teams) : userLabel(s.id, dir.users, ctx.me);
                const li = h(
                    'li',
                    { 'data-kind': s.kind, 'data-id': String(s.id) },
                    h('span', { class: 'badge badge-neutral' }, s.kind === 'team' ? 'Team' : 'User'),
                    h('span', { class: 'share-name' }, name),
                );
                if (current.canEdit) {
                    // the name starts with the visible "Remove", so speech input finds the button by what it shows
                    const rm = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Remove the share with ${name}` }, 'Remove');
                    rm.addEventListener('click', () =>
                        saveShares(shares.filter((x) => !(x.kind === s.kind && String(x.id) === String(s.id))), `No longer shared with ${name}.`, null, rm));
                    li.append(rm);
                }
                list.append(li);
            }
            const parts = [h('h2', { id: 'sharing-h', tabindex: '-1' }, 'Sharing'), msg, list];
            if (!current.canEdit) {
                parts.push(h('p', { class: 'hint' }, 'Only the owner or a portal admin can change who this data source is shared with.'));
                fill(card, parts);
                return;
            }
            if (dir.users.length === 0 && dir.teams.length === 0) {
                parts.push(h('p', { class: 'hint' }, 'The portal’s users and teams could not be read, so new shares cannot be picked now.'));
                const retry = h('button', { type: 'button', class: 'btn btn-small' }, 'Try again');
                retry.addEventListener('click', async () => {
                    forget('users');
                    forget('teams');
                    Object.assign(dir, await directory());
                    render();
                });
                parts.push(retry);
                fill(card, parts);
                return;
            }
            const has = (kind, id) => shares.some((x) => x.kind === kind && String(x.id) === String(id));
            const userChoices = dir.users.filter((u) => !has('user', u.id) && String(u.id) !== String(current.ownerUserId));
            const teamChoices = dir.teams.filter((t) => !has('team', t.id));
            parts.push(
                picker('Share with a user', 'share-user', userChoices.map((u) => [u.id, u.email]), 'Share', (id, name) =>
                    saveShares(shares.concat([{ kind: 'user', id: Number(id) }]), `Shared with ${name}.`, 'share-user')),
                picker('Share with a team', 'share-team', teamChoices.map((t) => [t.id, t.name]), 'Share', (id, name) =>
                    saveShares(shares.concat([{ kind: 'team', id: Number(id) }]), `Shared with ${name}.`, 'share-team')),
                picker(
                    'Transfer ownership',
                    'transfer-owner',
                    dir.users.filter((u) => String(u.id) !== String(current.ownerUserId)).map((u) => [u.id, u.email]),
                    'Transfer',
                    (id, name) => transfer(Number(id), name),
                    'The new owner can edit, share and delete it; the current owner keeps access through a share.',
                ),
            );
            fill(card, parts);

            async function saveShares(next, done, focusKey, focusAfter) {
                fill(msg);
                card.setAttribute('aria-busy', 'true');
                try {
                    current = await put(`/datasources/${current.id}/shares`, { shares: next });
                    note = done;
                    render();
                    announce(done);
                    const f = focusKey && card.querySelector(`[data-picker="${focusKey}"]`);
                    (f && !f.disabled ? f : card.querySelector('h2')).focus();
                } catch (err) {
                    fill(msg, errorAlert(err, null, 'Sharing was not changed'));
                    if (focusAfter) focusAfter.focus();
                } finally {
                    card.removeAttribute('aria-busy');
                }
            }

            async function transfer(userId, name) {
                const yes = await confirmDialog({
                    title: `Make ${name} the owner?`,
                    body: 'The new owner can edit, share and delete this data source. The current owner keeps access through a share.',
                    confirm: 'Transfer ownership',
                    danger: false,
                });
                if (!yes) return;
                try {
                    const updated = await put(`/datasources/${current.id}/owner`, { userId });
                    show(updated, dir, await loadObjects().catch(() => []), `${name} now owns this data source.`);
                } catch (err) {
                    fill(msg, errorAlert(err, null, 'Ownership was not transferred'));
                }
            }
        };
        render();
        return card;
    }

    await load();
}

/** A labelled <select> with a button; `onPick(id, name)` runs with the chosen entry. */
function picker(title, id, choices, action, onPick, hint) {
    const selId = uid(id);
    const sel = h(
        'select',
        { id: selId, name: id, 'data-picker': id, disabled: choices.length === 0 },
        h('option', { value: '' }, choices.length ? 'Choose…' : 'Nobody left to choose'),
        choices.map(([v, t]) => h('option', { value: String(v) }, t)),
    );
    const btn = h('button', { type: 'submit', class: 'btn btn-small', disabled: choices.length === 0 }, action);
    const form = h(
        'form',
        { class: 'sub-form', 'data-form': id },
        h('label', { class: 'label', for: selId }, title),
        h('div', { class: 'inline' }, sel, btn),
        hint ? h('p', { class: 'hint' }, hint) : null,
    );
    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        if (!sel.value) {
            sel.focus();
            return;
        }
        onPick(sel.value, sel.selectedOptions[0].textContent);
    });
    return form;
}

function connectCard(source) {
    const urlId = uid('odata');
    const input = h('input', { type: 'text', id: urlId, class: 'mono', readOnly: true, value: source.odataUrl, 'data-odata-url': '' });
    input.addEventListener('focus', () => input.select());
    const copied = h('span', { class: 'muted small', 'aria-live': 'polite' });
    const copy = h('button', { type: 'button', class: 'btn', id: 'copy-url' }, 'Copy');
    copy.addEventListener('click', async () => {
        const ok = await copyText(source.odataUrl, input);
        copied.textContent = ok ? 'Copied' : 'Select the URL and copy it';
        setTimeout(() => {
            copied.textContent = '';
        }, 4000);
    });
    const m = `let\n    Source = OData.Feed("${source.odataUrl}", null, [ApiKeyName = "api_key"])\nin\n    Source`;
    return h(
        'section',
        { class: 'card', 'aria-labelledby': 'connect-h' },
        h('h2', { id: 'connect-h' }, 'Connect from Power BI'),
        h('div', { class: 'field' }, h('label', { for: urlId }, 'OData URL'), h('div', { class: 'copy-row' }, input, copy), copied),
        h(
            'ol',
            { class: 'steps' },
            h('li', {}, 'In Power BI Desktop choose ', h('span', { class: 'kbd' }, 'Get data → OData feed'), '.'),
            h('li', {}, 'Paste the URL above and choose ', h('span', { class: 'kbd' }, 'OK'), '.'),
            h('li', {}, 'When asked how to sign in, choose ', h('span', { class: 'kbd' }, 'Basic'), ', type any user name (for example ', h('code', {}, 'powerbi'), ') and paste a ',
                h('a', { href: '#/tokens' }, 'personal access token'), ' as the password.'),
            h('li', {}, 'Choose ', h('span', { class: 'kbd' }, 'Connect'), ', tick the tables you want and choose ', h('span', { class: 'kbd' }, 'Load'), '.'),
        ),
        h('p', { class: 'hint' }, 'Use the same credentials for scheduled refresh in the Power BI service. Every refresh reads HubSpot live.'),
        h(
            'details',
            { class: 'alt' },
            h('summary', {}, 'Alternative: a “Web API” key'),
            h('p', { class: 'small' }, 'In Power Query’s Advanced Editor use the query below, then choose ', h('span', { class: 'kbd' }, 'Web API'),
                ' and paste the token as the key. Power BI sends it as the ', h('code', {}, 'api_key'), ' query parameter.'),
            h('pre', { class: 'code' }, m),
        ),
    );
}

function objectsCard(source, label) {
    const rows = source.objects.map((o) =>
        h(
            'tr',
            {},
            h('td', {}, h('span', { class: 'row-title' }, label(o.object)), h('br'), h('code', { class: 'muted' }, o.object)),
            h(
                'td',
                { class: 'props-cell' },
                o.properties.length === 0
                    ? h('span', {}, 'All properties')
                    : h('span', { title: o.properties.join(', ') }, `${o.properties.length} chosen: `, h('span', { class: 'muted' }, abbreviate(o.properties))),
            ),
            h('td', {}, o.filter ? h('code', {}, o.filter) : h('span', { class: 'muted' }, 'None')),
        ),
    );
    return h(
        'section',
        { class: 'card', 'aria-labelledby': 'objects-h' },
        h('h2', { id: 'objects-h' }, 'Objects'),
        h(
            'div',
            { class: 'table-wrap' },
            h(
                'table',
                {},
                h('thead', {}, h('tr', {}, ['Object', 'Properties', 'Filter'].map((t) => h('th', { scope: 'col' }, t)))),
                h('tbody', {}, rows),
            ),
        ),
    );
}

function abbreviate(names) {
    const shown = names.slice(0, 6).join(', ');
    return names.length > 6 ? `${shown}, … (${names.length - 6} more)` : shown;
}
