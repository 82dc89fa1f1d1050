/*
 * gatewayctl audit verify, prune and retention.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "store/audit.h"
#include "ctl.h"

/* problems printed per chain: a chain damaged throughout would otherwise print a line per row */
#define PROBLEMS_SHOWN_MAX 100

typedef struct st_verify_out_t {
    int64_t portal_id; /* the portal of the problems being printed */
    size_t shown, hidden;
} verify_out_t;

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void on_problem(void *ctx, const store_audit_problem_t *problem)
{
    verify_out_t *vo = ctx;

    if (problem->portal_id != vo->portal_id) {
        vo->portal_id = problem->portal_id;
        vo->shown = vo->hidden = 0;
    }
    if (vo->shown == PROBLEMS_SHOWN_MAX) {
        ++vo->hidden;
        return;
    }
    ++vo->shown;
    printf("%s\n", problem->message);
}

static void on_chain(void *ctx, const store_audit_chain_t *c)
{
    verify_out_t *vo = ctx;
    char rows[96], pruned[64] = "";

    if (c->pruned_seq == 1)
        snprintf(pruned, sizeof(pruned), " (row 1 was pruned)");
    else if (c->pruned_seq > 1)
        snprintf(pruned, sizeof(pruned), " (rows 1 to %" PRId64 " were pruned)", c->pruned_seq);
    if (c->rows == 0)
        snprintf(rows, sizeof(rows), "no rows");
    else if (c->rows == 1)
        snprintf(rows, sizeof(rows), "1 row, seq %" PRId64 ",", c->first_seq);
    else
        snprintf(rows, sizeof(rows), "%" PRId64 " rows from seq %" PRId64 " to %" PRId64, c->rows, c->first_seq, c->last_seq);

    if (c->problems == 0) {
        printf("portal %" PRId64 ": %s%s intact%s\n", c->portal_id, rows, c->rows == 0 ? "," : "", pruned);
        return;
    }
    if (vo->portal_id == c->portal_id && vo->hidden != 0)
        printf("portal %" PRId64 ": %zu more %s not shown\n", c->portal_id, vo->hidden,
               plural((int64_t)vo->hidden, "problem", "problems"));
    printf("portal %" PRId64 ": %s checked: %zu %s\n", c->portal_id, rows, c->problems,
           plural((int64_t)c->problems, "problem", "problems"));
}

int gw_ctl_cmd_audit_verify(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_END};
    verify_out_t vo = {0, 0, 0};
    store_audit_verify_cb_t cb = {on_problem, on_chain, &vo};
    store_audit_report_t *report = NULL;
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int64_t portal;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 1, &portal)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_audit_verify(conn, portal, &cb, &report, err, sizeof(err)) != STORE_OK) {
        fflush(stdout);
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (report->nchains == 0 && report->problems == 0) {
        if (portal != 0)
            printf("portal %" PRId64 ": no audit log\n", portal);
        else
            printf("There is no audit log to check.\n");
        rc = GW_CTL_EXIT_OK;
        goto out;
    }
    printf("Checked %zu %s, %" PRId64 " %s: ", report->nchains, plural((int64_t)report->nchains, "chain", "chains"), report->rows,
           plural(report->rows, "row", "rows"));
    if (report->problems == 0) {
        printf("all intact.\n");
        rc = GW_CTL_EXIT_OK;
    } else {
        printf("%zu %s found.\n", report->problems, plural((int64_t)report->problems, "problem", "problems"));
    }

out:
    store_audit_report_destroy(report);
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_audit_prune(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int64_t portal, removed;
    int rc;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 1, &portal)) != GW_CTL_CONTINUE)
        return rc;
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_audit_prune(conn, portal, &removed, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    if (portal != 0)
        printf("Pruned %" PRId64 " audit %s of portal %" PRId64 ".\n", removed, plural(removed, "row", "rows"), portal);
    else
        printf("Pruned %" PRId64 " audit %s.\n", removed, plural(removed, "row", "rows"));
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}

int gw_ctl_cmd_audit_retention(gw_ctl_t *ctl, int argc, char **argv)
{
    gw_ctl_opt_t opts[] = {GW_CTL_OPT_VALUE("--portal"), GW_CTL_OPT_VALUE("--days"), GW_CTL_OPT_END};
    char err[GW_CTL_ERR_MAX];
    PGconn *conn = NULL;
    int64_t portal, days;
    int rc, created = 0;

    if ((rc = gw_ctl_parse(ctl, opts, argc, argv)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--portal", 0, &portal)) != GW_CTL_CONTINUE ||
        (rc = gw_ctl_id_opt(ctl, opts, "--days", 0, &days)) != GW_CTL_CONTINUE)
        return rc;
    if (days > STORE_AUDIT_RETENTION_DAYS_MAX)
        return gw_ctl_usage_error(ctl, "--days must be 1 to %d", STORE_AUDIT_RETENTION_DAYS_MAX);
    rc = GW_CTL_EXIT_FAIL;
    if ((conn = gw_ctl_connect(ctl)) == NULL)
        goto out;
    if (store_audit_retention_set(conn, portal, (int)days, &created, err, sizeof(err)) != STORE_OK) {
        gw_ctl_fail("%s", err);
        goto out;
    }
    printf("Portal %" PRId64 " keeps its audit log for %" PRId64 " %s%s.\n", portal, days, plural(days, "day", "days"),
           created ? " (its audit chain was created)" : "");
    rc = GW_CTL_EXIT_OK;

out:
    PQfinish(conn);
    return rc;
}
