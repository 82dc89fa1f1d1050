/* store/ private declarations shared by its source files */
#ifndef store__internal_h
#define store__internal_h

#include <stddef.h>

/** Formats a one-line message into err (libpq's trailing newlines and line breaks removed). */
void store__set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
