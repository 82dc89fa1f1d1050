/* odata-gateway: the OData v4 server in front of HubSpot. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <curl/curl.h>
#include "gateway/gateway.h"
#include "gateway/authcache.h"
#include "gateway/audit.h"

gw_t gw;
static volatile sig_atomic_t stopping;

static void usage(FILE *fp)
{
    fprintf(fp, "usage: odata-gateway [options]\n"
                "  --listen HOST:PORT        address to listen on (GATEWAY_LISTEN, default 127.0.0.1:8080)\n"
                "  --database CONNINFO       PostgreSQL conninfo or URI (GATEWAY_DATABASE_URL, default: libpq's PG* variables)\n"
                "  --hubspot-base-url URL    HubSpot API base (GATEWAY_HUBSPOT_BASE_URL, default https://api.hubapi.com)\n"
                "  --hubspot-auth-url URL    where users approve the app's install (GATEWAY_HUBSPOT_AUTH_URL,\n"
                "                            default https://app.hubspot.com)\n"
                "  --client-id ID            HubSpot app client id (GATEWAY_HUBSPOT_CLIENT_ID)\n"
                "  --client-secret SECRET    HubSpot app client secret (GATEWAY_HUBSPOT_CLIENT_SECRET)\n"
                "  --master-key-file FILE    master keys for refresh tokens (GATEWAY_MASTER_KEY_FILE, or GATEWAY_MASTER_KEY)\n"
                "  --public-url URL          base of absolute URLs in answers and of the OAuth redirect URI\n"
                "                            (GATEWAY_PUBLIC_URL, default from the request)\n"
                "  --oauth-scopes LIST       scopes the install requires, separated by spaces (GATEWAY_OAUTH_SCOPES,\n"
                "                            default: read access to contacts, companies, deals, tickets and their schemas)\n"
                "  --oauth-optional-scopes L scopes asked for when the portal has them (GATEWAY_OAUTH_OPTIONAL_SCOPES,\n"
                "                            default: custom objects and owners, read-only; \"\" for none)\n"
                "  --oauth-state-ttl S       seconds an install may take from /oauth/install to the callback\n"
                "                            (GATEWAY_OAUTH_STATE_TTL, default 600)\n"
                "  --session-ttl S           seconds a session of the admin UI lasts, 60 to 86400 (GATEWAY_SESSION_TTL,\n"
                "                            default 3600)\n"
                "  --token-max-days N        the longest lifetime of a personal access token, 1 to 3650 days\n"
                "                            (GATEWAY_TOKEN_MAX_DAYS, default 365)\n"
                "  --token-cap N             active personal access tokens one user may hold, 1 to 1000\n"
                "                            (GATEWAY_TOKEN_CAP, default 20)\n"
                "  --frame-ancestors LIST    origins besides HubSpot's (https://app.hubspot.com, https://app-eu1.hubspot.com)\n"
                "                            that may show the UI in a frame: https://host[:port], separated by spaces\n"
                "                            (GATEWAY_FRAME_ANCESTORS)\n"
                "  --auth-cache-ttl S        seconds a token lookup is cached, 0 to 300; changes evict it at once\n"
                "                            (GATEWAY_AUTH_CACHE_TTL, default 30; 0: every request reads the database)\n"
                "  --audit-spool-mb N        memory for audit events waiting for PostgreSQL, 0 to 4096 MiB\n"
                "                            (GATEWAY_AUDIT_SPOOL_MB, default 64)\n"
                "  --audit-spool-file PATH   where audit events go when the memory spool is full, written when PostgreSQL\n"
                "                            takes them again, also after a restart (GATEWAY_AUDIT_SPOOL_FILE; none: dropped)\n"
                "  --audit-spool-file-mb N   the most the spool file holds, 1 to 1048576 MiB (GATEWAY_AUDIT_SPOOL_FILE_MB,\n"
                "                            default 1024)\n"
                "  --audit-upkeep S          seconds between looks for expired tokens to record, 1 to 3600; every 60th\n"
                "                            look also prunes audit rows past retention (GATEWAY_AUDIT_UPKEEP, default 60)\n"
                "  --api-key-param NAME      query parameter that may carry the token (GATEWAY_API_KEY_PARAM, default api_key)\n"
                "  --page-size N             rows per response before @odata.nextLink (GATEWAY_PAGE_SIZE, default 10000)\n"
                "  --hubspot-max-attempts N  tries of a HubSpot request failing with 5xx or on the network\n"
                "                            (GATEWAY_HUBSPOT_MAX_ATTEMPTS, default 6)\n"
                "  --hubspot-retry-budget S  seconds after a request's first try past which it is not retried, 429s\n"
                "                            included (GATEWAY_HUBSPOT_RETRY_BUDGET, default 60)\n"
                "  --hubspot-rate-limit N    requests per ten seconds per portal until HubSpot's X-HubSpot-RateLimit\n"
                "                            headers say otherwise; 0: none until they do (GATEWAY_HUBSPOT_RATE_LIMIT,\n"
                "                            default 100, the lowest tier)\n"
                "  --hubspot-search-rate N   search requests per second per portal, likewise (GATEWAY_HUBSPOT_SEARCH_RATE,\n"
                "                            default 5)\n"
                "  --hubspot-lookahead N     HubSpot pages a whole-table feed reads at once, 1 to 8\n"
                "                            (GATEWAY_HUBSPOT_LOOKAHEAD, default 4)\n"
                "  --log-level LEVEL         error, warn, info or debug (GATEWAY_LOG_LEVEL, default info)\n");
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : def;
}

/* A whole number from lo to hi, or a message naming the flag. */
static int parse_range(const char *flag, const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "odata-gateway: %s must be a number from %ld to %ld\n", flag, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_config(int argc, char **argv, gw_config_t *c)
{
    static const struct option longopts[] = {{"listen", required_argument, NULL, 'l'},
                                             {"database", required_argument, NULL, 'd'},
                                             {"hubspot-base-url", required_argument, NULL, 'b'},
                                             {"hubspot-auth-url", required_argument, NULL, 'U'},
                                             {"oauth-scopes", required_argument, NULL, 'S'},
                                             {"oauth-optional-scopes", required_argument, NULL, 'O'},
                                             {"oauth-state-ttl", required_argument, NULL, 'T'},
                                             {"client-id", required_argument, NULL, 'i'},
                                             {"client-secret", required_argument, NULL, 's'},
                                             {"master-key-file", required_argument, NULL, 'k'},
                                             {"public-url", required_argument, NULL, 'u'},
                                             {"api-key-param", required_argument, NULL, 'a'},
                                             {"page-size", required_argument, NULL, 'p'},
                                             {"log-level", required_argument, NULL, 'v'},
                                             {"hubspot-max-attempts", required_argument, NULL, 'A'},
                                             {"hubspot-retry-budget", required_argument, NULL, 'B'},
                                             {"hubspot-rate-limit", required_argument, NULL, 'R'},
                                             {"hubspot-search-rate", required_argument, NULL, 'Q'},
                                             {"hubspot-lookahead", required_argument, NULL, 'L'},
                                             {"session-ttl", required_argument, NULL, 'E'},
                                             {"token-max-days", required_argument, NULL, 'X'},
                                             {"token-cap", required_argument, NULL, 'C'},
                                             {"frame-ancestors", required_argument, NULL, 'F'},
                                             {"auth-cache-ttl", required_argument, NULL, 'Y'},
                                             {"audit-spool-mb", required_argument, NULL, 'M'},
                                             {"audit-upkeep", required_argument, NULL, 'K'},
                                             {"audit-spool-file", required_argument, NULL, 'G'},
                                             {"audit-spool-file-mb", required_argument, NULL, 'H'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *page_size = env_or("GATEWAY_PAGE_SIZE", "10000"), *level = env_or("GATEWAY_LOG_LEVEL", "info");
    const char *attempts = env_or("GATEWAY_HUBSPOT_MAX_ATTEMPTS", "6"), *budget = env_or("GATEWAY_HUBSPOT_RETRY_BUDGET", "60");
    const char *state_ttl = env_or("GATEWAY_OAUTH_STATE_TTL", "600"), *session_ttl = env_or("GATEWAY_SESSION_TTL", "3600");
    const char *rate = env_or("GATEWAY_HUBSPOT_RATE_LIMIT", "100"), *search_rate = env_or("GATEWAY_HUBSPOT_SEARCH_RATE", "5");
    const char *lookahead = env_or("GATEWAY_HUBSPOT_LOOKAHEAD", "4");
    const char *token_max_days = env_or("GATEWAY_TOKEN_MAX_DAYS", "365"), *token_cap = env_or("GATEWAY_TOKEN_CAP", "20");
    const char *frame_ancestors = env_or("GATEWAY_FRAME_ANCESTORS", "");
    const char *auth_cache_ttl = env_or("GATEWAY_AUTH_CACHE_TTL", "30");
    const char *audit_spool_mb = env_or("GATEWAY_AUDIT_SPOOL_MB", "64");
    const char *audit_upkeep = env_or("GATEWAY_AUDIT_UPKEEP", "60");
    const char *audit_spool_file_mb = env_or("GATEWAY_AUDIT_SPOOL_FILE_MB", "1024");
    int ch;

    c->listen = env_or("GATEWAY_LISTEN", "127.0.0.1:8080");
    c->database = env_or("GATEWAY_DATABASE_URL", "");
    c->audit_spool_file = env_or("GATEWAY_AUDIT_SPOOL_FILE", NULL);
    c->hubspot_base_url = env_or("GATEWAY_HUBSPOT_BASE_URL", "https://api.hubapi.com");
    c->hubspot_auth_url = env_or("GATEWAY_HUBSPOT_AUTH_URL", "https://app.hubspot.com");
    c->oauth_scopes = env_or("GATEWAY_OAUTH_SCOPES", "oauth crm.objects.contacts.read crm.objects.companies.read "
                                                     "crm.objects.deals.read tickets crm.schemas.contacts.read "
                                                     "crm.schemas.companies.read crm.schemas.deals.read settings.users.read "
                                                     "settings.users.teams.read");
    c->oauth_optional_scopes =
        env_or("GATEWAY_OAUTH_OPTIONAL_SCOPES", "crm.objects.custom.read crm.schemas.custom.read crm.objects.owners.read");
    c->client_id = env_or("GATEWAY_HUBSPOT_CLIENT_ID", NULL);
    c->client_secret = env_or("GATEWAY_HUBSPOT_CLIENT_SECRET", NULL);
    c->master_key_file = env_or("GATEWAY_MASTER_KEY_FILE", NULL);
    c->master_key = env_or("GATEWAY_MASTER_KEY", NULL);
    c->public_url = env_or("GATEWAY_PUBLIC_URL", NULL);
    c->api_key_param = env_or("GATEWAY_API_KEY_PARAM", "api_key");
    c->db_pool_size = 4;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'l':
            c->listen = optarg;
            break;
        case 'd':
            c->database = optarg;
            break;
        case 'b':
            c->hubspot_base_url = optarg;
            break;
        case 'U':
            c->hubspot_auth_url = optarg;
            break;
        case 'S':
            c->oauth_scopes = optarg;
            break;
        case 'O':
            c->oauth_optional_scopes = optarg;
            break;
        case 'T':
            state_ttl = optarg;
            break;
        case 'E':
            session_ttl = optarg;
            break;
        case 'X':
            token_max_days = optarg;
            break;
        case 'C':
            token_cap = optarg;
            break;
        case 'F':
            frame_ancestors = optarg;
            break;
        case 'Y':
            auth_cache_ttl = optarg;
            break;
        case 'M':
            audit_spool_mb = optarg;
            break;
        case 'K':
            audit_upkeep = optarg;
            break;
        case 'G':
            c->audit_spool_file = optarg;
            break;
        case 'H':
            audit_spool_file_mb = optarg;
            break;
        case 'i':
            c->client_id = optarg;
            break;
        case 's':
            c->client_secret = optarg;
            break;
        case 'k':
            c->master_key_file = optarg;
            break;
        case 'u':
            c->public_url = optarg;
            break;
        case 'a':
            c->api_key_param = optarg;
            break;
        case 'p':
            page_size = optarg;
            break;
        case 'v':
            level = optarg;
            break;
        case 'A':
            attempts = optarg;
            break;
        case 'B':
            budget = optarg;
            break;
        case 'R':
            rate = optarg;
            break;
        case 'Q':
            search_rate = optarg;
            break;
        case 'L':
            lookahead = optarg;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "odata-gateway: unexpected argument %s\n", argv[optind]);
        return -1;
    }
    char *endp;
    long ps = strtol(page_size, &endp, 10);
    if (*endp != '\0' || ps < 100 || ps > 1000000) {
        fprintf(stderr, "odata-gateway: --page-size must be a number from 100 to 1000000\n");
        return -1;
    }
    c->page_size = (size_t)ps;
    long n = strtol(attempts, &endp, 10);
    if (*endp != '\0' || n < 1 || n > 20) {
        fprintf(stderr, "odata-gateway: --hubspot-max-attempts must be a number from 1 to 20\n");
        return -1;
    }
    c->hubspot_max_attempts = (int)n;
    n = strtol(budget, &endp, 10);
    if (*endp != '\0' || n < 1 || n > 3600) {
        fprintf(stderr, "odata-gateway: --hubspot-retry-budget must be a number of seconds from 1 to 3600\n");
        return -1;
    }
    c->hubspot_retry_budget_ms = n * 1000;
    if (parse_range("--hubspot-rate-limit", rate, 0, 1000, &n) != 0)
        return -1;
    c->hubspot_rate_limit = (unsigned)n;
    if (parse_range("--hubspot-search-rate", search_rate, 0, 100, &n) != 0)
        return -1;
    c->hubspot_search_rate = (unsigned)n;
    if (parse_range("--hubspot-lookahead", lookahead, 1, 8, &n) != 0)
        return -1;
    c->hubspot_lookahead = (unsigned)n;
    if (parse_range("--token-max-days", token_max_days, 1, 3650, &n) != 0)
        return -1;
    c->token_max_days = (unsigned)n;
    if (parse_range("--token-cap", token_cap, 1, 1000, &n) != 0)
        return -1;
    c->token_cap = (unsigned)n;
    if (parse_range("--auth-cache-ttl", auth_cache_ttl, 0, 300, &n) != 0)
        return -1;
    c->auth_cache_ttl = (unsigned)n;
    if (parse_range("--audit-spool-mb", audit_spool_mb, 0, 4096, &n) != 0)
        return -1;
    c->audit_spool_mb = (unsigned)n;
    if (c->audit_spool_file != NULL && c->audit_spool_file[0] == '\0')
        c->audit_spool_file = NULL;
    if (n == 0 && c->audit_spool_file == NULL) {
        fprintf(stderr, "odata-gateway: --audit-spool-mb 0 needs --audit-spool-file\n");
        return -1;
    }
    if (parse_range("--audit-spool-file-mb", audit_spool_file_mb, 1, 1048576, &n) != 0)
        return -1;
    c->audit_spool_file_mb = (unsigned)n;
    if (parse_range("--audit-upkeep", audit_upkeep, 1, 3600, &n) != 0)
        return -1;
    c->audit_upkeep_interval = (unsigned)n;
    if (strcmp(level, "error") == 0)
        gw_log_level = GW_LOG_ERROR;
    else if (strcmp(level, "warn") == 0)
        gw_log_level = GW_LOG_WARN;
    else if (strcmp(level, "info") == 0)
        gw_log_level = GW_LOG_INFO;
    else if (strcmp(level, "debug") == 0)
        gw_log_level = GW_LOG_DEBUG;
    else {
        fprintf(stderr, "odata-gateway: --log-level must be error, warn, info or debug\n");
        return -1;
    }
    size_t bl = strlen(c->hubspot_base_url);
    if (bl == 0 || c->hubspot_base_url[bl - 1] == '/' ||
        (strncmp(c->hubspot_base_url, "http://", 7) != 0 && strncmp(c->hubspot_base_url, "https://", 8) != 0)) {
        fprintf(stderr, "odata-gateway: --hubspot-base-url must be an http(s) URL without a trailing slash\n");
        return -1;
    }
    bl = strlen(c->hubspot_auth_url);
    if (bl == 0 || c->hubspot_auth_url[bl - 1] == '/' ||
        (strncmp(c->hubspot_auth_url, "http://", 7) != 0 && strncmp(c->hubspot_auth_url, "https://", 8) != 0)) {
        fprintf(stderr, "odata-gateway: --hubspot-auth-url must be an http(s) URL without a trailing slash\n");
        return -1;
    }
    if (c->public_url != NULL && strncmp(c->public_url, "http://", 7) != 0 && strncmp(c->public_url, "https://", 8) != 0) {
        fprintf(stderr, "odata-gateway: --public-url must be an http(s) URL\n");
        return -1;
    }
    n = strtol(state_ttl, &endp, 10);
    if (*endp != '\0' || n < 1 || n > 86400) {
        fprintf(stderr, "odata-gateway: --oauth-state-ttl must be a number of seconds from 1 to 86400\n");
        return -1;
    }
    c->oauth_state_ttl = n;
    n = strtol(session_ttl, &endp, 10);
    if (*endp != '\0' || n < 60 || n > 86400) {
        fprintf(stderr, "odata-gateway: --session-ttl must be a number of seconds from 60 to 86400\n");
        return -1;
    }
    c->session_ttl = n;
    /* kept for the process's lifetime */
    if ((c->oauth_scopes = gw_oauth_scope_list(c->oauth_scopes)) == NULL ||
        (c->oauth_optional_scopes = gw_oauth_scope_list(c->oauth_optional_scopes)) == NULL) {
        fprintf(stderr, "odata-gateway: --oauth-scopes and --oauth-optional-scopes take scope names (letters, digits, "
                        "'.', '_', ':', '/', '-') separated by spaces\n");
        return -1;
    }
    if (c->oauth_scopes[0] == '\0') {
        fprintf(stderr, "odata-gateway: --oauth-scopes needs at least one scope\n");
        return -1;
    }
    {
        char err[256];
        /* kept for the process's lifetime */
        if ((c->frame_ancestors = gw_app_frame_ancestors(frame_ancestors, err, sizeof(err))) == NULL) {
            fprintf(stderr, "odata-gateway: --frame-ancestors: %s\n", err);
            return -1;
        }
    }
    if (c->master_key_file == NULL && c->master_key == NULL) {
        fprintf(stderr,
                "odata-gateway: a master key is required (--master-key-file, GATEWAY_MASTER_KEY_FILE or GATEWAY_MASTER_KEY)\n");
        return -1;
    }
    return 0;
}

static int migrate(const char *conninfo)
{
    char err[512];
    PGconn *conn = PQconnectdb(conninfo);
    int ret = -1;
    if (PQstatus(conn) != CONNECTION_OK) {
        gw_log(GW_LOG_ERROR, "store", "cannot connect to the database: %s", PQerrorMessage(conn));
        goto out;
    }
    if (store_migrate(conn, err, sizeof(err)) != STORE_OK) {
        gw_log(GW_LOG_ERROR, "store", "migration failed: %s", err);
        goto out;
    }
    ret = 0;
out:
    PQfinish(conn);
    return ret;
}

static int health(h2o_handler_t *self, h2o_req_t *req)
{
    gw_auth_cache_stats_t st;
    gw_audit_stats_t au;
    char *body = h2o_mem_alloc_pool(&req->pool, 512);
    int n;

    gw_auth_cache_get_stats(&st);
    gw_audit_get_stats(&au);
    n = snprintf(body, 512,
                 "{\"status\":\"ok\",\"authCache\":{\"listening\":%s,\"entries\":%zu,\"hits\":%" PRIu64 ",\"misses\":%" PRIu64
                 ",\"evictions\":%" PRIu64 "},\"audit\":{\"queued\":%zu,\"queuedBytes\":%zu,\"written\":%" PRIu64
                 ",\"dropped\":%" PRIu64 ",\"failing\":%s,\"fileBytes\":%zu}}",
                 st.listening ? "true" : "false", st.entries, st.hits, st.misses, st.evictions, au.queued, au.queued_bytes,
                 au.written, au.dropped, au.failing ? "true" : "false", au.file_bytes);
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    h2o_send_inline(req, body, (size_t)n);
    return 0;
}

static int not_found(h2o_handler_t *self, h2o_req_t *req)
{
    static const char body[] = "{\"error\":{\"code\":\"NotFound\",\"message\":\"nothing at this address\"}}";
    req->res.status = 404;
    req->res.reason = "Not Found";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    h2o_send_inline(req, body, sizeof(body) - 1);
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    h2o_socket_t *sock;
    if (err != NULL)
        return;
    if ((sock = h2o_evloop_socket_accept(listener)) == NULL)
        return;
    h2o_accept(&gw.accept_ctx, sock);
}

static int listen_on(const char *hostport, char *bound, size_t boundsz)
{
    char host[256];
    const char *colon = strrchr(hostport, ':');
    struct addrinfo hints = {0}, *res = NULL;
    int fd = -1, on = 1;

    if (colon == NULL || (size_t)(colon - hostport) >= sizeof(host)) {
        fprintf(stderr, "odata-gateway: --listen must be HOST:PORT\n");
        return -1;
    }
    memcpy(host, hostport, colon - hostport);
    host[colon - hostport] = '\0';
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host[0] != '\0' ? host : NULL, colon + 1, &hints, &res) != 0) {
        fprintf(stderr, "odata-gateway: cannot resolve %s\n", hostport);
        return -1;
    }
    if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 ||
        listen(fd, SOMAXCONN) != 0) {
        fprintf(stderr, "odata-gateway: cannot listen on %s: %s\n", hostport, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char h[INET6_ADDRSTRLEN] = "?";
        int port = 0;
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, h, sizeof(h));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
            snprintf(bound, boundsz, "%s:%d", h, port);
        } else {
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, h, sizeof(h));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
            snprintf(bound, boundsz, "[%s]:%d", h, port);
        }
    }
    return fd;
}

static void on_signal(int sig)
{
    stopping = 1;
}

int main(int argc, char **argv)
{
    char err[512], bound[128];
    h2o_hostconf_t *hostconf;
    h2o_pathconf_t *pathconf;
    h2o_socket_t *listener;
    int fd;

    signal(SIGPIPE, SIG_IGN);
    if (parse_config(argc, argv, &gw.config) != 0)
        return 2;
    if ((gw.keyring = store_keyring_load(gw.config.master_key_file, gw.config.master_key, err, sizeof(err))) == NULL) {
        gw_log(GW_LOG_ERROR, "config", "master keys: %s", err);
        return 1;
    }
    /* the key that signs $skiptoken values: every process sharing the master keys agrees on it */
    store_keyring_derive(gw.keyring, "odata-skiptoken-v1", gw.link_key);
    store_keyring_derive(gw.keyring, "oauth-state-v1", gw.state_key);
    if (migrate(gw.config.database) != 0)
        return 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        gw_log(GW_LOG_ERROR, "config", "libcurl could not be initialised");
        return 1;
    }

    h2o_config_init(&gw.globalconf);
    gw.globalconf.server_name = h2o_iovec_init(H2O_STRLIT("hubspot-odata-gateway"));
    gw.globalconf.max_request_entity_size = 1024 * 1024; /* the admin API takes small JSON bodies; nothing else takes one */
    hostconf = h2o_config_register_host(&gw.globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    pathconf = h2o_config_register_path(hostconf, "/healthz", 0);
    h2o_create_handler(pathconf, sizeof(h2o_handler_t))->on_req = health;
    gw_odata_register(hostconf);
    gw_oauth_register(hostconf);
    gw_api_register(hostconf);
    if (gw_staff_register(hostconf) != 0) {
        gw_log(GW_LOG_ERROR, "config", "out of memory");
        return 1;
    }
    gw_app_register(hostconf);
    pathconf = h2o_config_register_path(hostconf, "/", 0);
    h2o_create_handler(pathconf, sizeof(h2o_handler_t))->on_req = not_found;

    gw.evloop = h2o_evloop_create();
    gw_staff_start(gw.evloop);
    h2o_context_init(&gw.ctx, gw.evloop, &gw.globalconf);
    gw.accept_ctx.ctx = &gw.ctx;
    gw.accept_ctx.hosts = gw.globalconf.hosts;

    if ((gw.hsloop = hs_loop_create(gw.evloop)) == NULL) {
        gw_log(GW_LOG_ERROR, "hubspot", "cannot set up the HubSpot client loop");
        return 1;
    }
    {
        hs_client_config_t hc = {.base_url = gw.config.hubspot_base_url,
                                 .client_id = gw.config.client_id,
                                 .client_secret = gw.config.client_secret,
                                 .timeout_ms = 120000,
                                 .max_body = 32 * 1024 * 1024,
                                 .max_attempts = gw.config.hubspot_max_attempts,
                                 .retry_budget_ms = gw.config.hubspot_retry_budget_ms,
                                 .rate_ten_secondly = gw.config.hubspot_rate_limit,
                                 .rate_secondly_search = gw.config.hubspot_search_rate};
        gw.hubspot = hs_client_create(gw.hsloop, &hc);
    }
    {
        store_pg_loop_t pl = gw_pg_loop(gw.evloop);
        gw.db = store_pg_create(gw.config.database, &pl, gw.config.db_pool_size);
    }
    if (gw.hubspot == NULL || gw.db == NULL || gw_auth_cache_start() != 0 || gw_audit_start() != 0) {
        gw_log(GW_LOG_ERROR, "config", "out of memory");
        return 1;
    }

    if ((fd = listen_on(gw.config.listen, bound, sizeof(bound))) < 0)
        return 1;
    listener = h2o_evloop_socket_create(gw.evloop, fd, H2O_SOCKET_FLAG_DONT_READ);
    h2o_socket_read_start(listener, on_accept);
    {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
    }
    printf("odata-gateway listening on http://%s\n", bound);
    fflush(stdout);
    gw_log(GW_LOG_INFO, "server", "listening on %s, HubSpot at %s", bound, gw.config.hubspot_base_url);

    while (!stopping)
        h2o_evloop_run(gw.evloop, INT32_MAX);

    gw_log(GW_LOG_INFO, "server", "shutting down");
    h2o_socket_read_stop(listener);
    h2o_socket_close(listener);
    gw_staff_stop();
    gw_auth_cache_stop();
    gw_audit_stop(5000);
    store_pg_destroy(gw.db);
    hs_client_destroy(gw.hubspot);
    hs_loop_destroy(gw.hsloop);
    h2o_evloop_run(gw.evloop, 0); /* releases the sockets closed above */
    store_keyring_destroy(gw.keyring);
    free((char *)gw.config.oauth_scopes);
    free((char *)gw.config.oauth_optional_scopes);
    free(gw.config.frame_ancestors);
    gw_app_dispose();
    curl_global_cleanup();
    return 0;
}
