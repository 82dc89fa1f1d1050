/*
 * The connector's web UI: the static files of gateway/app/, embedded in the binary at build time
 * (gateway/app_embed.cmake writes them into app_files.c), served under /app/, and the support staff's
 * page (the files of gateway/app/staff/) under /staff/.
 *
 *   GET/HEAD /app/            index.html
 *   GET/HEAD /app/<file>      a file of the UI (not one of staff/); anything else is 404
 *   /app                      301 to /app/
 *   GET/HEAD /staff/          staff/index.html
 *   GET/HEAD /staff/<file>    a file of gateway/app/staff/; the page takes the shared ones (app.css,
 *                             js/...) from /app/
 *   /staff                    301 to /staff/
 *
 * /staff/api/ is the staff API's (gateway/staff.c), never answered here.
 *
 * The UI is opened inside HubSpot's iframe modal, so its Content-Security-Policy lets HubSpot's app
 * origins (and the ones given with --frame-ancestors) frame it, and nothing else. The staff page is
 * opened on its own and may be framed by nobody. Every answer carries an ETag (the file's SHA-256, cut
 * short; "-gzip" added for the gzipped representation of text) and is revalidated on each use: the file
 * names carry no version, and a 304 costs one small round trip.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gateway/gateway.h"

#define FRAME_ANCESTORS_MAX 16
#define ORIGIN_MAX 255
#define COMPRESS_MIN 512 /* smaller files are sent as they are */

/* the origins of HubSpot's app (its US and EU data centres), always allowed to frame the UI */
static const char hubspot_origins[] = "https://app.hubspot.com https://app-eu1.hubspot.com";
static const char policy[] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
                             "base-uri 'none'; form-action 'none'; frame-ancestors ";
#define STAFF_DIR "staff/"
#define STAFF_API "/staff/api"

/* one place the files are served from: its address, its folder in gateway/app/ and its policy */
typedef struct st_app_site_t {
    const char *mount; /* "/app": the site is mount + "/" */
    const char *dir;   /* the site's files, relative to gateway/app/: "" (all but staff/) or "staff/" */
    char *csp;         /* built by gw_app_register */
    int deny_frames;
} app_site_t;

typedef struct st_app_handler_t {
    h2o_handler_t super;
    app_site_t *site;
} app_handler_t;

static app_site_t app_site = {"/app", "", NULL, 0}, staff_site = {"/staff", STAFF_DIR, NULL, 1};

/* the content type of a file by its extension, and whether gzip makes it smaller */
static const char *content_type_of(const char *path, int *compressible)
{
    static const struct {
        const char *ext, *type;
        int compressible;
    } types[] = {{".html", "text/html; charset=utf-8", 1},
                 {".css", "text/css; charset=utf-8", 1},
                 {".js", "text/javascript; charset=utf-8", 1},
                 {".json", "application/json", 1},
                 {".svg", "image/svg+xml", 1},
                 {".png", "image/png", 0},
                 {".ico", "image/x-icon", 0},
                 {".txt", "text/plain; charset=utf-8", 1}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot != NULL && i != sizeof(types) / sizeof(types[0]); ++i) {
        if (strcmp(dot, types[i].ext) == 0) {
            *compressible = types[i].compressible;
            return types[i].type;
        }
    }
    *compressible = 0;
    return "application/octet-stream";
}

static const gw_app_file_t *find_file(const char *name, size_t len)
{
    for (size_t i = 0; i != gw_app_nfiles; ++i)
        if (strlen(gw_app_files[i].path) == len && memcmp(gw_app_files[i].path, name, len) == 0)
            return &gw_app_files[i];
    return NULL;
}

/* Whether an If-None-Match value (a list of entity tags, or "*") names `etag`; weak tags compare equal too. */
static int etag_matches(h2o_iovec_t value, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = value.base, *end = value.base + value.len;

    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            ++p;
        const char *start = p;
        while (p < end && *p != ',')
            ++p;
        const char *e = p;
        while (e > start && (e[-1] == ' ' || e[-1] == '\t'))
            --e;
        if (e - start == 1 && *start == '*')
            return 1;
        if (e - start > 2 && start[0] == 'W' && start[1] == '/')
            start += 2;
        if ((size_t)(e - start) == elen && memcmp(start, etag, elen) == 0)
            return 1;
    }
    return 0;
}

static void add_security_headers(h2o_req_t *req, const app_site_t *site)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0, NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL, H2O_STRLIT("no-referrer"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0, NULL, site->csp,
                          strlen(site->csp));
    if (site->deny_frames) /* for browsers older than frame-ancestors */
        h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-frame-options"), 0, NULL, H2O_STRLIT("DENY"));
}

static int send_text(h2o_req_t *req, const app_site_t *site, int status, const char *text)
{
    req->res.status = status;
    req->res.reason = gw_reason_of(status);
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, "text/plain; charset=utf-8");
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-store");
    add_security_headers(req, site);
    h2o_send_inline(req, text, strlen(text));
    return 0;
}

static int is_under(h2o_iovec_t path, const char *prefix)
{
    size_t n = strlen(prefix);
    return path.len >= n && memcmp(path.base, prefix, n) == 0 && (path.len == n || path.base[n] == '/');
}

/*
 * h2o takes the first registered path that matches, not the longest: when the staff API registers
 * STAFF_API after /staff, its requests come here, and go on to its handlers. Returns -1 when it has none.
 */
static int pass_to_staff_api(h2o_req_t *req)
{
    h2o_hostconf_t *host = req->hostconf;

    for (size_t i = 0; i != host->paths.size; ++i) {
        h2o_pathconf_t *pc = host->paths.entries + i;
        if (pc == req->pathconf || !(h2o_memis(pc->path.base, pc->path.len, H2O_STRLIT(STAFF_API)) ||
                                     h2o_memis(pc->path.base, pc->path.len, H2O_STRLIT(STAFF_API "/"))))
            continue;
        h2o_req_bind_conf(req, host, pc);
        for (size_t j = 0; j != pc->handlers.size; ++j)
            if (pc->handlers.entries[j]->on_req(pc->handlers.entries[j], req) == 0)
                return 0;
        break;
    }
    return -1;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    static h2o_generator_t generator = {NULL, NULL}; /* the body is one static buffer: nothing to pull or stop */
    const app_site_t *site = ((app_handler_t *)self)->site;
    h2o_iovec_t path = req->path_normalized;
    size_t mlen = strlen(site->mount), dlen = strlen(site->dir);
    const gw_app_file_t *file;
    const char *ctype, *etag, *rest;
    char name[256];
    size_t rlen, nlen;
    int head = h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")), compressible, gzip;

    if (site == &staff_site && is_under(path, STAFF_API)) {
        if (pass_to_staff_api(req) == 0)
            return 0;
        return send_text(req, site, 404, "not found\n");
    }
    if (!head && !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET"))) {
        gw_add_header(req, H2O_TOKEN_ALLOW, "GET, HEAD");
        return send_text(req, site, 405, "this address takes GET and HEAD\n");
    }
    if (path.len == mlen && memcmp(path.base, site->mount, mlen) == 0) {
        /* relative to the host, so it works behind a proxy too; the query goes along */
        h2o_iovec_t query = req->query_at != SIZE_MAX
                                ? h2o_iovec_init(req->path.base + req->query_at, req->path.len - req->query_at)
                                : h2o_iovec_init(H2O_STRLIT(""));
        h2o_iovec_t to = h2o_concat(&req->pool, h2o_iovec_init(site->mount, mlen), h2o_iovec_init(H2O_STRLIT("/")), query);
        add_security_headers(req, site);
        h2o_send_redirect(req, 301, "Moved Permanently", to.base, to.len);
        return 0;
    }
    if (path.len <= mlen || memcmp(path.base, site->mount, mlen) != 0 || path.base[mlen] != '/')
        return send_text(req, site, 404, "not found\n");
    /* the file's name in gateway/app/: the site's folder, then the path after the site's "/" */
    rest = path.base + mlen + 1;
    rlen = path.len - mlen - 1;
    if (rlen == 0) {
        rest = "index.html";
        rlen = sizeof("index.html") - 1;
    }
    if (dlen + rlen > sizeof(name))
        return send_text(req, site, 404, "not found\n");
    memcpy(name, site->dir, dlen);
    memcpy(name + dlen, rest, rlen);
    nlen = dlen + rlen;
    /* the staff page's files are its own: under /app/ they would take the policy that lets HubSpot frame them */
    if (dlen == 0 && nlen >= sizeof(STAFF_DIR) - 1 && memcmp(name, STAFF_DIR, sizeof(STAFF_DIR) - 1) == 0)
        return send_text(req, site, 404, "not found\n");
    if ((file = find_file(name, nlen)) == NULL)
        return send_text(req, site, 404, "not found\n");

    /*
     * Text goes gzipped to clients that take it (h2o's compress filter, told here so that the entity tag
     * can say which of the two representations it names).
     */
    ctype = content_type_of(file->path, &compressible);
    compressible = compressible && file->len >= COMPRESS_MIN;
    gzip = compressible && !head && (h2o_get_compressible_types(&req->headers) & H2O_COMPRESSIBLE_GZIP) != 0;
    req->compress_hint = gzip ? H2O_COMPRESS_HINT_ENABLE : H2O_COMPRESS_HINT_DISABLE;
    etag = file->etag;
    if (gzip) {
        size_t n = strlen(file->etag);
        etag = h2o_concat(&req->pool, h2o_iovec_init(file->etag, n - 1), h2o_iovec_init(H2O_STRLIT("-gzip\""))).base;
    }
    if (compressible)
        h2o_set_header_token(&req->pool, &req->res.headers, H2O_TOKEN_VARY, H2O_STRLIT("accept-encoding"));
    gw_add_header(req, H2O_TOKEN_ETAG, etag);
    gw_add_header(req, H2O_TOKEN_CACHE_CONTROL, "no-cache");
    add_security_headers(req, site);
    ssize_t inm = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (inm >= 0 && etag_matches(req->headers.entries[inm].value, etag)) {
        req->res.status = 304;
        req->res.reason = "Not Modified";
        h2o_start_response(req, &generator);
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return 0;
    }
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = file->len;
    gw_add_header(req, H2O_TOKEN_CONTENT_TYPE, ctype);
    h2o_start_response(req, &generator);
    if (head) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
    } else {
        h2o_iovec_t body = h2o_iovec_init(file->data, file->len); /* static: lives as long as the process */
        h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
    }
    return 0;
}

/* ---- --frame-ancestors ---- */

static int host_char(int c)
{
    return isalnum(c) || c == '-' || c == '.';
}

/*
 * Checks one origin and writes it, lower-cased, to `out`. An origin is https://host[:port], where the
 * host may start with "*." (a wildcard for one or more labels, as CSP allows) over at least two labels,
 * or http:// to a loopback host (localhost, *.localhost, 127.x.x.x, [::1]) for local use.
 */
static int check_origin(const char *s, size_t n, char *out, size_t outsz)
{
    char lower[ORIGIN_MAX + 1];
    const char *host, *end, *port = NULL;
    int https;

    if (n == 0 || n > ORIGIN_MAX)
        return -1;
    for (size_t i = 0; i != n; ++i)
        lower[i] = (char)tolower((unsigned char)s[i]);
    lower[n] = '\0';
    if (n > 1 && lower[n - 1] == '/') /* https://example.com/ names the same origin */
        lower[--n] = '\0';
    if (strncmp(lower, "https://", 8) == 0)
        https = 1, host = lower + 8;
    else if (strncmp(lower, "http://", 7) == 0)
        https = 0, host = lower + 7;
    else
        return -1;
    end = lower + n;
    if (*host == '[') { /* an IPv6 literal: only the loopback address */
        const char *close = strchr(host, ']');
        if (close == NULL || https || !(close - host == 4 && memcmp(host, "[::1]", 5) == 0))
            return -1;
        port = close + 1;
    } else {
        const char *p = host, *colon = NULL;
        size_t labels = 1;
        if (p[0] == '*' && p[1] == '.')
            p += 2;
        for (const char *q = p; q < end; ++q) {
            if (*q == ':') {
                colon = q;
                break;
            }
            if (!host_char((unsigned char)*q))
                return -1;
            if (*q == '.') {
                if (q == p || q[-1] == '.' || q + 1 == end || q[1] == ':')
                    return -1; /* an empty label */
                ++labels;
            }
        }
        const char *hend = colon != NULL ? colon : end;
        if (hend == p || p[0] == '-' || hend[-1] == '-')
            return -1;
        if (p != host && labels < 2) /* "*.com" would let any site of a top-level domain frame the UI */
            return -1;
        if (!https) {
            size_t hl = hend - host;
            int loopback = (hl == 9 && memcmp(host, "localhost", 9) == 0) ||
                           (hl > 10 && memcmp(hend - 10, ".localhost", 10) == 0) || strncmp(host, "127.", 4) == 0;
            if (!loopback)
                return -1;
            if (strncmp(host, "127.", 4) == 0)
                for (const char *q = host; q < hend; ++q)
                    if (!isdigit((unsigned char)*q) && *q != '.')
                        return -1;
        }
        port = hend;
    }
    if (*port == ':') {
        long v = 0;
        const char *q = port + 1;
        if (q == end || end - q > 5)
            return -1;
        for (; q < end; ++q) {
            if (!isdigit((unsigned char)*q))
                return -1;
            v = v * 10 + (*q - '0');
        }
        if (v < 1 || v > 65535)
            return -1;
    } else if (port != end) {
        return -1; /* a path, a query or anything else after the host */
    }
    if (n + 1 > outsz)
        return -1;
    memcpy(out, lower, n + 1);
    return 0;
}

char *gw_app_frame_ancestors(const char *list, char *err, size_t errsz)
{
    size_t cap = strlen(list) + 1, len = 0, count = 0;
    char *out = malloc(cap), origin[ORIGIN_MAX + 1];
    const char *p = list;

    if (out == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    out[0] = '\0';
    while (*p != '\0') {
        while (*p == ' ' || *p == ',' || *p == '\t')
            ++p;
        if (*p == '\0')
            break;
        const char *start = p;
        while (*p != '\0' && *p != ' ' && *p != ',' && *p != '\t')
            ++p;
        if (check_origin(start, p - start, origin, sizeof(origin)) != 0) {
            snprintf(err, errsz,
                     "\"%.*s\" is not an origin: give https://host[:port] (the host may start with \"*.\"), or "
                     "http://localhost[:port] for local use, separated by spaces",
                     (int)(p - start > 100 ? 100 : p - start), start);
            free(out);
            return NULL;
        }
        if (++count > FRAME_ANCESTORS_MAX) {
            snprintf(err, errsz, "at most %d origins", FRAME_ANCESTORS_MAX);
            free(out);
            return NULL;
        }
        len += (size_t)snprintf(out + len, cap - len, "%s%s", len != 0 ? " " : "", origin);
    }
    return out;
}

static void register_site(h2o_hostconf_t *hostconf, app_site_t *site)
{
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, site->mount, 0);
    app_handler_t *handler = (app_handler_t *)h2o_create_handler(pathconf, sizeof(*handler));

    handler->super.on_req = on_req;
    handler->site = site;
    /* text compresses to about a quarter; gzip's fastest level costs little for files this small */
    h2o_compress_args_t compress = {.min_size = COMPRESS_MIN, .gzip = {.quality = 1}, .brotli = {.quality = -1}};
    h2o_compress_register(pathconf, &compress);
}

void gw_app_register(h2o_hostconf_t *hostconf)
{
    const char *extra = gw.config.frame_ancestors != NULL ? gw.config.frame_ancestors : "";
    size_t n = sizeof(policy) + sizeof("'self' ") + sizeof(hubspot_origins) + strlen(extra) + 1;

    gw_app_dispose();
    if ((app_site.csp = malloc(n)) == NULL)
        h2o_fatal("out of memory");
    snprintf(app_site.csp, n, "%s'self' %s%s%s", policy, hubspot_origins, extra[0] != '\0' ? " " : "", extra);
    n = sizeof(policy) + sizeof("'none'");
    if ((staff_site.csp = malloc(n)) == NULL)
        h2o_fatal("out of memory");
    snprintf(staff_site.csp, n, "%s'none'", policy);
    register_site(hostconf, &app_site);
    register_site(hostconf, &staff_site);
}

void gw_app_dispose(void)
{
    free(app_site.csp);
    free(staff_site.csp);
    app_site.csp = staff_site.csp = NULL;
}
