/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_ERR_H
#define CHARLIE_ERR_H

#include "charlie.h"

/*
 * Fills `err` (may be NULL) and returns -EINVAL, for `return err_set(...)`.
 *
 * The return value is only a failure flag: it is -EINVAL whatever went
 * wrong (a bad file, a host call that failed with ENOMEM, a KVM ioctl...),
 * so callers must not read a cause into it.  What failed, and why, is in
 * err->code, err->field and err->msg; host errno values, when they matter,
 * are spelled out in err->msg (strerror).
 */
int err_set(struct charlie_error *err, enum charlie_err code, const char *field,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
