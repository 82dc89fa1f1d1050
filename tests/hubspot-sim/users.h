/*
 * hubspot-sim: HubSpot's settings v3 users and teams API (GET /settings/v3/users, /settings/v3/users/{userId},
 * /settings/v3/users/teams) over a computed portal: user i (1..count) and team t (1..teams, id 100 + t).
 */
#ifndef SIM_USERS_H
#define SIM_USERS_H

#include "result.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

#define SIM_USERS_MAX 1000000
#define SIM_TEAMS_MAX 10000
#define SIM_USERS_MAX_SUPER_ADMINS 256
#define SIM_USERS_LIST_MAX_LIMIT 100
#define SIM_TEAM_ID_BASE 100

/**
 * The portal's users and teams. User i has id i and e-mail user<i>@sim-portal-<portal_id>.example; its primary team is
 * 1 + (i - 1) % teams (none when teams is 0); user 2 is also a secondary member of every other team.
 */
typedef struct st_sim_users_t {
    uint64_t portal_id;
    uint64_t count;
    uint64_t teams;
    size_t nsuper_admins;
    uint64_t super_admins[SIM_USERS_MAX_SUPER_ADMINS]; /* sorted, no duplicates */
} sim_users_t;

/** initialises the portal's users; super_admins (n ids, borrowed, any order, duplicates allowed) is copied */
void sim_users_init(sim_users_t *u, uint64_t portal_id, uint64_t count, uint64_t teams, const uint64_t *super_admins, size_t n);
/**
 * parses a comma-separated list of positive user ids ("1,4"; "" is the empty list) into ids (at most max); returns 0, or
 * -1 when an id is malformed or there are more than max
 */
int sim_users_parse_id_list(const char *s, uint64_t *ids, size_t max, size_t *n);
/** true if the user is a super admin */
int sim_users_is_super_admin(const sim_users_t *u, uint64_t id);
/** GET /settings/v3/users/{userId}; q (borrowed) may carry idProperty=USER_ID (the default) or EMAIL */
void sim_users_get(const sim_users_t *u, const char *user_id, const sim_params_t *q, sim_result_t *res);
/**
 * GET /settings/v3/users: one page in id order (limit 1..100, default 100; after is the first id of the page).
 * base_url ("http://host:port") builds the paging link.
 */
void sim_users_list(const sim_users_t *u, const sim_params_t *q, const char *base_url, sim_result_t *res);
/** GET /settings/v3/users/teams: every team with its primary (userIds) and secondary (secondaryUserIds) members */
void sim_users_teams(const sim_users_t *u, sim_result_t *res);

#endif
