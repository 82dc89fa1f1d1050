/*
 * hubspot-sim: settings v3 users and teams.
 */
#include "users.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the one user who is also a secondary member of every team other than its primary one */
#define SECONDARY_MEMBER 2

#define EMAIL_MAX 96

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void sim_users_init(sim_users_t *u, uint64_t portal_id, uint64_t count, uint64_t teams, const uint64_t *super_admins, size_t n)
{
    memset(u, 0, sizeof(*u));
    u->portal_id = portal_id;
    u->count = count;
    u->teams = teams;
    if (n > SIM_USERS_MAX_SUPER_ADMINS)
        n = SIM_USERS_MAX_SUPER_ADMINS;
    if (n != 0)
        memcpy(u->super_admins, super_admins, n * sizeof(super_admins[0]));
    qsort(u->super_admins, n, sizeof(u->super_admins[0]), cmp_u64);
    for (size_t i = 0; i < n; ++i)
        if (u->nsuper_admins == 0 || u->super_admins[u->nsuper_admins - 1] != u->super_admins[i])
            u->super_admins[u->nsuper_admins++] = u->super_admins[i];
}

int sim_users_parse_id_list(const char *s, uint64_t *ids, size_t max, size_t *n)
{
    *n = 0;
    if (*s == '\0')
        return 0;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma != NULL ? (size_t)(comma - s) : strlen(s);
        uint64_t v;
        if (sim_parse_u64(s, len, &v) != 0 || v == 0 || *n == max)
            return -1;
        ids[(*n)++] = v;
        if (comma == NULL)
            return 0;
        s = comma + 1;
    }
}

int sim_users_is_super_admin(const sim_users_t *u, uint64_t id)
{
    return bsearch(&id, u->super_admins, u->nsuper_admins, sizeof(u->super_admins[0]), cmp_u64) != NULL;
}

/* 1-based index of the user's primary team; teams must not be 0 */
static uint64_t primary_team(const sim_users_t *u, uint64_t id)
{
    return 1 + (id - 1) % u->teams;
}

static size_t format_email(const sim_users_t *u, uint64_t id, char *out)
{
    int n = snprintf(out, EMAIL_MAX, "user%" PRIu64 "@sim-portal-%" PRIu64 ".example", id, u->portal_id);
    return n > 0 && n < EMAIL_MAX ? (size_t)n : 0;
}

/* HubSpot compares e-mail addresses case-insensitively */
static int find_by_email(const sim_users_t *u, const char *email, uint64_t *id)
{
    size_t len = strlen(email), digits = 4;
    char canon[EMAIL_MAX];
    uint64_t v;

    if (len < 4 || sim_casecmp(email, 4, "user", 4) != 0)
        return -1;
    while (digits < len && email[digits] >= '0' && email[digits] <= '9')
        ++digits;
    if (sim_parse_u64(email + 4, digits - 4, &v) != 0 || v == 0 || v > u->count)
        return -1;
    size_t clen = format_email(u, v, canon);
    if (clen == 0 || sim_casecmp(email, len, canon, clen) != 0)
        return -1;
    *id = v;
    return 0;
}

static void write_user(const sim_users_t *u, uint64_t id, sim_buf_t *b)
{
    char email[EMAIL_MAX];
    size_t elen = format_email(u, id, email);

    sim_buf_appendf(b, "{\"id\":\"%" PRIu64 "\",\"email\":", id);
    sim_buf_append_json_str(b, email, elen);
    sim_buf_appends(b, ",\"roleIds\":[]");
    uint64_t primary = 0;
    if (u->teams != 0) {
        primary = primary_team(u, id);
        sim_buf_appendf(b, ",\"primaryTeamId\":\"%" PRIu64 "\"", SIM_TEAM_ID_BASE + primary);
    }
    sim_buf_appends(b, ",\"secondaryTeamIds\":[");
    if (id == SECONDARY_MEMBER) {
        int first = 1;
        for (uint64_t t = 1; t <= u->teams; ++t) {
            if (t == primary)
                continue;
            sim_buf_appendf(b, "%s\"%" PRIu64 "\"", first ? "" : ",", SIM_TEAM_ID_BASE + t);
            first = 0;
        }
    }
    sim_buf_appendf(b, "],\"superAdmin\":%s}", sim_users_is_super_admin(u, id) ? "true" : "false");
}

void sim_users_get(const sim_users_t *u, const char *user_id, const sim_params_t *q, sim_result_t *res)
{
    const char *prop = sim_params_get(q, "idProperty");
    uint64_t id;
    int found;

    if (prop == NULL || prop[0] == '\0' || strcmp(prop, "USER_ID") == 0) {
        found = sim_parse_u64(user_id, strlen(user_id), &id) == 0 && id != 0 && id <= u->count;
        prop = "USER_ID";
    } else if (strcmp(prop, "EMAIL") == 0) {
        found = find_by_email(u, user_id, &id) == 0;
    } else {
        sim_result_error(res, 400, "VALIDATION_ERROR", "idProperty must be USER_ID or EMAIL (got \"%.100s\")", prop);
        return;
    }
    if (!found) {
        sim_result_error(res, 404, "OBJECT_NOT_FOUND", "No user found with %s %.200s", prop, user_id);
        return;
    }
    res->status = 200;
    sim_buf_reset(&res->body);
    write_user(u, id, &res->body);
    sim_result_check_overflow(res);
}

void sim_users_list(const sim_users_t *u, const sim_params_t *q, const char *base_url, sim_result_t *res)
{
    uint64_t limit = SIM_USERS_LIST_MAX_LIMIT, first = 1;
    const char *slimit = sim_params_get(q, "limit"), *safter = sim_params_get(q, "after");

    if (slimit != NULL && slimit[0] == '\0')
        slimit = NULL;
    if (slimit != NULL && (sim_parse_u64(slimit, strlen(slimit), &limit) != 0 || limit == 0 || limit > SIM_USERS_LIST_MAX_LIMIT)) {
        sim_result_error(res, 400, "VALIDATION_ERROR", "limit must be an integer between 1 and %d (got \"%.100s\")",
                         SIM_USERS_LIST_MAX_LIMIT, slimit);
        return;
    }
    if (safter != NULL && safter[0] != '\0') {
        if (sim_parse_u64(safter, strlen(safter), &first) != 0) {
            sim_result_error(res, 400, "VALIDATION_ERROR", "Invalid paging cursor \"%.100s\" for after", safter);
            return;
        }
        if (first == 0)
            first = 1;
    }

    sim_buf_t *b = &res->body;
    res->status = 200;
    sim_buf_reset(b);
    sim_buf_appends(b, "{\"results\":[");
    uint64_t last = 0; /* last id on this page; 0 when the page is empty */
    if (first <= u->count)
        last = u->count - first + 1 > limit ? first + limit - 1 : u->count;
    for (uint64_t id = first; last != 0 && id <= last; ++id) {
        if (id != first)
            sim_buf_appendc(b, ',');
        write_user(u, id, b);
    }
    sim_buf_appendc(b, ']');
    if (last != 0 && last < u->count) {
        sim_buf_appendf(b, ",\"paging\":{\"next\":{\"after\":\"%" PRIu64 "\",\"link\":", last + 1);
        sim_buf_t link;
        sim_buf_init(&link, 8192);
        sim_buf_appendf(&link, "%s/settings/v3/users?after=%" PRIu64, base_url, last + 1);
        if (!link.overflow)
            sim_buf_append_json_str(b, link.base, link.len);
        else
            sim_buf_appends(b, "null");
        sim_buf_dispose(&link);
        sim_buf_appends(b, "}}");
    }
    sim_buf_appendc(b, '}');
    sim_result_check_overflow(res);
}

void sim_users_teams(const sim_users_t *u, sim_result_t *res)
{
    sim_buf_t *b = &res->body;
    res->status = 200;
    sim_buf_reset(b);
    sim_buf_appends(b, "{\"results\":[");
    for (uint64_t t = 1; t <= u->teams; ++t) {
        sim_buf_appendf(b, "%s{\"id\":\"%" PRIu64 "\",\"name\":\"Team %" PRIu64 "\",\"userIds\":[", t != 1 ? "," : "",
                        SIM_TEAM_ID_BASE + t, t);
        for (uint64_t id = t; id <= u->count; id += u->teams)
            sim_buf_appendf(b, "%s\"%" PRIu64 "\"", id != t ? "," : "", id);
        sim_buf_appends(b, "],\"secondaryUserIds\":[");
        if (u->count >= SECONDARY_MEMBER && primary_team(u, SECONDARY_MEMBER) != t)
            sim_buf_appendf(b, "\"%d\"", SECONDARY_MEMBER);
        sim_buf_appends(b, "]}");
        if (b->overflow)
            break;
    }
    sim_buf_appends(b, "]}");
    sim_result_check_overflow(res);
}
