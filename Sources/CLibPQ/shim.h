#ifndef USAGE_ETL_CLIBPQ_SHIM_H
#define USAGE_ETL_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
