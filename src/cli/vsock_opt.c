// SPDX-License-Identifier: MIT
/* --vsock cid=N,uds=PATH (Firecracker's guest_cid and uds_path). */
#include "cli.h"
#include "charlie.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_vsock(char *s, struct charlie_vsock_config *v)
{
	bool have_cid = false;
	char *tok, *save = NULL;

	v->cid = 0;
	v->uds = NULL;
	/* in place: the strings stay in argv for the VM's lifetime */
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "cid=", 4)) {
			char *end;

			errno = 0;
			v->cid = strtoull(tok + 4, &end, 0);
			if (errno || end == tok + 4 || *end || tok[4] == '-')
				return -EINVAL;
			have_cid = true;
		} else if (!strncmp(tok, "uds=", 4) && tok[4]) {
			v->uds = tok + 4;
		} else {
			return -EINVAL;
		}
	}
	return have_cid ? 0 : -EINVAL;
}
