// Small DOM helpers. Text always goes in as text nodes: nothing from the API is parsed as HTML.

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'readOnly', 'indeterminate', 'open']);

/** h('button', {class: 'btn', onclick: f}, 'Save'): an element with attributes, listeners and children. */
export function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (PROPS.has(k)) el[k] = v;
        else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false) continue;
        if (Array.isArray(c)) append(el, c);
        else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
    el.replaceChildren();
    append(el, children);
    return el;
}

let seq = 0;
/** A fresh id for label/aria wiring. */
export function uid(prefix = 'f') {
    seq += 1;
    return `${prefix}-${seq}`;
}

/** Copies text to the clipboard; falls back to a selection copy where the frame may not use the clipboard API. */
export async function copyText(text, input) {
    try {
        if (navigator.clipboard && window.isSecureContext) {
            await navigator.clipboard.writeText(text);
            return true;
        }
    } catch {
        // the frame may lack the clipboard-write permission: try the selection below
    }
    if (input) {
        input.focus();
        input.select();
        try {
            if (document.execCommand('copy')) return true;
        } catch {
            // not supported
        }
    }
    return false;
}

/**
 * A modal confirmation (a native <dialog>: focus is kept inside, Escape cancels). Resolves true when
 * the user confirms.
 */
export function confirmDialog({ title, body, confirm, danger = true, extra = null }) {
    return new Promise((resolve) => {
        const titleId = uid('dlg');
        const ok = h('button', { type: 'submit', value: 'ok', class: danger ? 'btn btn-danger-solid' : 'btn btn-primary' }, confirm);
        const cancel = h('button', { type: 'submit', value: 'cancel', class: 'btn', formnovalidate: true }, 'Cancel');
        const dlg = h(
            'dialog',
            { 'aria-labelledby': titleId },
            h('form', { method: 'dialog' }, h('h2', { id: titleId }, title), body ? h('p', {}, body) : null, extra, h('div', { class: 'form-foot' }, cancel, ok)),
        );
        dlg.addEventListener('close', () => {
            const yes = dlg.returnValue === 'ok';
            dlg.remove();
            resolve(yes);
        });
        document.body.append(dlg);
        dlg.showModal();
        cancel.focus();
    });
}
