#ifndef USAGE_ETL_CSHA256_H
#define USAGE_ETL_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 block compression on the CPU's SHA extensions (x86-64 SHA-NI), for the archive's
 * content addresses. The portable implementation is Swift (Warehouse/SHA256.swift); this module
 * holds the part Swift cannot express (the sha256rnds2/msg1/msg2 instructions) and the round
 * constants both share. */

/* 1 when this CPU has the SHA extensions (and SSSE3, SSE4.1) that usage_etl_sha256_blocks needs. */
int usage_etl_sha256_accelerated(void);

/* Compresses `blocks` 64-byte blocks of `data` into `state` (a..h, host order). Call only when
 * usage_etl_sha256_accelerated() is 1. */
void usage_etl_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/* Copies the 64 round constants (FIPS 180-4, 4.2.2) into `out`, for the portable rounds. */
void usage_etl_sha256_round_constants(uint32_t out[64]);

#endif
