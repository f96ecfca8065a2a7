/*
 * config.h — defaults, option parsing and the consistency rules of
 * rgc_config, shared by rgc_config_parse and rgc_heap_create.
 */
#ifndef RGC_API_CONFIG_H
#define RGC_API_CONFIG_H

#include "rgc.h"

/* RGC_OK, or RGC_EINVAL naming the offending key; `who` prefixes the
 * message ("rgc_config_parse", "RGC_OPTIONS", ...). */
int config_check(const rgc_config *cfg, const char *who);
int config_apply(rgc_config *cfg, const char *options, const char *who);

#endif
