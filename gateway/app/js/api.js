// The gateway's APIs: the admin API (/api/v1/) for the connector's UI, and a client of the same kind for
// the staff page (/staff/api/). A session token lives in its client only: never in storage or cookies.

/** An answer other than 2xx: `code` and `message` come from {"error":{"code","message"}}. */
export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.code = code;
    }
}

/**
 * A client of one API. `base` is its address relative to the page ("../api/v1" from /app/), so the UI
 * also works behind a proxy that adds a path prefix; `endsSession(err)` says whether an error means that
 * the session is over, and then the token is dropped and the onSessionEnded callback runs.
 */
export function createClient({ base, endsSession }) {
    let token = null;
    let onSessionEnd = () => {};

    const url = (path) => new URL(`${base}${path}`, document.baseURI).toString();

    async function send(method, path, body, accept) {
        const headers = { Accept: accept };
        if (token) headers.Authorization = `Bearer ${token}`;
        const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
            init.body = JSON.stringify(body);
        }
        try {
            return await fetch(url(path), init);
        } catch {
            throw new ApiError(0, 'NetworkError', 'The gateway could not be reached. Check your connection and try again.');
        }
    }

    async function failure(res) {
        let doc = null;
        try {
            doc = await res.json();
        } catch {
            doc = null;
        }
        const err = doc && doc.error && typeof doc.error.message === 'string'
            ? new ApiError(res.status, doc.error.code || 'Error', doc.error.message)
            : new ApiError(res.status, 'HttpError', `The gateway answered ${res.status} ${res.statusText}.`.replace(' .', '.'));
        if (token && endsSession(err)) {
            token = null;
            onSessionEnd(err);
        }
        return err;
    }

    /** Calls the API; resolves with the parsed JSON (null for 204), rejects with an ApiError. */
    async function api(method, path, body) {
        const res = await send(method, path, body, 'application/json');
        if (!res.ok) throw await failure(res);
        if (res.status === 204) return null;
        try {
            return await res.json();
        } catch {
            throw new ApiError(res.status, 'InvalidAnswer', 'The gateway sent an answer this page cannot read.');
        }
    }

    /** GETs a file (a CSV export); resolves with {blob, filename}, the name from Content-Disposition. */
    async function download(path, fallbackName) {
        const res = await send('GET', path, undefined, 'text/csv, application/json;q=0.5');
        if (!res.ok) throw await failure(res);
        const cd = res.headers.get('Content-Disposition') || '';
        const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
        let filename = fallbackName;
        if (m) {
            try {
                filename = decodeURIComponent(m[1]);
            } catch {
                filename = m[1];
            }
        }
        // a name for the user's disk: no folder, nothing a file system refuses
        filename = filename.replace(/[/\\:*?"<>|\x00-\x1f]/g, '_') || fallbackName;
        return { blob: await res.blob(), filename };
    }

    return {
        setSession(t) {
            token = t;
        },
        /** `fn(error)` runs when the gateway says the session has ended. */
        onSessionEnded(fn) {
            onSessionEnd = fn;
        },
        api,
        download,
        get: (path) => api('GET', path),
        post: (path, body) => api('POST', path, body),
        patch: (path, body) => api('PATCH', path, body),
        put: (path, body) => api('PUT', path, body),
        del: (path, body) => api('DELETE', path, body),
    };
}

// the admin API: a 401 SessionInvalid or SessionRequired ends the session
const admin = createClient({
    base: '../api/v1',
    endsSession: (err) => err.status === 401 && (err.code === 'SessionInvalid' || err.code === 'SessionRequired'),
});

export const { setSession, onSessionEnded, api, download, get, post, patch, put, del } = admin;
