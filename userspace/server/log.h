/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging to stderr, one line per event, filtered by level. */
#ifndef DSERVER_LOG_H
#define DSERVER_LOG_H

/* notice: what an administrator wants to see once at start (shown by default). */
enum log_level { LOG_ERROR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

/* -1 if name is not a level. */
int log_level_parse(const char *name);

void log_message(enum log_level level, const char *category, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(cat, ...) log_message(LOG_ERROR, cat, __VA_ARGS__)
#define log_warn(cat, ...) log_message(LOG_WARN, cat, __VA_ARGS__)
#define log_notice(cat, ...) log_message(LOG_NOTICE, cat, __VA_ARGS__)
#define log_info(cat, ...) do { if (log_threshold >= LOG_INFO) log_message(LOG_INFO, cat, __VA_ARGS__); } while (0)
#define log_debug(cat, ...) do { if (log_threshold >= LOG_DEBUG) log_message(LOG_DEBUG, cat, __VA_ARGS__); } while (0)

#endif
