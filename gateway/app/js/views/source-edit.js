// The data source editor: a name, the HubSpot objects, and for each object its properties and an
// optional $filter. Used for new data sources (#/sources/new) and for changes (#/sources/<id>/edit).
import { get, post, patch } from '../api.js';
import { h, fill, uid } from '../dom.js';
import { errorAlert, loading, pageHead, loadObjects, loadProperties, messageOf, announce, customObjectsReadable } from '../ui.js';

const NAME_MAX = 200;

export async function renderSourceEditor(view, params, ctx) {
    const editing = Boolean(params.id);
    const title = editing ? 'Edit data source' : 'New data source';
    const body = h('div', { 'aria-busy': 'true' }, loading());
    fill(
        view,
        editing
            ? h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/sources' }, 'Data sources'), ' / ',
                h('a', { href: `#/sources/${params.id}` }, 'Data source'))
            : h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/sources' }, 'Data sources')),
        pageHead(title, 'Choose what Power BI may read: objects, their properties, and optionally which records.'),
        body,
    );
    ctx.titled(title);

    const load = async () => {
        fill(body, loading());
        body.setAttribute('aria-busy', 'true');
        try {
            const [objects, source, customOk] = await Promise.all([
                loadObjects(),
                editing ? get(`/datasources/${params.id}`) : null,
                customObjectsReadable(),
            ]);
            if (!ctx.alive()) return;
            body.removeAttribute('aria-busy');
            if (source && !source.canEdit) {
                fill(body, h('div', { class: 'alert alert-warning', role: 'alert' }, h('p', {}, 'Only the owner of this data source or a portal admin can change it.')));
                return;
            }
            buildForm(body, objects, source, ctx, customOk);
        } catch (err) {
            if (!ctx.alive()) return;
            body.removeAttribute('aria-busy');
            fill(body, errorAlert(err, load, editing ? 'The data source could not be loaded' : 'HubSpot’s objects could not be loaded'));
        }
    };
    await load();
}

function buildForm(body, objects, source, ctx, customOk) {
    // what the user has chosen, by object name
    const picked = new Map();
    for (const o of source ? source.objects : []) {
        picked.set(o.object, { mode: o.properties.length ? 'some' : 'all', selected: new Set(o.properties), filter: o.filter || '' });
    }

    const topError = h('div', { class: 'form-errors' });
    const nameId = uid('name');
    const nameErrId = `${nameId}-err`;
    const nameInput = h('input', {
        type: 'text', id: nameId, name: 'name', required: true, maxlength: NAME_MAX, autocomplete: 'off',
        value: source ? source.name : '', 'aria-describedby': `${nameId}-hint`,
    });
    const nameErr = h('p', { class: 'field-error', id: nameErrId, hidden: true });
    const nameField = h(
        'div',
        { class: 'field' },
        h('label', { for: nameId }, 'Name'),
        nameInput,
        h('p', { class: 'hint', id: `${nameId}-hint` }, 'Shown to everyone the data source is shared with, for example “Sales pipeline”.'),
        nameErr,
    );

    const sections = h('div', { class: 'object-sections' });
    const sectionOf = new Map(); // object name -> {el, showError}

    const objErr = h('p', { class: 'field-error', id: uid('objerr'), hidden: true });
    const objectBox = (o) => {
        const id = uid('obj');
        const box = h('input', { type: 'checkbox', id, value: o.name, checked: picked.has(o.name), 'data-object': o.name });
        box.addEventListener('change', () => {
            if (box.checked) picked.set(o.name, { mode: 'all', selected: new Set(), filter: '' });
            else picked.delete(o.name);
            syncSections();
            if (box.checked) announce(`${o.label} added. Its properties are listed below.`);
        });
        return h('label', { class: 'check', for: id }, box, h('span', {}, o.label), h('span', { class: 'name' }, o.name));
    };
    const standard = objects.filter((o) => !o.custom);
    const custom = objects.filter((o) => o.custom);
    const objectsSet = h(
        'fieldset',
        { 'aria-describedby': `${objErr.id} ${objErr.id}-hint` },
        h('legend', { class: 'h2' }, 'Objects'),
        h('p', { class: 'hint', id: `${objErr.id}-hint` }, 'Each object becomes a table (entity set) in Power BI.'),
        h('h3', { class: 'group-title' }, 'Standard objects'),
        h('div', { class: 'object-list' }, standard.map(objectBox)),
        custom.length ? h('h3', { class: 'group-title' }, 'Custom objects') : null,
        custom.length ? h('div', { class: 'object-list' }, custom.map(objectBox)) : null,
        customOk
            ? null
            : h('p', { class: 'hint' }, 'Custom objects are not listed: the app was installed without access to them. A portal admin can install it again to add that access.'),
        objErr,
    );
    const objectsField = h('div', { class: 'card' }, objectsSet);

    function syncSections() {
        for (const [name, s] of sectionOf) {
            if (!picked.has(name)) {
                s.el.remove();
                sectionOf.delete(name);
            }
        }
        // in the order of the objects list
        for (const o of objects) {
            if (!picked.has(o.name)) continue;
            if (!sectionOf.has(o.name)) sectionOf.set(o.name, objectSection(o, picked.get(o.name)));
            sections.append(sectionOf.get(o.name).el);
        }
        // objects the data source names that HubSpot no longer lists
        for (const [name, state] of picked) {
            if (objects.some((o) => o.name === name)) continue;
            if (!sectionOf.has(name)) sectionOf.set(name, objectSection({ name, label: name, missing: true }, state));
            sections.append(sectionOf.get(name).el);
        }
        sectionsCard.hidden = picked.size === 0;
    }

    const sectionsCard = h('div', { class: 'card' }, h('h2', {}, 'Properties and filters'), sections);
    const save = h('button', { type: 'submit', class: 'btn btn-primary' }, source ? 'Save changes' : 'Create data source');
    const cancel = h('a', { class: 'btn', href: source ? `#/sources/${source.id}` : '#/sources' }, 'Cancel');
    const form = h(
        'form',
        { novalidate: true, id: 'source-form' },
        topError,
        h('div', { class: 'card' }, nameField),
        objectsField,
        sectionsCard,
        h('div', { class: 'form-foot' }, save, cancel),
    );
    fill(body, form);
    syncSections();

    function clearErrors() {
        fill(topError);
        nameErr.hidden = true;
        nameInput.removeAttribute('aria-invalid');
        objErr.hidden = true;
        for (const s of sectionOf.values()) s.showError(null);
    }

    function fieldError(el, input, text) {
        el.textContent = text;
        el.hidden = false;
        if (input) {
            input.setAttribute('aria-invalid', 'true');
            const ids = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
            ids.add(el.id);
            input.setAttribute('aria-describedby', [...ids].join(' '));
        }
    }

    function showTop(text, focusTarget) {
        fill(topError, h('div', { class: 'alert', role: 'alert', id: 'save-error' }, h('div', {}, h('p', { class: 'alert-title' }, 'The data source was not saved'), h('p', { class: 'error-message' }, text))));
        (focusTarget || topError).scrollIntoView({ block: 'center' });
        if (focusTarget) focusTarget.focus();
    }

    let sent = []; // the objects of the last request, in its order: the API's errors name them by index

    form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        clearErrors();
        const name = nameInput.value.trim();
        if (!name) {
            fieldError(nameErr, nameInput, 'Give the data source a name.');
            showTop('Give the data source a name.', nameInput);
            return;
        }
        if (picked.size === 0) {
            fieldError(objErr, null, 'Pick at least one object.');
            showTop('Pick at least one object.', objectsField.querySelector('input'));
            return;
        }
        const list = [];
        for (const [object, st] of picked) {
            const sec = sectionOf.get(object);
            if (st.mode === 'some' && st.selected.size === 0) {
                sec.showError('Choose at least one property, or “All properties”.', 'props');
                showTop(`Choose at least one property of ${sec.label}, or “All properties”.`, sec.focusable('props'));
                return;
            }
            list.push({ object, properties: st.mode === 'all' ? [] : sec.ordered(st.selected), filter: st.filter.trim() || null });
        }
        sent = list.map((o) => o.object);
        save.disabled = true;
        save.textContent = 'Saving…';
        try {
            const req = { name, objects: list };
            const ds = source ? await patch(`/datasources/${source.id}`, req) : await post('/datasources', req);
            ctx.navigate(`/sources/${ds.id}`, source ? 'Data source saved.' : 'Data source created.');
        } catch (err) {
            if (!ctx.alive()) return;
            save.disabled = false;
            save.textContent = source ? 'Save changes' : 'Create data source';
            placeError(err);
        }
    });

    // an error of the API next to the field it is about (the message names the object), and at the top
    function placeError(err) {
        // "objects[1].filter at 4: ..." names the object by its place in the request
        let text = messageOf(err);
        let object = null;
        let where = err.code === 'InvalidFilter' ? 'filter' : 'props';
        const m = /^objects\[(\d+)\](\.filter)?/i.exec(err.message || '');
        if (m && sent[Number(m[1])] !== undefined) {
            object = sent[Number(m[1])];
            if (m[2]) where = 'filter';
            const label = sectionOf.get(object)?.label || object;
            text = messageOf({ message: (m[2] ? `the filter of ${label}` : label) + err.message.slice(m[0].length) });
        }
        let target = null;
        if (err.code === 'InvalidName' || err.code === 'NameTaken') {
            fieldError(nameErr, nameInput, text);
            target = nameInput;
        } else if (err.code === 'UnknownObject') {
            fieldError(objErr, null, text);
            target = objectsField.querySelector('input');
        } else if (object && sectionOf.has(object)) {
            sectionOf.get(object).showError(text, where);
            target = sectionOf.get(object).focusable(where);
        }
        showTop(text, target);
    }
}

/** The section of one picked object: all or chosen properties, the property picker, the filter. */
function objectSection(o, state) {
    const label = o.label;
    const radioName = uid('mode');
    const allId = uid('all');
    const someId = uid('some');
    const all = h('input', { type: 'radio', name: radioName, id: allId, value: 'all', checked: state.mode === 'all' });
    const some = h('input', { type: 'radio', name: radioName, id: someId, value: 'some', checked: state.mode === 'some' });
    const pickerHost = h('div', { hidden: state.mode !== 'some' });
    const propErr = h('p', { class: 'field-error', id: uid('properr'), hidden: true });
    let props = null; // HubSpot's properties, once loaded
    let pickerSearch = null;

    const onMode = () => {
        state.mode = some.checked ? 'some' : 'all';
        pickerHost.hidden = state.mode !== 'some';
        if (state.mode === 'some' && !props) loadPicker();
    };
    all.addEventListener('change', onMode);
    some.addEventListener('change', onMode);

    const filterId = uid('filter');
    const filterErr = h('p', { class: 'field-error', id: `${filterId}-err`, hidden: true });
    const filterInput = h('input', {
        type: 'text', id: filterId, class: 'mono', value: state.filter, autocomplete: 'off', spellcheck: 'false',
        placeholder: "createdate ge 2024-01-01T00:00:00Z", 'aria-describedby': `${filterId}-hint`, 'data-filter': o.name,
    });
    filterInput.addEventListener('input', () => {
        state.filter = filterInput.value;
    });

    const el = h(
        'section',
        { class: 'object-section', 'data-object': o.name, 'aria-labelledby': `${allId}-h` },
        h('h3', { id: `${allId}-h` }, label, h('code', {}, o.name)),
        o.missing ? h('p', { class: 'alert alert-warning' }, 'HubSpot no longer lists this object. Remove it, or save to see what the gateway says.') : null,
        h(
            'fieldset',
            { 'aria-describedby': propErr.id },
            h('legend', { class: 'visually-hidden' }, `Properties of ${label}`),
            h(
                'div',
                { class: 'mode' },
                h('label', { class: 'check', for: allId }, all, h('span', {}, 'All properties ', h('span', { class: 'muted' }, '(including ones added later)'))),
                h('label', { class: 'check', for: someId }, some, h('span', {}, 'Choose properties')),
            ),
            pickerHost,
            propErr,
        ),
        h(
            'div',
            { class: 'field' },
            h('label', { for: filterId }, 'Filter ', h('span', { class: 'muted' }, '(optional)')),
            filterInput,
            h(
                'p',
                { class: 'hint', id: `${filterId}-hint` },
                'Only matching records reach Power BI. OData $filter syntax over the properties chosen above: eq, ne, gt, ge, lt, le, and, or, not, ',
                h('code', {}, "contains(name,'text')"),
                '; text in single quotes, date-times like 2024-01-01T00:00:00Z.',
            ),
            filterErr,
        ),
    );

    function loadPicker() {
        fill(pickerHost, loading(`Loading the properties of ${label}…`));
        loadProperties(o.name).then(
            (list) => {
                props = list;
                buildPicker();
            },
            (err) => fill(pickerHost, errorAlert(err, loadPicker, `The properties of ${label} could not be loaded`)),
        );
    }

    function buildPicker() {
        const searchId = uid('search');
        const count = h('span', { class: 'count', 'aria-live': 'polite' });
        const search = h('input', { type: 'search', id: searchId, placeholder: 'Search by label or name', autocomplete: 'off', 'data-search': o.name });
        pickerSearch = search;
        const rows = [];
        const groups = new Map();
        for (const p of props) {
            const g = p.groupName || 'other';
            if (!groups.has(g)) groups.set(g, []);
            groups.get(g).push(p);
        }
        const list = h('div', { class: 'picker-list' });
        for (const [g, ps] of [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
            const items = ps
                .slice()
                .sort((a, b) => (a.label || a.name).localeCompare(b.label || b.name))
                .map((p) => {
                    const id = uid('p');
                    const box = h('input', { type: 'checkbox', id, value: p.name, checked: state.selected.has(p.name), 'data-prop': p.name });
                    box.addEventListener('change', () => {
                        if (box.checked) state.selected.add(p.name);
                        else state.selected.delete(p.name);
                        updateCount();
                    });
                    const row = h(
                        'label',
                        { class: 'prop', for: id, title: p.description || null },
                        box,
                        h('span', { class: 'prop-text' }, h('span', {}, p.label || p.name), h('span', { class: 'prop-name' }, p.name)),
                        h('span', { class: 'type' }, p.fieldType && p.fieldType !== p.type ? `${p.type} · ${p.fieldType}` : p.type),
                    );
                    rows.push({ row, box, text: `${p.label || ''} ${p.name}`.toLowerCase() });
                    return row;
                });
            const group = h('fieldset', { class: 'picker-group' }, h('legend', {}, g), items);
            group._rows = rows.slice(rows.length - items.length);
            list.append(group);
        }
        const visible = () => rows.filter((r) => !r.row.hidden);
        function updateCount() {
            count.textContent = `${state.selected.size} of ${props.length} selected`;
        }
        search.addEventListener('input', () => {
            const q = search.value.trim().toLowerCase();
            for (const r of rows) r.row.hidden = q !== '' && !r.text.includes(q);
            for (const g of list.children) g.hidden = g._rows.every((r) => r.row.hidden);
        });
        const selectAll = h('button', { type: 'button', class: 'btn btn-small' }, 'Select all shown');
        const selectNone = h('button', { type: 'button', class: 'btn btn-small' }, 'Select none');
        selectAll.addEventListener('click', () => {
            for (const r of visible()) {
                r.box.checked = true;
                state.selected.add(r.box.value);
            }
            updateCount();
        });
        selectNone.addEventListener('click', () => {
            for (const r of rows) r.box.checked = false;
            state.selected.clear();
            updateCount();
        });
        updateCount();
        fill(
            pickerHost,
            h(
                'div',
                { class: 'picker' },
                h('div', { class: 'picker-bar' }, h('label', { for: searchId, class: 'visually-hidden' }, `Search the properties of ${label}`), search, selectAll, selectNone, count),
                list,
            ),
        );
    }

    if (state.mode === 'some') loadPicker();

    return {
        el,
        label,
        showError(text, where) {
            for (const [err, input] of [[propErr, null], [filterErr, filterInput]]) {
                err.hidden = true;
                if (input) input.removeAttribute('aria-invalid');
            }
            if (!text) return;
            const err = where === 'filter' ? filterErr : propErr;
            err.textContent = text;
            err.hidden = false;
            if (where === 'filter') {
                filterInput.setAttribute('aria-invalid', 'true');
                filterInput.setAttribute('aria-describedby', `${filterId}-hint ${filterErr.id}`);
            }
        },
        focusable(where) {
            if (where === 'filter') return filterInput;
            return pickerSearch && state.mode === 'some' ? pickerSearch : some;
        },
        // the chosen names in HubSpot's order (names HubSpot no longer lists go last, for the gateway to judge)
        ordered(selected) {
            const known = props ? props.map((p) => p.name).filter((n) => selected.has(n)) : [];
            return known.concat([...selected].filter((n) => !known.includes(n)));
        },
    };
}
