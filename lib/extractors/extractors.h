/*
 * extractors.h - the extractors of lib/extractors/, one file per family,
 * registered in lib/extractor.c (see include/custody/extractor.h).
 */
#ifndef CUSTODY_EXTRACTORS_H
#define CUSTODY_EXTRACTORS_H

#include "custody/extractor.h"

extern const struct cust_extractor cust_x_zeus_config;
extern const struct cust_extractor cust_x_zeus_webinjects;
extern const struct cust_extractor cust_x_zeus_binstorage;
extern const struct cust_extractor cust_x_panel_php;
extern const struct cust_extractor cust_x_sql_dump;
extern const struct cust_extractor cust_x_mirai_table;
extern const struct cust_extractor cust_x_spam_template;
extern const struct cust_extractor cust_x_spam_list;
extern const struct cust_extractor cust_x_relay_list;
extern const struct cust_extractor cust_x_irc_bot_config;
extern const struct cust_extractor cust_x_generic_c2_config;

#endif
