/*
 * hubspot-sim: computed answers and HubSpot error bodies.
 */
#include "result.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sim_result_init(sim_result_t *res)
{
    res->status = 200;
    res->content_type = "application/json;charset=utf-8";
    sim_buf_init(&res->body, SIM_MAX_BODY);
    res->location = NULL;
}

void sim_result_dispose(sim_result_t *res)
{
    sim_buf_dispose(&res->body);
    free(res->location);
    res->location = NULL;
}

void sim_result_error(sim_result_t *res, int status, const char *category, const char *fmt, ...)
{
    char msg[1024], cid[37];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sim_uuid(cid);
    res->status = status;
    res->content_type = "application/json;charset=utf-8";
    sim_buf_reset(&res->body);
    sim_buf_appends(&res->body, "{\"status\":\"error\",\"message\":");
    sim_buf_append_json_cstr(&res->body, msg);
    sim_buf_appends(&res->body, ",\"correlationId\":\"");
    sim_buf_appends(&res->body, cid);
    sim_buf_appends(&res->body, "\"");
    if (category != NULL) {
        sim_buf_appends(&res->body, ",\"category\":");
        sim_buf_append_json_cstr(&res->body, category);
    }
    sim_buf_appends(&res->body, "}");
}

void sim_result_oauth_error(sim_result_t *res, int status, const char *oauth_status, const char *message)
{
    char cid[37], rid[37];
    sim_uuid(cid);
    sim_uuid(rid);
    res->status = status;
    res->content_type = "application/json;charset=utf-8";
    sim_buf_reset(&res->body);
    sim_buf_appends(&res->body, "{\"status\":");
    sim_buf_append_json_cstr(&res->body, oauth_status);
    sim_buf_appends(&res->body, ",\"message\":");
    sim_buf_append_json_cstr(&res->body, message);
    sim_buf_appendf(&res->body, ",\"correlationId\":\"%s\",\"requestId\":\"%s\"}", cid, rid);
}

void sim_result_rate_limited(sim_result_t *res, const char *policy, const char *group)
{
    const char *what = strcmp(policy, "TEN_SECONDLY_ROLLING") == 0 ? "ten_secondly_rolling"
                       : strcmp(policy, "SECONDLY") == 0           ? "secondly"
                                                                   : "daily";
    char cid[37], rid[37];
    sim_uuid(cid);
    sim_uuid(rid);
    res->status = 429;
    res->content_type = "application/json;charset=utf-8";
    sim_buf_reset(&res->body);
    sim_buf_appendf(&res->body,
                    "{\"status\":\"error\",\"message\":\"You have reached your %s limit.\",\"errorType\":\"RATE_LIMIT\","
                    "\"correlationId\":\"%s\",\"policyName\":\"%s\",\"groupName\":",
                    what, cid, policy);
    sim_buf_append_json_cstr(&res->body, group);
    sim_buf_appendf(&res->body, ",\"requestId\":\"%s\"}", rid);
}

void sim_result_check_overflow(sim_result_t *res)
{
    if (!res->body.overflow)
        return;
    sim_buf_dispose(&res->body);
    sim_buf_init(&res->body, SIM_MAX_BODY);
    sim_result_error(res, 500, "INTERNAL_ERROR", "The response is larger than the simulator's %d MiB cap",
                     SIM_MAX_BODY / (1024 * 1024));
}

const char *sim_reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}
