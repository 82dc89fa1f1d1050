// The gateway's admin API (/api/v1/). The session token lives in this module only: never in storage or cookies.

let token = null;
let onSessionEnd = () => {};

/** An answer other than 2xx: `code` and `message` come from {"error":{"code","message"}}. */
export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
    }
}

export function setSession(t) {
    token = t;
}

/** `fn(error)` runs when the gateway says the session has ended (401 SessionInvalid or SessionRequired). */
export function onSessionEnded(fn) {
    onSessionEnd = fn;
}

function url(path) {
    // relative to /app/, so the UI also works behind a proxy that adds a path prefix
    return new URL(`../api/v1${path}`, document.baseURI).toString();
}

/** Calls the API; resolves with the parsed JSON (null for 204), rejects with an ApiError. */
export async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let res;
    try {
        res = await fetch(url(path), init);
    } catch {
        throw new ApiError(0, 'NetworkError', 'The gateway could not be reached. Check your connection and try again.');
    }
    if (res.status === 204) return null;
    let doc = null;
    try {
        doc = await res.json();
    } catch {
        doc = null;
    }
    if (res.ok) {
        if (doc === null) throw new ApiError(res.status, 'InvalidAnswer', 'The gateway sent an answer this page cannot read.');
        return doc;
    }
    const err = doc && doc.error && typeof doc.error.message === 'string'
        ? new ApiError(res.status, doc.error.code || 'Error', doc.error.message)
        : new ApiError(res.status, 'HttpError', `The gateway answered ${res.status} ${res.statusText}.`.replace(' .', '.'));
    if (res.status === 401 && (err.code === 'SessionInvalid' || err.code === 'SessionRequired') && token) {
        token = null;
        onSessionEnd(err);
    }
    throw err;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path, body) => api('DELETE', path, body);
