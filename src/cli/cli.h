/* SPDX-License-Identifier: MIT */
#ifndef CHARLIE_CLI_H
#define CHARLIE_CLI_H

/* Subcommands; each returns the process exit code (enum charlie_exit). */
int cmd_run(int argc, char **argv);
int cmd_check_kernel(int argc, char **argv);
int cmd_inspect(int argc, char **argv);

#include <stdint.h>
struct charlie_kernel_report;
/* check-kernel's "     key: value" lines and kernel report (inspect
 * prints the embedded kernel with them). */
void cli_line(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cli_print_kernel_report(const char *path,
			     const struct charlie_kernel_report *r);
/* `charlie inspect IMAGE`: prints the report, returns the exit code. */
int cli_inspect_image(const char *path, uint64_t memory, const char *cmdline);

/* Parses "256M", "1G", "512MiB", "1073741824" into bytes; -1 on error. */
long long cli_parse_size(const char *s);

struct charlie_vsock_config;
/* "cid=N[,uds=PATH]" (modifies s; the config points into it): 0 or -EINVAL. */
int cli_parse_vsock(char *s, struct charlie_vsock_config *v);

struct charlie_error;
/* The one-line error format shared by every subcommand:
 *   charlie: <msg> [<code-name>]            (on stderr) */
void cli_print_error(const struct charlie_error *err);
#endif
