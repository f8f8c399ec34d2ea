/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_ERR_H
#define CHARLIE_ERR_H

#include "charlie.h"

/* Fills `err` (may be NULL) and returns -EINVAL, for `return err_set(...)`. */
int err_set(struct charlie_error *err, enum charlie_err code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
