#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "gateway/gateway.h"
#include "gateway/scrub.h"

gw_log_level_t gw_log_level = GW_LOG_INFO;

void gw_log_write(gw_log_level_t level, const char *module, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char msg[2048], clean[2048], ts[32];
    struct timespec now;
    struct tm tm;
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* whatever a caller passed, no e-mail address, token or credential reaches the log */
    gw_scrub(msg, gw.config.api_key_param, clean, sizeof(clean));
    /* one write per line so lines of concurrent processes do not interleave */
    fprintf(stderr, "%s.%03ldZ %s [%s] %s\n", ts, now.tv_nsec / 1000000, names[level], module, clean);
}
