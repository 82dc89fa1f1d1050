// Personal access tokens: mint one (its text is shown once), list them, revoke them.
import { get, post, del } from '../api.js';
import { h, fill, uid, copyText, confirmDialog } from '../dom.js';
import { announce, errorAlert, loading, pageHead, timeEl, directory, userLabel } from '../ui.js';

const DEFAULT_DAYS = 90;

export async function renderTokens(view, params, ctx) {
    const admin = ctx.me.role === 'admin';
    const head = pageHead(
        'Access tokens',
        admin
            ? 'Power BI sends a personal access token as its password. As a portal admin you see every token of the portal.'
            : 'Power BI sends a personal access token as its password. A token reads the data sources you can see.',
    );
    const once = h('div', { id: 'token-once-host' });
    const listHost = h('div', { 'aria-busy': 'true' }, loading('Loading tokens…'));
    const listTitle = h('h2', { class: 'section-title', tabindex: '-1' }, admin ? 'Tokens of this portal' : 'Your tokens');
    fill(view, head, once, mintCard(), listTitle, listHost);
    ctx.titled('Access tokens');

    function mintCard() {
        const nameId = uid('tname');
        const daysId = uid('tdays');
        const err = h('div', {});
        const name = h('input', { type: 'text', id: nameId, name: 'name', required: true, maxlength: 200, autocomplete: 'off', placeholder: 'Power BI – Sales report' });
        const days = h('input', { type: 'number', id: daysId, name: 'expiresInDays', min: 1, step: 1, value: String(DEFAULT_DAYS), required: true, 'aria-describedby': `${daysId}-hint` });
        const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token');
        const form = h(
            'form',
            { class: 'card', id: 'mint-form', novalidate: true, 'aria-labelledby': `${nameId}-h` },
            h('h2', { id: `${nameId}-h` }, 'Create a token'),
            err,
            h(
                'div',
                { class: 'mint-grid' },
                h('div', { class: 'field' }, h('label', { for: nameId }, 'Name'), name, h('p', { class: 'hint' }, 'Where you will use it, so you recognise it later.')),
                h('div', { class: 'field' }, h('label', { for: daysId }, 'Expires in (days)'), days, h('p', { class: 'hint', id: `${daysId}-hint` }, `${DEFAULT_DAYS} unless you change it.`)),
                h('div', { class: 'field mint-submit' }, btn),
            ),
        );
        form.addEventListener('submit', async (ev) => {
            ev.preventDefault();
            fill(err);
            name.removeAttribute('aria-invalid');
            days.removeAttribute('aria-invalid');
            const n = name.value.trim();
            const d = Number(days.value);
            if (!n) {
                name.setAttribute('aria-invalid', 'true');
                fill(err, errorAlert({ message: 'Give the token a name.' }, null, 'The token was not created'));
                name.focus();
                return;
            }
            if (!Number.isInteger(d) || d < 1) {
                days.setAttribute('aria-invalid', 'true');
                fill(err, errorAlert({ message: 'The expiry is a whole number of days, 1 or more.' }, null, 'The token was not created'));
                days.focus();
                return;
            }
            btn.disabled = true;
            btn.textContent = 'Creating…';
            try {
                const t = await post('/tokens', { name: n, expiresInDays: d });
                name.value = '';
                days.value = String(DEFAULT_DAYS);
                showOnce(t);
                loadList();
            } catch (e) {
                if (e.code === 'InvalidName') name.setAttribute('aria-invalid', 'true');
                if (e.code === 'InvalidExpiry') days.setAttribute('aria-invalid', 'true');
                fill(err, errorAlert(e, null, 'The token was not created'));
                (e.code === 'InvalidExpiry' ? days : name).focus();
            } finally {
                btn.disabled = false;
                btn.textContent = 'Create token';
            }
        });
        return form;
    }

    // the token's text exists here and in this field only, until Done or the next screen
    function showOnce(t) {
        const fieldId = uid('newtoken');
        const input = h('input', { type: 'text', id: fieldId, class: 'mono', readOnly: true, value: t.token, 'data-new-token': '', spellcheck: 'false', autocomplete: 'off' });
        input.addEventListener('focus', () => input.select());
        const status = h('span', { class: 'muted small', 'aria-live': 'polite' });
        const copy = h('button', { type: 'button', class: 'btn btn-primary', id: 'copy-token' }, 'Copy');
        copy.addEventListener('click', async () => {
            const ok = await copyText(input.value, input);
            status.textContent = ok ? 'Copied to the clipboard' : 'Select the token and copy it';
        });
        const done = h('button', { type: 'button', class: 'btn', id: 'token-done' }, 'Done, I have copied it');
        done.addEventListener('click', () => {
            input.value = '';
            fill(once);
            announce('The token is hidden now.');
            view.querySelector('#mint-form input')?.focus();
        });
        const heading = h('h2', { tabindex: '-1' }, `Your new token “${t.name}”`);
        fill(
            once,
            h(
                'section',
                { class: 'token-once', id: 'token-once', 'aria-labelledby': `${fieldId}-h` },
                Object.assign(heading, { id: `${fieldId}-h` }),
                h('p', { class: 'warning', role: 'alert' }, h('strong', {}, 'Copy it now: it will not be shown again.'),
                    ' Only a hash of it is kept. Paste it into Power BI as the password of Basic credentials.'),
                h('label', { for: fieldId, class: 'label' }, 'Token'),
                h('div', { class: 'copy-row' }, input, copy),
                status,
                h('p', { class: 'small muted' }, 'Expires ', timeEl(t.expiresAt), '.'),
                done,
            ),
        );
        heading.focus();
    }

    async function revoke(t, btn) {
        const yes = await confirmDialog({
            title: `Revoke “${t.name}”?`,
            body: 'Power BI refreshes that use this token fail from now on. This cannot be undone.',
            confirm: 'Revoke token',
        });
        if (!yes) {
            btn.focus();
            return;
        }
        btn.disabled = true;
        try {
            await del(`/tokens/${t.id}`);
            announce(`Token “${t.name}” revoked.`);
            await loadList(`Token “${t.name}” revoked.`);
            listTitle.focus(); // the button is gone with the old list
        } catch (e) {
            btn.disabled = false;
            listHost.prepend(errorAlert(e, null, 'The token was not revoked'));
            btn.focus();
        }
    }

    async function loadList(message) {
        listHost.setAttribute('aria-busy', 'true');
        let tokens;
        let dir = { users: [], teams: [] };
        try {
            [tokens, dir] = await Promise.all([get('/tokens').then((d) => d.value), admin ? directory() : dir]);
        } catch (e) {
            if (!ctx.alive()) return;
            listHost.removeAttribute('aria-busy');
            fill(listHost, errorAlert(e, () => loadList(), 'The tokens could not be loaded'));
            return;
        }
        if (!ctx.alive()) return;
        listHost.removeAttribute('aria-busy');
        if (tokens.length === 0) {
            fill(listHost, h('div', { class: 'card empty' }, h('p', { class: 'muted' }, 'No tokens yet. Create one above to connect Power BI.')));
            return;
        }
        const order = { active: 0, expired: 1, revoked: 2 };
        tokens.sort((a, b) => order[a.state] - order[b.state] || String(b.createdAt).localeCompare(String(a.createdAt)));
        const cols = ['Name', 'Prefix', 'State', 'Created', 'Last used', 'Expires'];
        if (admin) cols.splice(1, 0, 'Owner');
        cols.push(h('span', { class: 'visually-hidden' }, 'Actions'));
        const rows = tokens.map((t) => {
            const state = t.state === 'active' ? 'badge-success' : t.state === 'revoked' ? 'badge-danger' : 'badge-neutral';
            let action = null;
            if (t.state === 'active') {
                action = h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `Revoke ${t.name}`, 'data-revoke': String(t.id) }, 'Revoke');
                action.addEventListener('click', () => revoke(t, action));
            }
            return h(
                'tr',
                { 'data-token-id': String(t.id), 'data-state': t.state },
                h('td', {}, h('span', { class: 'row-title' }, t.name)),
                admin ? h('td', {}, userLabel(t.ownerUserId, dir.users, ctx.me)) : null,
                h('td', { class: 'nowrap' }, h('code', { class: 'token-prefix' }, `${t.prefix}…`)),
                h('td', {}, h('span', { class: `badge ${state}` }, t.state[0].toUpperCase() + t.state.slice(1))),
                h('td', { class: 'nowrap' }, timeEl(t.createdAt)),
                h('td', { class: 'nowrap' }, timeEl(t.lastUsedAt, 'Never')),
                h('td', { class: 'nowrap' }, t.state === 'revoked' ? h('span', { class: 'muted' }, 'Revoked ', timeEl(t.revokedAt)) : timeEl(t.expiresAt)),
                h('td', { class: 'nowrap' }, action),
            );
        });
        fill(
            listHost,
            message ? h('p', { class: 'alert alert-success' }, message) : null,
            h(
                'div',
                { class: 'card table-card table-wrap' },
                h(
                    'table',
                    { id: 'tokens-table' },
                    h('caption', { class: 'visually-hidden' }, admin ? 'Tokens of this portal' : 'Your tokens'),
                    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
                    h('tbody', {}, rows),
                ),
            ),
        );
    }

    await loadList();
}
