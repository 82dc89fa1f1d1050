/* gateway/ private: taking what a log line may not hold out of it (gateway/scrub.c). */
#ifndef gateway__scrub_h
#define gateway__scrub_h

#include <stddef.h>

/**
 * Writes `in` to out (cap bytes, NUL-terminated, cut short if need be) with e-mail addresses replaced by
 * "email:<12 hex digits of their SHA-256>", the gateway's tokens cut to their prefix plus "***", and
 * the values of `key_param` (the query parameter that may carry a token; NULL: none), refresh_token,
 * code, password, client_secret, access_token and of Bearer and Basic credentials replaced by "***".
 */
void gw_scrub(const char *in, const char *key_param, char *out, size_t cap);

#endif
