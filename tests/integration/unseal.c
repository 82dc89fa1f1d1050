/*
 * unseal KEYFILE PORTAL_ID: reads a sealed refresh token as PostgreSQL prints a bytea ("\x..." on
 * standard input) and prints the token. For tests that must ask the simulator about the very token
 * the gateway stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int main(int argc, char **argv)
{
    static char text[64 * 1024];
    unsigned char blob[sizeof(text) / 2], *pt = NULL;
    char err[256];
    size_t n, len = 0, ptlen = 0;
    store_keyring_t *kr;
    store_err_t se;

    if (argc != 3) {
        fprintf(stderr, "usage: unseal KEYFILE PORTAL_ID < bytea-text\n");
        return 2;
    }
    if ((kr = store_keyring_load(argv[1], NULL, err, sizeof(err))) == NULL) {
        fprintf(stderr, "unseal: %s\n", err);
        return 1;
    }
    n = fread(text, 1, sizeof(text) - 1, stdin);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        --n;
    if (n < 2 || text[0] != '\\' || text[1] != 'x' || n % 2 != 0) {
        fprintf(stderr, "unseal: expected \\x followed by hex digits\n");
        return 1;
    }
    for (size_t i = 2; i < n; i += 2) {
        int hi = hexval(text[i]), lo = hexval(text[i + 1]);
        if (hi < 0 || lo < 0) {
            fprintf(stderr, "unseal: not a hex digit\n");
            return 1;
        }
        blob[len++] = (unsigned char)(hi << 4 | lo);
    }
    if ((se = store_open(kr, strtoll(argv[2], NULL, 10), blob, len, &pt, &ptlen)) != STORE_OK) {
        fprintf(stderr, "unseal: cannot open (error %d)\n", (int)se);
        return 1;
    }
    printf("%s\n", (char *)pt);
    free(pt);
    store_keyring_destroy(kr);
    return 0;
}
