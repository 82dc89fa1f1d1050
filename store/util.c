/* store/ helpers shared by its source files */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "store/internal.h"

void store__set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    size_t n;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    /* libpq's messages end with a newline and may span lines: keep one line */
    for (n = strlen(err); n != 0 && (err[n - 1] == '\n' || err[n - 1] == ' '); --n)
        err[n - 1] = '\0';
    for (; n != 0; --n)
        if (err[n - 1] == '\n' || err[n - 1] == '\r' || err[n - 1] == '\t')
            err[n - 1] = ' ';
}
