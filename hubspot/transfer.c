/* hubspot/ private: the pieces every transfer to HubSpot shares (see hubspot/internal.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "hubspot/internal.h"

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    odata_buf_t *buf = userdata;
    size_t n = size * nmemb;
    if (odata_buf_append(buf, ptr, n) != ODATA_OK)
        return 0; /* aborts the transfer; reported as too large */
    return n;
}

CURL *hs__easy_new(const char *url, odata_buf_t *body, long timeout_ms, char *errbuf)
{
    CURL *easy = curl_easy_init();
    if (easy == NULL)
        return NULL;
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(easy, CURLOPT_USERAGENT, "hubspot-odata-gateway/0.1");
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (errbuf != NULL) {
        errbuf[0] = '\0';
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
    }
    return easy;
}

void hs__wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void hs__wipe_answer(json_t *doc, odata_buf_t *body)
{
    static const char *const secrets[] = {"access_token", "refresh_token", "token", "id_token"};
    if (doc != NULL) {
        for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); ++i) {
            json_t *v = json_object_get(doc, secrets[i]);
            if (json_is_string(v))
                OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
        }
        json_decref(doc);
    }
    if (body->base != NULL)
        OPENSSL_cleanse(body->base, body->len);
    odata_buf_reset(body);
}
