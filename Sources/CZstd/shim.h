#ifndef USAGE_ETL_CZSTD_SHIM_H
#define USAGE_ETL_CZSTD_SHIM_H
/* Stable API only: never ZSTD_STATIC_LINKING_ONLY against the shared library. */
#include <zstd.h>
#endif
