#ifndef USAGE_ETL_CLIBCRYPTO_SHIM_H
#define USAGE_ETL_CLIBCRYPTO_SHIM_H
/* OpenSSL's libcrypto (already loaded by libcurl and libpq): SHA-256 and HMAC only. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#endif
