#ifndef USAGE_ETL_CLIBCURL_SHIM_H
#define USAGE_ETL_CLIBCURL_SHIM_H
/*
 * curl_easy_setopt and curl_easy_getinfo are C variadics, which Swift cannot
 * call. One typed wrapper per argument kind; Clang compiles these with the
 * module, so no separate C target is needed.
 */
#include <curl/curl.h>

typedef size_t (*usage_etl_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);

static inline CURLcode usage_etl_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode usage_etl_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode usage_etl_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode usage_etl_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode usage_etl_curl_setopt_callback(CURL *h, CURLoption o, usage_etl_curl_data_cb v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode usage_etl_curl_getinfo_long(CURL *h, CURLINFO i, long *out) {
    return curl_easy_getinfo(h, i, out);
}
static inline CURLcode usage_etl_curl_getinfo_double(CURL *h, CURLINFO i, double *out) {
    return curl_easy_getinfo(h, i, out);
}
#endif
