/*
 * Bench helper: talks to HubSpot (the simulator) the way the gateway does, without the gateway, so that the
 * benches have a reference to compare the gateway with.
 *
 *   hs-pages token BASE_URL CLIENT_ID CLIENT_SECRET REFRESH_TOKEN     prints an access token
 *   hs-pages props BASE_URL ACCESS_TOKEN OBJECT                       prints the object's property names, comma-separated,
 *                                                                     in HubSpot's order (what a data source over the
 *                                                                     whole object asks for)
 *   hs-pages fetch BASE_URL ACCESS_TOKEN OBJECT PROPERTIES OUTDIR     saves every list page (limit=100, the gateway's
 *                                                                     request) as OUTDIR/page-NNNNNN.json; prints
 *                                                                     "pages rows bytes"
 *   hs-pages parse OUTDIR                                             loads the saved pages into memory, then parses each
 *                                                                     with json_loadb and frees it; only that loop is
 *                                                                     measured under callgrind; prints "pages rows bytes"
 *   hs-pages rows FILE...                                             prints the number of rows of each OData feed body,
 *                                                                     -1 when it is not a complete feed
 *   hs-pages slowget URL BEARER OUT RATE                              a slow client: reads URL into OUT at RATE bytes/s
 *                                                                     (0: at once) through a small receive buffer;
 *                                                                     prints the HTTP status
 *
 * Built by the bench scripts with `cc ... $(pkg-config --cflags --libs jansson libcurl)`.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <jansson.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif
#ifndef HAVE_CALLGRIND_H
/* without the header the script selects the loop with --toggle-collect=parse_pages instead */
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CALLGRIND_ZERO_STATS
#endif

#define MAX_BODY (64 * 1024 * 1024)

typedef struct st_body_t {
    char *base;
    size_t len, cap;
} body_t;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "hs-pages: %s%s%s\n", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
    exit(1);
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    body_t *b = userdata;
    size_t n = size * nmemb;
    if (b->len + n + 1 > MAX_BODY)
        return 0;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 64 * 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->base, cap);
        if (p == NULL)
            return 0;
        b->base = p;
        b->cap = cap;
    }
    memcpy(b->base + b->len, ptr, n);
    b->len += n;
    b->base[b->len] = '\0';
    return n;
}

/* GET (form == NULL) or POST a form; the body must answer 200. Returns a new body. */
static body_t http(const char *url, const char *bearer, const char *form)
{
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    body_t b = {NULL, 0, 0};
    char auth[4096];
    long status = 0;
    CURLcode rc;

    if (c == NULL)
        die("curl_easy_init failed", NULL);
    if (bearer != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", bearer);
        headers = curl_slist_append(headers, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    /* the gateway's settings, so that the bytes received are the same */
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "hubspot-odata-gateway/0.1");
    if (form != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        die(curl_easy_strerror(rc), url);
    if (status != 200)
        die("HubSpot did not answer 200", b.base != NULL ? b.base : url);
    return b;
}

static int cmd_token(int argc, char **argv)
{
    if (argc != 6)
        die("usage: token BASE_URL CLIENT_ID CLIENT_SECRET REFRESH_TOKEN", NULL);
    char url[2048], form[4096];
    snprintf(url, sizeof(url), "%s/oauth/v1/token", argv[2]);
    char *id = curl_easy_escape(NULL, argv[3], 0), *secret = curl_easy_escape(NULL, argv[4], 0),
         *rt = curl_easy_escape(NULL, argv[5], 0);
    snprintf(form, sizeof(form), "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s", id, secret, rt);
    curl_free(id);
    curl_free(secret);
    curl_free(rt);
    body_t b = http(url, NULL, form);
    json_t *doc = json_loadb(b.base, b.len, 0, NULL);
    const char *tok = json_string_value(json_object_get(doc, "access_token"));
    if (tok == NULL)
        die("no access_token in the answer", b.base);
    printf("%s\n", tok);
    json_decref(doc);
    free(b.base);
    return 0;
}

static int cmd_props(int argc, char **argv)
{
    if (argc != 5)
        die("usage: props BASE_URL ACCESS_TOKEN OBJECT", NULL);
    char url[2048];
    snprintf(url, sizeof(url), "%s/crm/v3/properties/%s", argv[2], argv[4]);
    body_t b = http(url, argv[3], NULL);
    json_t *doc = json_loadb(b.base, b.len, 0, NULL), *p;
    size_t i;
    int first = 1;
    if (!json_is_array(json_object_get(doc, "results")))
        die("no results in the properties answer", NULL);
    json_array_foreach(json_object_get(doc, "results"), i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        /* the gateway's key column "id" carries the record id; no such property is requested */
        if (name != NULL && strcmp(name, "id") != 0) {
            printf("%s%s", first ? "" : ",", name);
            first = 0;
        }
    }
    printf("\n");
    json_decref(doc);
    free(b.base);
    return 0;
}

static int cmd_fetch(int argc, char **argv)
{
    if (argc != 7)
        die("usage: fetch BASE_URL ACCESS_TOKEN OBJECT PROPERTIES OUTDIR", NULL);
    char after[64] = "", url[65536], path[4096];
    size_t pages = 0, rows = 0, bytes = 0;

    for (;;) {
        /* the gateway's list request (hubspot/scan.c) */
        int n = snprintf(url, sizeof(url), "%s/crm/v3/objects/%s?limit=100&archived=false&properties=%s%s%s", argv[2], argv[4],
                         argv[5], after[0] != '\0' ? "&after=" : "", after);
        if (n < 0 || (size_t)n >= sizeof(url))
            die("the property list is too long", NULL);
        body_t b = http(url, argv[3], NULL);
        json_error_t jerr;
        json_t *doc = json_loadb(b.base, b.len, 0, &jerr);
        if (doc == NULL)
            die("a page is not JSON", jerr.text);
        snprintf(path, sizeof(path), "%s/page-%06zu.json", argv[6], pages);
        FILE *f = fopen(path, "wb");
        if (f == NULL || fwrite(b.base, 1, b.len, f) != b.len || fclose(f) != 0)
            die("cannot write", path);
        ++pages;
        bytes += b.len;
        rows += json_array_size(json_object_get(doc, "results"));
        const char *next = json_string_value(json_object_get(json_object_get(json_object_get(doc, "paging"), "next"), "after"));
        if (next != NULL && strlen(next) < sizeof(after) && strspn(next, "0123456789") == strlen(next))
            snprintf(after, sizeof(after), "%s", next);
        else
            after[0] = '\0';
        json_decref(doc);
        free(b.base);
        if (after[0] == '\0')
            break;
    }
    printf("%zu %zu %zu\n", pages, rows, bytes);
    return 0;
}

/* The measured loop: what the gateway must do at the least for every page it receives. */
__attribute__((noinline)) static size_t parse_pages(body_t *pages, size_t npages)
{
    size_t rows = 0;
    for (size_t i = 0; i < npages; ++i) {
        json_t *doc = json_loadb(pages[i].base, pages[i].len, 0, NULL);
        if (doc == NULL)
            return (size_t)-1;
        rows += json_array_size(json_object_get(doc, "results"));
        json_decref(doc);
    }
    return rows;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int only_pages(const struct dirent *d)
{
    return strncmp(d->d_name, "page-", 5) == 0;
}

static body_t read_file(const char *path)
{
    body_t b = {NULL, 0, 0};
    char chunk[65536];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("cannot open", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (on_data(chunk, 1, n, &b) != n)
            die("file too large", path);
    fclose(f);
    return b;
}

static int cmd_parse(int argc, char **argv)
{
    if (argc != 3)
        die("usage: parse OUTDIR", NULL);
    struct dirent **names;
    int n = scandir(argv[2], &names, only_pages, by_name);
    char path[4096];
    size_t bytes = 0, rows;
    if (n <= 0)
        die("no pages in", argv[2]);
    body_t *pages = calloc((size_t)n, sizeof(*pages));
    for (int i = 0; i < n; ++i) {
        snprintf(path, sizeof(path), "%s/%s", argv[2], names[i]->d_name);
        pages[i] = read_file(path);
        bytes += pages[i].len;
        free(names[i]);
    }
    free(names);

    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
    rows = parse_pages(pages, (size_t)n);
    CALLGRIND_STOP_INSTRUMENTATION;

    if (rows == (size_t)-1)
        die("a page is not JSON", NULL);
    printf("%d %zu %zu\n", n, rows, bytes);
    for (int i = 0; i < n; ++i)
        free(pages[i].base);
    free(pages);
    return 0;
}

static int cmd_rows(int argc, char **argv)
{
    for (int i = 2; i < argc; ++i) {
        json_t *doc = json_load_file(argv[i], 0, NULL), *value = json_object_get(doc, "value");
        printf("%lld\n", json_is_array(value) ? (long long)json_array_size(value) : -1LL);
        json_decref(doc);
    }
    return 0;
}

typedef struct st_slow_t {
    FILE *out;
    double rate, start;
    size_t bytes;
} slow_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeping here keeps curl from reading the socket, so the server feels a client this slow. */
static size_t on_slow_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    slow_t *s = userdata;
    size_t n = size * nmemb;
    if (fwrite(ptr, 1, n, s->out) != n)
        return 0;
    s->bytes += n;
    if (s->rate > 0) {
        double wait = s->start + (double)s->bytes / s->rate - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        }
    }
    return n;
}

/* a small receive buffer, so that the kernel does not absorb what the client has not read */
static int on_sockopt(void *clientp, curl_socket_t fd, curlsocktype purpose)
{
    int size = 32 * 1024;
    (void)clientp;
    if (purpose == CURLSOCKTYPE_IPCXN)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return CURL_SOCKOPT_OK;
}

static int cmd_slowget(int argc, char **argv)
{
    if (argc != 6)
        die("usage: slowget URL BEARER OUT RATE", NULL);
    slow_t s = {fopen(argv[4], "wb"), strtod(argv[5], NULL), now_s(), 0};
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    char auth[4096];
    long status = 0;
    if (s.out == NULL || c == NULL)
        die("cannot open", argv[4]);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", argv[3]);
    headers = curl_slist_append(headers, auth);
    curl_easy_setopt(c, CURLOPT_URL, argv[2]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_slow_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 16384L);
    if (s.rate > 0)
        curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    if (fclose(s.out) != 0)
        die("cannot write", argv[4]);
    printf("%ld\n", rc == CURLE_OK ? status : 0L);
    return rc == CURLE_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    int r;
    if (argc < 2)
        die("usage: hs-pages token|props|fetch|parse|rows|slowget ...", NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (strcmp(argv[1], "token") == 0)
        r = cmd_token(argc, argv);
    else if (strcmp(argv[1], "props") == 0)
        r = cmd_props(argc, argv);
    else if (strcmp(argv[1], "fetch") == 0)
        r = cmd_fetch(argc, argv);
    else if (strcmp(argv[1], "parse") == 0)
        r = cmd_parse(argc, argv);
    else if (strcmp(argv[1], "rows") == 0)
        r = cmd_rows(argc, argv);
    else if (strcmp(argv[1], "slowget") == 0)
        r = cmd_slowget(argc, argv);
    else
        die("unknown command", argv[1]);
    curl_global_cleanup();
    return r;
}
