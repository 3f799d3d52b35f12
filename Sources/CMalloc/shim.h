#ifndef USAGE_ETL_CMALLOC_SHIM_H
#define USAGE_ETL_CMALLOC_SHIM_H
/* glibc's malloc tuning (mallopt), for the executable's start-up only. */
#include <malloc.h>
#endif
