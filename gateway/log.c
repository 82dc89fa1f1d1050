#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "gateway/gateway.h"

gw_log_level_t gw_log_level = GW_LOG_INFO;

void gw_log_write(gw_log_level_t level, const char *module, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char line[2048], ts[32];
    struct timespec now;
    struct tm tm;
    va_list ap;
    int n;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof(line), "%s.%03ldZ %s [%s] ", ts, now.tv_nsec / 1000000, names[level], module);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof(line))
        vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    /* one write per line so lines of concurrent processes do not interleave */
    fprintf(stderr, "%s\n", line);
}
